package functional_test

import (
	"math"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// arange12 is torch.arange(12.).reshape(3, 4) on a fresh tape, as a
// parameter.
func arange12() (*autograd.Tape[float64], *autograd.Var[float64]) {
	tape := autograd.NewTape[float64]()
	x := tensor.New[float64](3, 4)
	for i := range x.Data() {
		x.Data()[i] = float64(i)
	}
	return tape, tape.Param(x)
}

// checkVar fails t unless v has the given shape and values exactly.
func checkVar(t *testing.T, what string, v *tensor.Tensor[float64], shape []int, want []float64) {
	t.Helper()
	if !slices.Equal(v.Shape(), shape) || !slices.Equal(v.Data(), want) {
		t.Errorf("%s = %v of shape %v, want %v of shape %v", what, v.Data(), v.Shape(), want, shape)
	}
}

// The wrappers on the examples of PyTorch's documentation and small cases
// worked by hand, values and gradients (the sum's: ones).
func TestIndexWrappers(t *testing.T) {
	t.Run("IndexSelect", func(t *testing.T) {
		tape, x := arange12()
		y := functional.IndexSelect(x, -1, []int{3, 3, 0})
		checkVar(t, "y", y.Value(), []int{3, 3}, []float64{3, 3, 0, 7, 7, 4, 11, 11, 8})
		tape.Backward(functional.Sum(y))
		checkVar(t, "dx", x.Grad(), []int{3, 4}, []float64{1, 0, 0, 2, 1, 0, 0, 2, 1, 0, 0, 2})
	})
	t.Run("IndexAdd", func(t *testing.T) {
		tape, x := arange12()
		src := tape.Param(tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3))
		y := functional.IndexAdd(x, 1, []int{0, 0, 2}, src)
		checkVar(t, "y", y.Value(), []int{3, 4}, []float64{3, 1, 5, 3, 13, 5, 12, 7, 23, 9, 19, 11})
		tape.BackwardWithGrad(y, tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4))
		checkVar(t, "dx", x.Grad(), []int{3, 4}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
		checkVar(t, "dsource", src.Grad(), []int{3, 3}, []float64{1, 1, 3, 5, 5, 7, 9, 9, 11})
	})
	t.Run("GatherAxis", func(t *testing.T) {
		tape, x := arange12()
		y := functional.GatherAxis(x, 1, []int{0, 0, 1, 0}, []int{2, 2})
		checkVar(t, "y", y.Value(), []int{2, 2}, []float64{0, 0, 5, 4})
		tape.Backward(functional.Sum(y))
		checkVar(t, "dx", x.Grad(), []int{3, 4}, []float64{2, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0})
	})
	t.Run("ScatterAdd", func(t *testing.T) {
		tape := autograd.NewTape[float64]()
		self := tape.Param(tensor.New[float64](3, 4))
		src := tape.Param(tensor.Ones[float64](3, 3))
		y := functional.ScatterAdd(self, 1, []int{0, 0, 1, 0}, []int{2, 2}, src)
		checkVar(t, "y", y.Value(), []int{3, 4}, []float64{2, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0})
		g := tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4)
		tape.BackwardWithGrad(y, g)
		checkVar(t, "dself", self.Grad(), []int{3, 4}, g.Data())
		// src is larger than the index: its last row and column get 0.
		checkVar(t, "dsrc", src.Grad(), []int{3, 3}, []float64{1, 1, 0, 6, 5, 0, 0, 0, 0})
	})
	t.Run("Where", func(t *testing.T) {
		tape := autograd.NewTape[float64]()
		a := tape.Param(tensor.FromSlice([]float64{1, 2, 3}, 3, 1))
		b := tape.Param(tensor.Scalar(-1.0))
		y := functional.Where([]bool{true, false}, []int{2}, a, b)
		checkVar(t, "y", y.Value(), []int{3, 2}, []float64{1, -1, 2, -1, 3, -1})
		tape.Backward(functional.Sum(y))
		checkVar(t, "da", a.Grad(), []int{3, 1}, []float64{1, 1, 1})
		checkVar(t, "db", b.Grad(), []int{}, []float64{3})
	})
	t.Run("WhereMask", func(t *testing.T) {
		tape := autograd.NewTape[float64]()
		a := tape.Param(tensor.FromSlice([]float64{1, 2, 3, 4}, 4))
		b := tape.Param(tensor.FromSlice([]float64{5, 6, 7, 8}, 4))
		mask := tensor.FromSlice([]float64{1, 0, math.NaN(), -2}, 4) // nonzero, NaN included, is true
		y := functional.WhereMask(mask, a, b)
		checkVar(t, "y", y.Value(), []int{4}, []float64{1, 6, 3, 4})
		tape.Backward(functional.Sum(y))
		checkVar(t, "da", a.Grad(), []int{4}, []float64{1, 0, 1, 1})
		checkVar(t, "db", b.Grad(), []int{4}, []float64{0, 1, 0, 0})
	})
	t.Run("MaskedFill", func(t *testing.T) {
		tape := autograd.NewTape[float64]()
		x := tape.Param(tensor.Ones[float64](3))
		y := functional.MaskedFill(x, []bool{true, false, true, false, false, false}, []int{2, 3}, 5)
		checkVar(t, "y", y.Value(), []int{2, 3}, []float64{5, 1, 5, 1, 1, 1})
		tape.Backward(functional.Sum(y))
		checkVar(t, "dx", x.Grad(), []int{3}, []float64{1, 2, 1})
	})
	t.Run("Cumsum", func(t *testing.T) {
		tape := autograd.NewTape[float64]()
		x := tape.Param(tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
		y := functional.Cumsum(x, -1)
		checkVar(t, "y", y.Value(), []int{2, 3}, []float64{1, 3, 6, 4, 9, 15})
		tape.Backward(functional.Sum(y))
		checkVar(t, "dx", x.Grad(), []int{2, 3}, []float64{3, 2, 1, 3, 2, 1})
	})
}

