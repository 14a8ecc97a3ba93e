package ops_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// avoiding returns an input generator of N(0, scale²) values moved at
// least 0.1 away from each kink (kinks at least 0.4 apart), so that central
// differences do not straddle one.
func avoiding(scale float64, kinks ...float64) func(shapes ...[]int) func(*rand.Rand) []t64 {
	return func(shapes ...[]int) func(*rand.Rand) []t64 {
		return gen(func(r *rand.Rand, sh ...int) t64 {
			x := randn(r, sh...)
			for i, v := range x.Data() {
				v *= scale
				for _, k := range kinks {
					if d := v - k; math.Abs(d) < 0.1 {
						v = k + math.Copysign(0.1+math.Abs(d), d)
					}
				}
				x.Data()[i] = v
			}
			return x
		}, shapes...)
	}
}

// derivs returns f'(x) and f”(x) of an element-wise op at each x: the
// first-order gradient through Backward, and the second through
// BackwardVar (Tape.Grad with CreateGraph, then Grad again), as
// torch.autograd.grad would with create_graph. The seed of the first pass
// requires a gradient, so that the first derivative is on the tape even
// where it does not depend on x.
func derivs(t *testing.T, mk func() autograd.Op[float64], xs ...float64) (d1, d1v, d2 []float64) {
	t.Helper()
	ones := tensor.Ones[float64](len(xs))
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(xs))
	tape.BackwardWithGrad(autograd.Apply(mk(), x), ones)
	d1 = slices.Clone(x.Grad().Data())

	tape = autograd.NewTape[float64]()
	x = tape.Param(vec(xs))
	y := autograd.Apply(mk(), x)
	f := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x},
		autograd.GradOptions[float64]{GradOutputs: []*autograd.Var[float64]{tape.Param(ones)}, CreateGraph: true})[0]
	d1v = slices.Clone(f.Value().Data())
	h := tape.Grad([]*autograd.Var[float64]{f}, []*autograd.Var[float64]{x},
		autograd.GradOptions[float64]{GradOutputs: []*autograd.Var[float64]{autograd.NewConst(ones)}, MaterializeGrads: true})[0]
	return d1, d1v, slices.Clone(h.Value().Data())
}

// sameFloats reports whether a and b hold the same numbers, NaN equal to
// NaN.
func sameFloats(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return x == y || (x != x && y != y) })
}

// TestKinkSubgradients pins PyTorch 1.13's subgradient at every kink (and
// at NaN), first and second order; the first order through both Backward
// and BackwardVar.
func TestKinkSubgradients(t *testing.T) {
	nan := math.NaN()
	f := func(x float64) *float64 { return &x }
	for _, c := range []struct {
		name   string
		mk     func() autograd.Op[float64]
		x      []float64
		d1, d2 []float64
	}{
		// clamp_backward: the interval is closed; NaN takes 0.
		{"Clamp[-1,1]", func() autograd.Op[float64] { return &ops.Clamp[float64]{Min: f(-1), Max: f(1)} },
			[]float64{-1.5, -1, 0, 1, 1.5, nan}, []float64{0, 1, 1, 1, 0, 0}, []float64{0, 0, 0, 0, 0, 0}},
		{"Clamp[-1,]", func() autograd.Op[float64] { return &ops.Clamp[float64]{Min: f(-1)} },
			[]float64{-1.5, -1, 7, nan}, []float64{0, 1, 1, 0}, []float64{0, 0, 0, 0}},
		{"Clamp[,1]", func() autograd.Op[float64] { return &ops.Clamp[float64]{Max: f(1)} },
			[]float64{-7, 1, 1.5, nan}, []float64{1, 1, 0, 0}, []float64{0, 0, 0, 0}},
		// hardtanh_backward: the interval is open; NaN takes 0 (the
		// vectorized kernel's choice).
		{"Hardtanh", func() autograd.Op[float64] { return &ops.Hardtanh[float64]{MinVal: -1, MaxVal: 1} },
			[]float64{-1.5, -1, 0, 1, 1.5, nan}, []float64{0, 0, 1, 0, 0, 0}, []float64{0, 0, 0, 0, 0, 0}},
		{"ReLU6", func() autograd.Op[float64] { return &ops.Hardtanh[float64]{MinVal: 0, MaxVal: 6} },
			[]float64{-1, 0, 3, 6, 7}, []float64{0, 0, 1, 0, 0}, []float64{0, 0, 0, 0, 0}},
		{"Abs", func() autograd.Op[float64] { return &ops.Abs[float64]{} },
			[]float64{-2, math.Copysign(0, -1), 0, 2, nan, math.Inf(-1)}, []float64{-1, 0, 0, 1, 0, -1}, []float64{0, 0, 0, 0, 0, 0}},
		// hardswish_backward (vectorized): x/3 + ½ on [−3, 3), 1 from 3 on,
		// NaN for NaN; its double backward is 1/3 on (−3, 3) only.
		{"Hardswish", func() autograd.Op[float64] { return &ops.Hardswish[float64]{} },
			[]float64{-4, -3, 0, 1.5, 3, 4, nan}, []float64{0, -0.5, 0.5, 1, 1, 1, nan}, []float64{0, 0, 1.0 / 3, 1.0 / 3, 0, 0, 0}},
		{"Hardsigmoid", func() autograd.Op[float64] { return &ops.Hardsigmoid[float64]{} },
			[]float64{-4, -3, 0, 3, 4, nan}, []float64{0, 0, 1.0 / 6, 0, 0, 0}, []float64{0, 0, 0, 0, 0, 0}},
		{"Softplus(β=1,threshold=20)", func() autograd.Op[float64] { return &ops.Softplus[float64]{Beta: 1, Threshold: 20} },
			[]float64{0, 20.5, math.Inf(-1)}, []float64{0.5, 1, 0}, []float64{0.25, 0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d1, d1v, d2 := derivs(t, c.mk, c.x...)
			if !sameFloats(d1, c.d1) {
				t.Errorf("f'(%v) = %v through Backward, want %v (PyTorch)", c.x, d1, c.d1)
			}
			if !sameFloats(d1v, c.d1) {
				t.Errorf("f'(%v) = %v through BackwardVar, want %v (PyTorch)", c.x, d1v, c.d1)
			}
			for i := range d2 {
				if !(math.Abs(d2[i]-c.d2[i]) <= 1e-15 || (math.IsNaN(d2[i]) && math.IsNaN(c.d2[i]))) {
					t.Errorf("f''(%v) = %v, want %v (PyTorch)", c.x, d2, c.d2)
					break
				}
			}
		})
	}
}

