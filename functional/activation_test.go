package functional_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestActivationWrappers pins that each wrapper of activation.go passes
// its arguments in PyTorch's order to the right op: values computed by
// hand (F.softplus(x, beta=2, threshold=1), F.hardtanh(x, -0.5, 2), …).
func TestActivationWrappers(t *testing.T) {
	x := []float64{-3, -0.75, 0.25, 0.6, 2.5}
	sp := func(beta, th float64) func(float64) float64 {
		return func(v float64) float64 {
			if beta*v > th {
				return v
			}
			return math.Log1p(math.Exp(beta*v)) / beta
		}
	}
	clamp := func(lo, hi float64) func(float64) float64 {
		return func(v float64) float64 { return math.Min(math.Max(v, lo), hi) }
	}
	w := tensor.FromSlice([]float64{1, -1, 0.25, 0.6, 3})
	for _, c := range []struct {
		name string
		f    func(*autograd.Var[float64]) *autograd.Var[float64]
		want func(float64) float64
	}{
		{"Clamp(-0.5, 0.5)", func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.Clamp(x, -0.5, 0.5) }, clamp(-0.5, 0.5)},
		{"ClampMin(0.3)", func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.ClampMin(x, 0.3) }, clamp(0.3, math.Inf(1))},
		{"ClampMax(0.3)", func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.ClampMax(x, 0.3) }, clamp(math.Inf(-1), 0.3)},
		{"Hardtanh(-0.5, 2)", func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.Hardtanh(x, -0.5, 2) }, clamp(-0.5, 2)},
		{"ReLU6", functional.ReLU6[float64], clamp(0, 6)},
		{"Softplus(2, 1)", func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.Softplus(x, 2, 1) }, sp(2, 1)},
		{"Softplus(1, 20)", func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.Softplus(x, 1, 20) }, sp(1, 20)},
		{"Abs", functional.Abs[float64], math.Abs},
		{"Square", functional.Square[float64], func(v float64) float64 { return v * v }},
		{"Expm1", functional.Expm1[float64], math.Expm1},
		{"Softsign", functional.Softsign[float64], func(v float64) float64 { return v / (1 + math.Abs(v)) }},
		{"SiLU", functional.SiLU[float64], func(v float64) float64 { return v / (1 + math.Exp(-v)) }},
		{"LogSigmoid", functional.LogSigmoid[float64], func(v float64) float64 { return -math.Log1p(math.Exp(-v)) }},
		{"Hardsigmoid", functional.Hardsigmoid[float64], func(v float64) float64 { return clamp(0, 6)(v+3) / 6 }},
		{"Hardswish", functional.Hardswish[float64], func(v float64) float64 { return v * clamp(0, 6)(v+3) / 6 }},
		{"Mish", functional.Mish[float64], func(v float64) float64 { return v * math.Tanh(math.Log1p(math.Exp(v))) }},
		{"GELU none", func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.GELU(x, "none") },
			func(v float64) float64 { return v * 0.5 * (1 + math.Erf(v/math.Sqrt2)) }},
		{"GELU tanh", func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.GELU(x, "tanh") },
			func(v float64) float64 { return 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v))) }},
		{"Maximum(x, w)", func(x *autograd.Var[float64]) *autograd.Var[float64] {
			return functional.Maximum(x, autograd.NewConst(w))
		}, nil},
		{"Minimum(x, w)", func(x *autograd.Var[float64]) *autograd.Var[float64] {
			return functional.Minimum(x, autograd.NewConst(w))
		}, nil},
	} {
		y := c.f(autograd.NewConst(tensor.FromSlice(x))).Value().Data()
		for i, v := range x {
			var want float64
			switch c.name {
			case "Maximum(x, w)":
				want = math.Max(v, w.Data()[i])
			case "Minimum(x, w)":
				want = math.Min(v, w.Data()[i])
			default:
				want = c.want(v)
			}
			if math.Abs(y[i]-want) > 1e-14*max(1, math.Abs(want)) {
				t.Errorf("%s at %v = %.17g, want %.17g", c.name, v, y[i], want)
			}
		}
	}
}

// TestPReluBroadcastsAlongAxis1 checks functional.PRelu's slope per
// channel (axis 1) and its weight gradient, by hand.
func TestPReluBroadcastsAlongAxis1(t *testing.T) {
	tape := autograd.NewTape[float64]()
	// x is 2×2×2: channel 0 holds {-1, 2} and {-3, 4}, channel 1 {5, -6}, {-7, 0}.
	x := tape.Param(tensor.FromSlice([]float64{-1, 2, 5, -6, -3, 4, -7, 0}, 2, 2, 2))
	w := tape.Param(tensor.FromSlice([]float64{0.5, -2}))
	y := functional.PRelu(x, w)
	want := []float64{-0.5, 2, 5, 12, -1.5, 4, 14, 0}
	for i, v := range y.Value().Data() {
		if v != want[i] {
			t.Fatalf("PRelu = %v, want %v", y.Value().Data(), want)
		}
	}
	tape.Backward(functional.Sum(y))
	// dw_c = Σ x over channel c's elements ≤ 0: −1 − 3 = −4; −6 − 7 + 0 = −13.
	if g := w.Grad().Data(); g[0] != -4 || g[1] != -13 {
		t.Errorf("weight gradient %v, want [-4 -13]", g)
	}
	wantDx := []float64{0.5, 1, 1, -2, 0.5, 1, -2, -2}
	for i, v := range x.Grad().Data() {
		if v != wantDx[i] {
			t.Fatalf("input gradient %v, want %v", x.Grad().Data(), wantDx)
		}
	}
}

// TestSoftsignGradGrad checks the composite Softsign to second order away
// from 0 (its kink in the second derivative).
func TestSoftsignGradGrad(t *testing.T) {
	x := tensor.FromSlice([]float64{-2.5, -0.4, 0.3, 1.7, 4}, 5)
	f := func(x vars) *autograd.Var[float64] { return functional.Softsign(x[0]) }
	if err := gradtest.Check(f, []*tensor.Tensor[float64]{x}, nil); err != nil {
		t.Error(err)
	}
	if err := gradtest.GradGradCheck(f, []*tensor.Tensor[float64]{x}, nil); err != nil {
		t.Error(err)
	}
}
