package ops_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestLogSoftmaxFloat32Rows checks LogSoftmax in float32 along the last
// axis, whose rows take vec.ExpSum32 and vec.SoftmaxGrad32, against the
// float64 op on the same values (the backward, against its formula in
// float64 from the float32 op's output), rounded to float32: equal but for rare
// 1-ulp differences (at most 1 in 500 values here), for rows of every
// length around the assembly's vectors of 4, logits spread far (up to 800
// apart, where the exponentials are limited to e^−700), and rows the
// scalar path takes (NaN, +Inf, all −Inf) giving the float64 op's values.
func TestLogSoftmaxFloat32Rows(t *testing.T) {
	r := rng(91)
	for _, cols := range []int{1, 2, 3, 4, 5, 7, 8, 9, 13, 96} {
		const rows = 24
		x := tensor.Scale(randn(r, rows, cols), 3)
		xd := x.Data()
		xd[1*cols] += 800 // one far above the rest of row 1
		if cols > 1 {
			xd[2*cols+1] = math.NaN()
			xd[3*cols] = math.Inf(1)
			xd[5*cols+cols-1] = xd[5*cols] // the maximum twice
			xd[5*cols] += 5
		}
		for j := range cols {
			xd[4*cols+j] = math.Inf(-1)
		}
		x32 := to32(x)
		x = to64(x32) // the same values in both types
		g := randn(r, rows, cols)
		g32 := to32(g)
		g = to64(g32)

		op64, op32 := &ops.LogSoftmax[float64]{Axis: -1}, &ops.LogSoftmax[float32]{Axis: 1}
		y64, y32 := op64.Forward([]*tensor.Tensor[float64]{x}), op32.Forward([]*tensor.Tensor[float32]{x32})
		dx32 := op32.Backward(g32, []bool{true})[0]
		// dx's formula in float64 from the float32 op's own y.
		dx64 := tensor.New[float64](rows, cols)
		for i := range rows {
			sg := 0.0
			for j := range cols {
				sg += g.Data()[i*cols+j]
			}
			for j := range cols {
				k := i*cols + j
				dx64.Data()[k] = g.Data()[k] - math.Exp(float64(y32.Data()[k]))*sg
			}
		}
		off := 0
		for what, p := range map[string][2]*tensor.Tensor[float32]{
			"y":  {y32, to32(y64)},
			"dx": {dx32, to32(dx64)},
		} {
			for i, got := range p[0].Data() {
				want := p[1].Data()[i]
				if got == want || (got != got && want != want) {
					continue
				}
				off++
				if u := int64(math.Float32bits(got)) - int64(math.Float32bits(want)); u > 1 || u < -1 || got != got || want != want {
					t.Errorf("%d columns: %s[%d] (row %d) = %g, float64 op's %g", cols, what, i, i/cols, got, want)
				}
			}
		}
		if off > 2*rows*cols/500 {
			t.Errorf("%d columns: %d values 1 ulp off the float64 op's", cols, off)
		}
	}
}