// TestExtremumTies pins Maximum's and Minimum's gradient at ties (split
// half and half, ±0 tie), NaN (both operands take it all), and an exact 0
// for the operand not taken even with an infinite upstream gradient.
func TestExtremumTies(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	a := []float64{1, 2, nan, 3, math.Copysign(0, -1), 5}
	b := []float64{1, 1, 2, nan, 0, 5}
	for _, c := range []struct {
		name   string
		mk     func() autograd.Op[float64]
		y      []float64
		ga, gb []float64
	}{
		{"Maximum", func() autograd.Op[float64] { return &ops.Maximum[float64]{} }, []float64{1, 2, nan, nan, 0, 5}, []float64{0.5, inf, 1, 1, 0.5, 0.5}, []float64{0.5, 0, 1, 1, 0.5, 0.5}},
		{"Minimum", func() autograd.Op[float64] { return &ops.Minimum[float64]{} }, []float64{1, 1, nan, nan, 0, 5}, []float64{0.5, 0, 1, 1, 0.5, 0.5}, []float64{0.5, inf, 1, 1, 0.5, 0.5}},
	} {
		t.Run(c.name, func(t *testing.T) {
			seed := vec([]float64{1, inf, 1, 1, 1, 1})
			y, g := backward(t, c.mk(), seed, vec(a), vec(b))
			if !sameFloats(y.Data(), c.y) {
				t.Errorf("output %v, want %v", y.Data(), c.y)
			}
			if !sameFloats(g[0].Data(), c.ga) || !sameFloats(g[1].Data(), c.gb) {
				t.Errorf("gradients %v and %v, want %v and %v (PyTorch)", g[0].Data(), g[1].Data(), c.ga, c.gb)
			}
		})
	}
}

// TestHardsigmoidSlope pins the one deliberate difference from PyTorch
// 1.13 of these ops: Hardsigmoid's slope is 1/6 in float64, where PyTorch
// multiplies by float32(1/6) = 0.16666667163372040.
func TestHardsigmoidSlope(t *testing.T) {
	d1, _, _ := derivs(t, func() autograd.Op[float64] { return &ops.Hardsigmoid[float64]{} }, 0.5)
	if d1[0] != 1.0/6 {
		t.Errorf("Hardsigmoid'(0.5) = %.17g, want 1/6", d1[0])
	}
	var ref unaryRef
	reftest.Load(t, unaryRefPath, unaryRegen, &ref)
	for _, c := range ref.Cases {
		if c.Name == "hardsigmoid" {
			g, in := reftest.Floats[float64](c.G.Data), reftest.Floats[float64](c.Inputs[0].Data)
			for i, w := range reftest.Floats[float64](c.Float64.Grads[0]) {
				if in[i] > -3 && in[i] < 3 {
					if want := g[i] * float64(float32(1.0/6)); w != want {
						t.Errorf("PyTorch's gradient at %v is %.17g, not dy·float32(1/6) = %.17g: has PyTorch changed?", in[i], w, want)
					}
					return
				}
			}
		}
	}
	t.Fatal("no hardsigmoid case with an input in (−3, 3)")
}

