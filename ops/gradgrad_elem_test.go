package ops_test

// Second- and third-order gradients of the element-wise and
// matrix-product ops (their BackwardVar) beyond the op table's
// GradGradCheck and PyTorch's numbers (reference_gradgrad_test.go, which
// has their edges too): ELU's exact zeros at x = ±800, the mask ReLU's
// recorded backward pass keeps, and third order by central differences.

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestELUGradGradLargeInput checks that ELU's recorded backward pass takes
// no eˣ of a large positive x: at x = 800, where e⁸⁰⁰ overflows, the second
// derivative is exactly 0 (not the NaN of 0·Inf), and at x = −800 it is
// α·e⁻⁸⁰⁰·dy = 0 too.
func TestELUGradGradLargeInput(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec([]float64{800, -800, -0.5}))
	y := autograd.Apply[float64](&ops.ELU[float64]{Alpha: 1.5}, x)
	g := tape.Param(vec([]float64{2, 3, 4}))
	dx := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{g}, CreateGraph: true})[0]
	assertTensor(t, "dx", dx.Value(), []int{3}, []float64{2, 0, 4 * 1.5 * math.Exp(-0.5)}, 1e-15)
	h := tape.Grad([]*autograd.Var[float64]{dx}, []*autograd.Var[float64]{x, g}, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{autograd.NewConst(tensor.Ones[float64](3))}})
	assertFinite(t, "d²/dx²", h[0].Value().Data())
	assertExactZero(t, "d²/dx² at ±800", h[0].Value().Data()[:2])
	assertTensor(t, "d²/dx² at −0.5", h[0].Value(), []int{3}, []float64{0, 0, 4 * 1.5 * math.Exp(-0.5)}, 1e-15)
	assertTensor(t, "d²/dx dg", h[1].Value(), []int{3}, []float64{1, 0, 1.5 * math.Exp(-0.5)}, 1e-15)
}

// TestReLUGradVarSavesMask checks that the tape counts the mask the
// recorded backward pass of ReLU keeps, a byte per element, beside ReLU's
// output.
func TestReLUGradVarSavesMask(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec([]float64{-1, 2, -3, 4, -5, 6}, 2, 3))
	y := autograd.Apply[float64](&ops.ReLU[float64]{}, x)
	before := tape.SavedBytes()
	tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{tape.Param(tensor.Ones[float64](2, 3))}, CreateGraph: true})
	if before != 6*8 {
		t.Errorf("ReLU keeps %d bytes, want its output's 48", before)
	}
	if got := tape.SavedBytes() - before; got != 6 {
		t.Errorf("the recorded backward pass keeps %d bytes, want 6 (the mask)", got)
	}
}

// TestThirdOrder checks third-order gradients: GradGradCheck of
// f(x) = ∂⟨w, u(x)³⟩/∂x, itself a gradient taken with CreateGraph, for
// element-wise ops u and for a product u(a, b) = a·b.
func TestThirdOrder(t *testing.T) {
	r := rng(17)
	cube := func(y *autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Apply[float64](&ops.Pow[float64]{P: 3}, y)
	}
	// gradOf returns ∂⟨w, y⟩/∂x₀, recorded, for a fixed random w.
	gradOf := func(y *autograd.Var[float64], x *autograd.Var[float64]) *autograd.Var[float64] {
		w := autograd.NewConst(randn(rng(5), y.Shape()...))
		return y.Tape().Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{
			GradOutputs: []*autograd.Var[float64]{w}, CreateGraph: true})[0]
	}
	for _, c := range []struct {
		name string
		mk   func() autograd.Op[float64]
		x    t64
	}{
		{"Tanh", func() autograd.Op[float64] { return &ops.Tanh[float64]{} }, randn(r, 2, 3)},
		{"Sigmoid", func() autograd.Op[float64] { return &ops.Sigmoid[float64]{} }, randn(r, 2, 3)},
		{"Exp", func() autograd.Op[float64] { return &ops.Exp[float64]{} }, randn(r, 2, 3)},
		{"Log", func() autograd.Op[float64] { return &ops.Log[float64]{} }, randPos(r, 0.5, 2, 4)},
		{"Sqrt", func() autograd.Op[float64] { return &ops.Sqrt[float64]{} }, randPos(r, 0.5, 2, 4)},
		{"ELU", func() autograd.Op[float64] { return &ops.ELU[float64]{Alpha: 0.7} }, randAway(r, 0.1, 2, 3)},
		{"Pow-1.5", func() autograd.Op[float64] { return &ops.Pow[float64]{P: -1.5} }, randPos(r, 0.5, 2, 4)},
	} {
		f := func(x vars64) *autograd.Var[float64] { return gradOf(cube(autograd.Apply(c.mk(), x[0])), x[0]) }
		if err := gradtest.GradGradCheck(f, []t64{c.x}, nil); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	for _, c := range []struct {
		a, b   []int
		ta, tb bool
	}{
		{[]int{2, 3}, []int{3, 4}, false, false},
		{[]int{3, 2}, []int{2, 4, 3}, true, true},
		{[]int{3}, []int{2, 3, 2}, false, false},
	} {
		f := func(x vars64) *autograd.Var[float64] {
			y := autograd.Apply[float64](&ops.MatMul[float64]{TransA: c.ta, TransB: c.tb}, x[0], x[1])
			return gradOf(cube(y), x[0])
		}
		if err := gradtest.GradGradCheck(f, []t64{randn(r, c.a...), randn(r, c.b...)}, nil); err != nil {
			t.Errorf("MatMul %s, ta=%v, tb=%v: %v", shapeName(c.a, c.b), c.ta, c.tb, err)
		}
	}
}
