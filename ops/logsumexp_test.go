package ops_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

func TestLogSumExpGradCheck(t *testing.T) {
	r := rng(40)
	cases := []struct {
		shape []int
		axes  []int
	}{
		{[]int{5}, []int{0, -1}},
		{[]int{1}, []int{0}},
		{[]int{3, 4}, []int{0, 1, -1, -2}},
		{[]int{1, 1}, []int{0, 1}},
		{[]int{2, 3, 4}, []int{0, 1, 2}},
		{[]int{2, 1, 3}, []int{1, -1}},
	}
	for _, c := range cases {
		for _, axis := range c.axes {
			for _, keep := range []bool{false, true} {
				mk := func() autograd.Op[float64] { return &ops.LogSumExp[float64]{Axis: axis, KeepDims: keep} }
				x := tensor.Scale(randn(r, c.shape...), 2)
				want := tensor.ReducedShape(c.shape, keep, axis)
				if got := forward(mk(), x).Shape(); !tensor.EqualShapes(got, want) {
					t.Errorf("LogSumExp %v axis %d keep=%t: shape %v, want %v", c.shape, axis, keep, got, want)
				}
				checkGrad(t, fmt.Sprintf("LogSumExp %v axis %d keep=%t", c.shape, axis, keep), unary(mk), x)
			}
		}
	}
}

// naiveLogSumExp is log Σ exp along axis of a 2-d x, without the max shift.
func naiveLogSumExp(x t64, axis int) []float64 {
	rows, cols := x.Dim(0), x.Dim(1)
	var out []float64
	if axis == 0 {
		for j := range cols {
			s := 0.0
			for i := range rows {
				s += math.Exp(x.At(i, j))
			}
			out = append(out, math.Log(s))
		}
		return out
	}
	for i := range rows {
		s := 0.0
		for j := range cols {
			s += math.Exp(x.At(i, j))
		}
		out = append(out, math.Log(s))
	}
	return out
}

func TestLogSumExpMatchesNaive(t *testing.T) {
	x := tensor.Scale(randn(rng(41), 3, 5), 3)
	for _, axis := range []int{0, 1} {
		y, g := backward(t, &ops.LogSumExp[float64]{Axis: axis}, nil, x)
		want := naiveLogSumExp(x, axis)
		assertTensor(t, fmt.Sprint("LogSumExp axis ", axis), y, []int{len(want)}, want, 1e-13)
		// With an all-ones output gradient, the gradient is the softmax along
		// the axis, so it sums to 1 there.
		assertTensor(t, fmt.Sprint("softmax sums along axis ", axis), tensor.Sum(g[0], false, axis),
			[]int{len(want)}, tensor.Ones[float64](len(want)).Data(), 1e-13)
	}
}

func TestLogSumExpExtremes(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct {
		name  string
		x     []float64
		y     float64
		dx    []float64
		exact bool // dx must match exactly
	}{
		{"two at 1e4", []float64{1e4, 1e4}, 1e4 + math.Ln2, []float64{0.5, 0.5}, false},
		{"±1e4", []float64{-1e4, 1e4}, 1e4, []float64{0, 1}, false},
		{"two at −1e4", []float64{-1e4, -1e4}, -1e4 + math.Ln2, []float64{0.5, 0.5}, false},
		{"1e4 and 1e4−ln 3", []float64{1e4, 1e4 - math.Log(3)}, 1e4 + math.Log(4.0/3), []float64{0.75, 0.25}, false},
		{"one −Inf", []float64{-inf, 0, 0}, math.Ln2, []float64{0, 0.5, 0.5}, false},
		{"all −Inf", []float64{-inf, -inf, -inf}, -inf, []float64{0, 0, 0}, true},
	}
	for _, c := range cases {
		y, g := backward(t, &ops.LogSumExp[float64]{Axis: 0}, nil, vec(c.x))
		assertTensor(t, c.name+" y", y, []int{}, []float64{c.y}, 1e-15)
		// exp(x − y) at |x| = 1e4 inherits y's rounding, 1e4·2⁻⁵² ≈ 2e-12.
		assertTensor(t, c.name+" dx", g[0], []int{len(c.x)}, c.dx, 1e-11)
		assertFinite(t, c.name+" dx", g[0].Data())
		if c.x[0] == -inf {
			assertExactZero(t, c.name+" dx at −Inf", g[0].Data()[:1])
		}
		if c.exact {
			assertExactZero(t, c.name+" dx", g[0].Data())
		}
	}

	// The rows of one batch do not disturb each other.
	x := vec([]float64{-inf, -inf, 1e4, -1e4, 0, 0}, 3, 2)
	y, g := backward(t, &ops.LogSumExp[float64]{Axis: 1, KeepDims: true}, vec([]float64{2, 3, 4}, 3, 1), x)
	assertTensor(t, "batch y", y, []int{3, 1}, []float64{-inf, 1e4, math.Ln2}, 1e-15)
	assertTensor(t, "batch dx", g[0], []int{3, 2}, []float64{0, 0, 3, 0, 2, 2}, 1e-11)
	assertExactZero(t, "batch dx of the −Inf row", g[0].Data()[:2])
}

// TestLogSumExpSaved: LogSumExp keeps its input and its output (with the
// reduced axis kept), with or without KeepDims.
func TestLogSumExpSaved(t *testing.T) {
	x := randn(rng(42), 3, 4) // 96 bytes
	for _, keep := range []bool{false, true} {
		if got := savedBytes(&ops.LogSumExp[float64]{Axis: 1, KeepDims: keep}, x); got != 96+24 {
			t.Errorf("keep=%t: SavedBytes = %d, want %d", keep, got, 96+24)
		}
	}
	// The kept input is x itself: a Mul of x by x adds nothing.
	tape := autograd.NewTape[float64]()
	v := tape.Param(x)
	autograd.Apply(&ops.LogSumExp[float64]{Axis: 0}, v)
	autograd.Apply(&ops.Mul[float64]{}, v, v)
	if got := tape.SavedBytes(); got != 96+32 {
		t.Errorf("LogSumExp and Mul of x: SavedBytes = %d, want %d", got, 96+32)
	}
}

func TestLogSumExpPanics(t *testing.T) {
	x := tensor.New[float64](2, 3)
	testutil.MustPanic(t, func() { forward(&ops.LogSumExp[float64]{}, x, x) }, "ops: LogSumExp takes 1 input(s), got 2")
	testutil.MustPanic(t, func() { forward(&ops.LogSumExp[float64]{Axis: 2}, x) },
		"ops: LogSumExp: axis 2 out of range for an input of shape [2 3]")
	testutil.MustPanic(t, func() { forward(&ops.LogSumExp[float64]{Axis: 0}, tensor.New[float64](0, 3)) },
		"ops: LogSumExp: reducing axis 0 of size 0 in an input of shape [0 3]")
}

func TestLogSumExpFloat32(t *testing.T) {
	x := tensor.Scale(randn(rng(43), 4, 6), 3)
	x.Data()[0], x.Data()[1] = 1e4, 1e4 // large logits stay finite in float32 too
	x32 := to32(x)
	for _, axis := range []int{0, 1} {
		assert32(t, fmt.Sprint("LogSumExp axis ", axis),
			forward(&ops.LogSumExp[float32]{Axis: axis}, x32), forward(&ops.LogSumExp[float64]{Axis: axis}, x))
	}
}
