package ops_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestLSTMCellValues checks one step against the formulas written out by
// hand, at ordinary values and at saturated gates (±800), where σ and tanh
// reach 0, ±1 without overflowing and the gradient stays finite.
func TestLSTMCellValues(t *testing.T) {
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	for _, a := range [][4]float64{{0.3, -0.7, 1.1, 0.2}, {800, -800, 800, -800}, {-800, 800, -800, 800}} {
		c := 0.6
		op := &ops.LSTMCell[float64]{}
		y := op.Forward([]*tensor.Tensor[float64]{tensor.FromSlice(a[:], 1, 4), tensor.FromSlice([]float64{c}, 1, 1)})
		i, f, g, o := sig(a[0]), sig(a[1]), math.Tanh(a[2]), sig(a[3])
		c2 := f*c + i*g
		h2 := o * math.Tanh(c2)
		if got := y.Data(); math.Abs(got[0]-h2) > 1e-15 || math.Abs(got[1]-c2) > 1e-15 {
			t.Errorf("gates %v: h', c' = %v, want %v %v", a, got, h2, c2)
		}
		grads := op.Backward(tensor.FromSlice([]float64{1, 1}, 2, 1, 1), []bool{true, true})
		delta := 1 + o*(1-math.Tanh(c2)*math.Tanh(c2))
		want := []float64{delta * g * i * (1 - i), delta * c * f * (1 - f), delta * i * (1 - g*g), math.Tanh(c2) * o * (1 - o)}
		for k, w := range want {
			if got := grads[0].Data()[k]; math.Abs(got-w) > 1e-15 || math.IsNaN(got) {
				t.Errorf("gates %v: da[%d] = %v, want %v", a, k, got, w)
			}
		}
		if got := grads[1].Data()[0]; math.Abs(got-delta*f) > 1e-15 {
			t.Errorf("gates %v: dc = %v, want %v", a, got, delta*f)
		}
	}
}

// TestGRUCellValues checks one step against the formulas written out by
// hand, b_hn inside the reset gate's product as in PyTorch, at ordinary and
// saturated values.
func TestGRUCellValues(t *testing.T) {
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	for _, c := range []struct{ u, w [3]float64 }{
		{[3]float64{0.3, -0.7, 1.1}, [3]float64{-0.2, 0.5, 0.9}},
		{[3]float64{800, -800, 800}, [3]float64{1, 1, -1}},
	} {
		h := -0.4
		op := &ops.GRUCell[float64]{}
		y := op.Forward([]*tensor.Tensor[float64]{tensor.FromSlice(c.u[:], 1, 3), tensor.FromSlice(c.w[:], 1, 3),
			tensor.FromSlice([]float64{h}, 1, 1)})
		r, z := sig(c.u[0]+c.w[0]), sig(c.u[1]+c.w[1])
		n := math.Tanh(c.u[2] + r*c.w[2])
		if got, want := y.Data()[0], (1-z)*n+z*h; math.Abs(got-want) > 1e-15 {
			t.Errorf("%v: h' = %v, want %v", c, got, want)
		}
		grads := op.Backward(tensor.FromSlice([]float64{1}, 1, 1), []bool{true, true, true})
		dn := (1 - z) * (1 - n*n)
		dr := dn * c.w[2] * r * (1 - r)
		dz := (h - n) * z * (1 - z)
		for k, w := range []float64{dr, dz, dn} {
			if got := grads[0].Data()[k]; math.Abs(got-w) > 1e-15 {
				t.Errorf("%v: du[%d] = %v, want %v", c, k, got, w)
			}
		}
		for k, w := range []float64{dr, dz, dn * r} {
			if got := grads[1].Data()[k]; math.Abs(got-w) > 1e-15 {
				t.Errorf("%v: dw[%d] = %v, want %v", c, k, got, w)
			}
		}
		if got := grads[2].Data()[0]; math.Abs(got-z) > 1e-15 {
			t.Errorf("%v: dh = %v, want %v", c, got, z)
		}
	}
}