// The masked loss of ExampleWhere to second order: a gradient penalty
// ‖∂L/∂x‖² through Where and Cumsum, checked with GradGradCheck, and the
// penalty's gradient is 0 at the masked positions.
func TestIndexSecondOrder(t *testing.T) {
	mask := []bool{true, false, true, true, false, true}
	f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
		sq := functional.Mul(x[0], functional.Cumsum(x[0], 1))
		return functional.Where(mask, []int{2, 3}, sq, functional.IndexSelect(x[0], 0, []int{1, 1}))
	}
	x := tensor.FromSlice([]float64{0.3, -1.2, 0.8, 1.5, -0.4, 0.9}, 2, 3)
	if err := gradtest.GradGradCheck(f, []*tensor.Tensor[float64]{x}, nil); err != nil {
		t.Error(err)
	}
	// L = Σ over valid positions of x², ∂L/∂x = 2x there and 0 elsewhere;
	// the penalty Σ (∂L/∂x)² = 4 Σ_valid x² has gradient 8x where valid.
	tape := autograd.NewTape[float64]()
	xv := tape.Param(x)
	zero := autograd.NewConst(tensor.Scalar(0.0))
	loss := functional.Sum(functional.Where(mask, []int{2, 3}, functional.Mul(xv, xv), zero))
	g := tape.Grad([]*autograd.Var[float64]{loss}, []*autograd.Var[float64]{xv}, autograd.GradOptions[float64]{CreateGraph: true})[0]
	tape.Backward(functional.Sum(functional.Mul(g, g)))
	want := make([]float64, 6)
	for i, m := range mask {
		if m {
			want[i] = 8 * x.Data()[i]
		}
	}
	if d := testutil.MaxAbsDiff(xv.Grad().Data(), want); d > 1e-12 {
		t.Errorf("gradient of the penalty = %v, want %v", xv.Grad().Data(), want)
	}
}

// The wrappers' panics name the op and the shapes.
func TestIndexPanics(t *testing.T) {
	_, x := arange12()
	testutil.MustPanic(t, func() { functional.IndexSelect(x, 2, []int{0}) }, "ops: IndexSelect: dim 2 out of range for an input of shape [3 4]")
	testutil.MustPanic(t, func() { functional.IndexSelect(x, 1, []int{4}) }, "ops: IndexSelect: index 4 (position 0) is out of range for dim 1 of size 4 (input of shape [3 4])")
	testutil.MustPanic(t, func() { functional.GatherAxis(x, 0, []int{0, 1, 0, 1, 0}, []int{1, 5}) }, "ops: GatherAxis: index of shape [1 5] is larger than input of shape [3 4] along a dim other than dim 0")
	testutil.MustPanic(t, func() { functional.GatherAxis(x, 0, []int{0, 1}, []int{3}) }, "ops: GatherAxis: 2 indices for an index of shape [3], which holds 3")
	testutil.MustPanic(t, func() { functional.WhereMask(tensor.New[float64](2), x, x) }, "ops: Where: shapes [2], [3 4], [3 4] cannot be broadcast together")
	testutil.MustPanic(t, func() { functional.MaskedFill(x, []bool{true}, []int{2}, 0) }, "ops: MaskedFill: 1 mask values for a mask of shape [2]")
	testutil.MustPanic(t, func() { functional.Cumsum(x, -3) }, "ops: Cumsum: dim -3 out of range for an input of shape [3 4]")
}