func TestUnaryPanics(t *testing.T) {
	testutil.MustPanic(t, func() { forward[float64](&ops.Clamp[float64]{}, tensor.New[float64](2, 3)) },
		"ops: Clamp: at least one of Min and Max must be set (input of shape [2 3])")
	testutil.MustPanic(t, func() { forward[float64](&ops.GELU[float64]{Approximate: "erf"}, tensor.New[float64](4)) },
		`ops: GELU: approximate must be "none" or "tanh", got "erf" (input of shape [4])`)
}

// TestLog1pExpm1NearZero checks that Log1p and Expm1 keep their relative
// precision near 0, where ln(1 + x) and eˣ − 1 would lose it all.
func TestLog1pExpm1NearZero(t *testing.T) {
	x := vec([]float64{1e-10, -1e-12, 1e-300})
	l := forward[float64](&ops.Log1p[float64]{}, x).Data()
	e := forward[float64](&ops.Expm1[float64]{}, x).Data()
	for i, v := range x.Data() {
		if math.Abs(l[i]-(v-v*v/2))/math.Abs(v) > 1e-15 || math.Abs(e[i]-(v+v*v/2))/math.Abs(v) > 1e-15 {
			t.Errorf("at %g: Log1p %.17g, Expm1 %.17g, want about %.17g and %.17g", v, l[i], e[i], v-v*v/2, v+v*v/2)
		}
	}
	x32 := tensor.FromSlice([]float32{1e-10, -1e-7})
	l32 := forward[float32](&ops.Log1p[float32]{}, x32).Data()
	for i, v := range x32.Data() {
		if want := float32(math.Log1p(float64(v))); l32[i] != want {
			t.Errorf("float32 Log1p(%g) = %g, want %g", v, l32[i], want)
		}
	}
}

// TestActivationThirdOrder differentiates the smooth activations' backward
// passes twice (BackwardVar of BackwardVar's ops: GELU's Φ, Mish's
// Softplus) and compares the third derivative with central differences of
// the second.
func TestActivationThirdOrder(t *testing.T) {
	xs := []float64{-2.3, -0.7, 0.4, 1.9}
	for _, c := range []struct {
		name string
		mk   func() autograd.Op[float64]
	}{
		{"GELU none", func() autograd.Op[float64] { return &ops.GELU[float64]{} }},
		{"GELU tanh", func() autograd.Op[float64] { return &ops.GELU[float64]{Approximate: "tanh"} }},
		{"SiLU", func() autograd.Op[float64] { return &ops.SiLU[float64]{} }},
		{"Softplus", func() autograd.Op[float64] { return &ops.Softplus[float64]{Beta: 1.5, Threshold: 20} }},
		{"Mish", func() autograd.Op[float64] { return &ops.Mish[float64]{} }},
		{"LogSigmoid", func() autograd.Op[float64] { return &ops.LogSigmoid[float64]{} }},
	} {
		t.Run(c.name, func(t *testing.T) {
			ones := tensor.Ones[float64](len(xs))
			grad := func(tape *autograd.Tape[float64], y, x *autograd.Var[float64]) *autograd.Var[float64] {
				return tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x},
					autograd.GradOptions[float64]{GradOutputs: []*autograd.Var[float64]{autograd.NewConst(ones)}, CreateGraph: true})[0]
			}
			tape := autograd.NewTape[float64]()
			x := tape.Param(vec(xs))
			d3 := grad(tape, grad(tape, grad(tape, autograd.Apply(c.mk(), x), x), x), x).Value().Data()
			const h = 1e-5
			plus, minus := make([]float64, len(xs)), make([]float64, len(xs))
			for i, v := range xs {
				plus[i], minus[i] = v+h, v-h
			}
			_, _, d2p := derivs(t, c.mk, plus...)
			_, _, d2m := derivs(t, c.mk, minus...)
			for i := range xs {
				if num := (d2p[i] - d2m[i]) / (2 * h); math.Abs(d3[i]-num) > 1e-6*max(1, math.Abs(num)) {
					t.Errorf("f'''(%v) = %.12g, central differences of f'' give %.12g", xs[i], d3[i], num)
				}
			}
		})
	}
}
