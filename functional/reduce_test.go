package functional_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// distinctValues returns a shuffle of −1, −0.9, −0.8, … of the given shape:
// no ties, so the extrema are differentiable.
func distinctValues(r *rand.Rand, shape ...int) *tensor.Tensor[float64] {
	x := tensor.New[float64](shape...)
	for i, p := range r.Perm(x.Size()) {
		x.Data()[i] = -1 + 0.1*float64(p)
	}
	return x
}

// TestReduceWrappersGradCheck checks every reduction wrapper of reduce.go
// with gradtest, on inputs without ties.
func TestReduceWrappersGradCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(40, 41))
	first := func(f func(*autograd.Var[float64]) *autograd.Var[float64]) func(vars) *autograd.Var[float64] {
		return func(x vars) *autograd.Var[float64] { return f(x[0]) }
	}
	for _, c := range []struct {
		name  string
		shape []int
		f     func(*autograd.Var[float64]) *autograd.Var[float64]
	}{
		{"Min/1", []int{3, 4}, func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.Min(x, 1) }},
		{"MinKeepDims/-3", []int{2, 3, 4}, func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.MinKeepDims(x, -3) }},
		{"MaxWithIndices/2", []int{2, 3, 4}, func(x *autograd.Var[float64]) *autograd.Var[float64] {
			y, _ := functional.MaxWithIndices(x, 2, false)
			return y
		}},
		{"MinWithIndices/0/keep", []int{3, 1}, func(x *autograd.Var[float64]) *autograd.Var[float64] {
			y, _ := functional.MinWithIndices(x, 0, true)
			return y
		}},
		{"Amax/0,2", []int{2, 3, 4}, func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.Amax(x, 0, 2) }},
		{"Amax/all", []int{3, 4}, func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.Amax(x) }},
		{"AmaxKeepDims/-1", []int{1, 5}, func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.AmaxKeepDims(x, -1) }},
		{"Amin/1", []int{2, 3, 4}, func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.Amin(x, 1) }},
		{"AminKeepDims/all", []int{2, 3}, func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.AminKeepDims(x) }},
		{"MaxAll", []int{2, 3, 4}, functional.MaxAll[float64]},
		{"MinAll", []int{5}, functional.MinAll[float64]},
		{"Var/unbiased/1", []int{3, 4}, func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.Var(x, true, 1) }},
		{"Var/biased/all", []int{2, 3, 4}, func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.Var(x, false) }},
		{"VarKeepDims/0,2", []int{2, 3, 4}, func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.VarKeepDims(x, true, 0, 2) }},
		{"Std/unbiased/-1", []int{3, 4}, func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.Std(x, true, -1) }},
		{"StdKeepDims/biased/0", []int{4, 1}, func(x *autograd.Var[float64]) *autograd.Var[float64] { return functional.StdKeepDims(x, false, 0) }},
	} {
		if err := gradtest.Check(first(c.f), []*tensor.Tensor[float64]{distinctValues(r, c.shape...)}, nil); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestReduceWrappersValues pins what each wrapper computes: shapes, values,
// the unbiased flag, indices, and where MaxAll and Amax part ways (NaN).
func TestReduceWrappersValues(t *testing.T) {
	nan := math.NaN()
	x := autograd.NewConst(tensor.FromSlice([]float64{
		4, 1, 4, 0,
		2, 7, -3, 7,
		5, 5, 5, 5,
	}, 3, 4))
	for _, c := range []struct {
		name  string
		got   *tensor.Tensor[float64]
		shape []int
		data  []float64
	}{
		{"Min(1)", functional.Min(x, 1).Value(), []int{3}, []float64{0, -3, 5}},
		{"MinKeepDims(0)", functional.MinKeepDims(x, 0).Value(), []int{1, 4}, []float64{2, 1, -3, 0}},
		{"Amax(0, 1)", functional.Amax(x, 0, 1).Value(), []int{}, []float64{7}},
		{"AmaxKeepDims(-1)", functional.AmaxKeepDims(x, -1).Value(), []int{3, 1}, []float64{4, 7, 5}},
		{"Amin()", functional.Amin(x).Value(), []int{}, []float64{-3}},
		{"AminKeepDims(0)", functional.AminKeepDims(x, 0).Value(), []int{1, 4}, []float64{2, 1, -3, 0}},
		{"MaxAll", functional.MaxAll(x).Value(), []int{}, []float64{7}},
		{"MinAll", functional.MinAll(x).Value(), []int{}, []float64{-3}},
		// Squared deviations from the mean: row 0 (mean 2.25) 12.75, row 1
		// (mean 3.25) 68.75, row 2 0; all twelve (mean 3.5) 244 − 12·3.5² = 97.
		{"Var(unbiased, 1)", functional.Var(x, true, 1).Value(), []int{3}, []float64{12.75 / 3, 68.75 / 3, 0}},
		{"Var(biased, 1)", functional.Var(x, false, 1).Value(), []int{3}, []float64{12.75 / 4, 68.75 / 4, 0}},
		{"VarKeepDims(unbiased)", functional.VarKeepDims(x, true).Value(), []int{1, 1}, []float64{97.0 / 11}},
		{"Std(biased, 1)", functional.Std(x, false, 1).Value(), []int{3}, []float64{math.Sqrt(12.75 / 4), math.Sqrt(68.75 / 4), 0}},
		{"StdKeepDims(unbiased, 0, 1)", functional.StdKeepDims(x, true, 0, 1).Value(), []int{1, 1}, []float64{math.Sqrt(97.0 / 11)}},
	} {
		if !slices.Equal(c.got.Shape(), c.shape) {
			t.Errorf("%s: shape %v, want %v", c.name, c.got.Shape(), c.shape)
			continue
		}
		if d := cmp.Diff(c.data, c.got.Data(), cmpopts.EquateApprox(1e-14, 1e-15)); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}

	y, idx := functional.MaxWithIndices(x, 1, true)
	if !slices.Equal(y.Shape(), []int{3, 1}) || !slices.Equal(y.Value().Data(), []float64{4, 7, 5}) || !slices.Equal(idx, []int{0, 1, 0}) {
		t.Errorf("MaxWithIndices(1, keep) = %v %v, indices %v; want [3 1] [4 7 5], [0 1 0]", y.Shape(), y.Value().Data(), idx)
	}
	y, idx = functional.MinWithIndices(x, -2, false)
	if !slices.Equal(y.Value().Data(), []float64{2, 1, -3, 0}) || !slices.Equal(idx, []int{1, 0, 1, 0}) {
		t.Errorf("MinWithIndices(-2) = %v, indices %v; want [2 1 -3 0], [1 0 1 0]", y.Value().Data(), idx)
	}
	if got := functional.Argmax(x, 1); !slices.Equal(got, []int{0, 1, 0}) {
		t.Errorf("Argmax(1) = %v, want [0 1 0]", got)
	}
	if got := functional.Argmin(x, 0); !slices.Equal(got, []int{1, 0, 1, 0}) {
		t.Errorf("Argmin(0) = %v, want [1 0 1 0]", got)
	}
	if got, want := functional.ArgmaxFlat(x), 5; got != want {
		t.Errorf("ArgmaxFlat = %d, want %d", got, want)
	}
	if got, want := functional.ArgminFlat(x), 6; got != want {
		t.Errorf("ArgminFlat = %d, want %d", got, want)
	}

	// The indices MaxWithIndices returns are the caller's: changing them
	// does not move the gradient.
	tape := autograd.NewTape[float64]()
	p := tape.Param(tensor.FromSlice([]float64{1, 3, 2, 0}, 2, 2))
	m, at := functional.MaxWithIndices(p, 1, false)
	at[0], at[1] = 0, 0
	tape.BackwardWithGrad(m, tensor.FromSlice([]float64{5, 6}))
	if got := p.Grad().Data(); !slices.Equal(got, []float64{0, 5, 6, 0}) {
		t.Errorf("MaxWithIndices gradient after the caller changed the indices = %v, want [0 5 6 0]", got)
	}

	// With NaN, MaxAll (torch.max(x)) shares the gradient among the NaNs;
	// Amax (torch.amax) gives NaN everywhere.
	withNaN := tensor.FromSlice([]float64{1, nan, 3, nan}, 2, 2)
	for _, c := range []struct {
		name string
		f    func(*autograd.Var[float64]) *autograd.Var[float64]
		want []float64
	}{
		{"MaxAll", functional.MaxAll[float64], []float64{0, 1.5, 0, 1.5}},
		{"Amax", func(v *autograd.Var[float64]) *autograd.Var[float64] { return functional.Amax(v) }, []float64{nan, nan, nan, nan}},
	} {
		tape := autograd.NewTape[float64]()
		v := tape.Param(withNaN.Clone())
		y := c.f(v)
		tape.BackwardWithGrad(y, tensor.Scalar(3.0))
		if !math.IsNaN(y.Value().Item()) || !cmp.Equal(v.Grad().Data(), c.want, cmpopts.EquateNaNs()) {
			t.Errorf("%s with NaN = %v, gradient %v; want NaN, %v", c.name, y.Value().Item(), v.Grad().Data(), c.want)
		}
	}
}

// The variance of each row, PyTorch's default (unbiased), and its gradient:
// 2(x − μ)/(N − 1) times the upstream gradient.
func ExampleVar() {
	tape := autograd.NewTape[float64]()
	x := tape.Param(tensor.FromSlice([]float64{
		1, 2, 3, 6,
		5, 5, 5, 5,
	}, 2, 4))
	v := functional.Var(x, true, 1)
	tape.Backward(functional.Sum(v))
	fmt.Println("var:", v.Value().Data())
	fmt.Println("dvar/dx:", x.Grad().Data())
	// Output:
	// var: [4.666666666666667 0]
	// dvar/dx: [-1.3333333333333333 -0.6666666666666666 0 2 0 0 0 0]
}
