package functional_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// The plumbing functions against PyTorch's numbers are in
// ops/reference_plumbing_test.go; here, their gradients to second order,
// what they record, and their panics.

type plumbVars = []*autograd.Var[float64]

func plumbRand(seed uint64, shape ...int) *tensor.Tensor[float64] {
	return tensor.RandN[float64](rand.New(rand.NewPCG(seed, 18)), shape...)
}

// TestPlumbingGradGrad checks the composites' first- and second-order
// gradients against central differences; several outputs are joined back
// with Concat so that each piece gets its own gradient.
func TestPlumbingGradGrad(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(x plumbVars) *autograd.Var[float64]
		in   [][]int
	}{
		{"Stack", func(x plumbVars) *autograd.Var[float64] { return functional.Stack(x, -2) }, [][]int{{2, 3}, {2, 3}, {2, 3}}},
		{"Split", func(x plumbVars) *autograd.Var[float64] {
			ps := functional.Split(x[0], 2, 1)
			return functional.Concat([]*autograd.Var[float64]{functional.Mul(ps[2], ps[2]), ps[0], ps[1]}, 1)
		}, [][]int{{2, 5}}},
		{"Chunk", func(x plumbVars) *autograd.Var[float64] {
			ps := functional.Chunk(x[0], 2, 0)
			return functional.Mul(ps[0], ps[1])
		}, [][]int{{4, 2}}},
		{"Narrow,Squeeze,Unsqueeze,Flatten,Unflatten", func(x plumbVars) *autograd.Var[float64] {
			y := functional.Unflatten(functional.Flatten(functional.Unsqueeze(x[0], 1), 0, -1), 0, 3, -1)
			return functional.Squeeze(functional.Narrow(functional.Mul(y, y), -1, 1, 1))
		}, [][]int{{2, 3}}},
		{"Pad,Slice", func(x plumbVars) *autograd.Var[float64] {
			y := functional.Pad(x[0], []int{1, 2, 1, 0}, functional.PadReplicate, 0)
			return functional.Slice(functional.Mul(y, y), functional.All(), functional.Range{Start: 1, Stop: functional.End, Step: 2})
		}, [][]int{{2, 3}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := make([]*tensor.Tensor[float64], len(c.in))
			for i, sh := range c.in {
				in[i] = plumbRand(uint64(i+1), sh...)
			}
			if err := gradtest.Check(c.f, in, nil); err != nil {
				t.Error(err)
			}
			if err := gradtest.GradGradCheck(c.f, in, nil); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestPlumbingReshapesKeepNothing checks that the composites of Reshape
// record views that keep nothing for backward, and that Squeeze, Flatten
// and Slice-free no-ops return x itself.
func TestPlumbingReshapesKeepNothing(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(plumbRand(1, 2, 1, 3))
	ys := []*autograd.Var[float64]{
		functional.Squeeze(x), functional.Unsqueeze(x, 0), functional.Flatten(x, 0, -1),
		functional.Unflatten(x, 2, 3, 1), functional.Stack([]*autograd.Var[float64]{x, x}, 0),
	}
	if b := tape.SavedBytes(); b != 0 {
		t.Errorf("SavedBytes = %d, want 0", b)
	}
	if ys[0].Shape()[0] != 2 || len(ys[0].Shape()) != 2 {
		t.Errorf("Squeeze: shape %v, want [2 3]", ys[0].Shape())
	}
	for _, c := range []struct {
		name string
		y    *autograd.Var[float64]
	}{
		{"Squeeze of a non-1 axis", functional.Squeeze(x, 0, -1)},
		{"Flatten of one axis", functional.Flatten(x, 1, -2)},
	} {
		if c.y != x {
			t.Errorf("%s: a new Var of shape %v, want x itself", c.name, c.y.Shape())
		}
	}
}

// TestPlumbingPanics checks every panic of the functions of plumbing.go.
func TestPlumbingPanics(t *testing.T) {
	x := autograd.NewConst(tensor.New[float64](2, 3))
	s := autograd.NewConst(tensor.Scalar[float64](1))
	none := []*autograd.Var[float64]{}
	for _, c := range []struct {
		name string
		f    func()
		want []string
	}{
		{"Stack none", func() { functional.Stack(none, 0) }, []string{"functional: Stack needs at least one input, got none"}},
		{"Stack shapes", func() {
			functional.Stack([]*autograd.Var[float64]{x, autograd.NewConst(tensor.New[float64](3, 2))}, 0)
		}, []string{"functional: Stack: inputs must have the same shape, got [2 3] at entry 0 and [3 2] at entry 1"}},
		{"Stack dim", func() { functional.Stack([]*autograd.Var[float64]{x}, 3) }, []string{"functional: Stack: dim 3 out of range [-3, 2] for shape [2 3]"}},
		{"Concat", func() { functional.Concat(none, 0) }, []string{"ops: Concat needs at least one input"}},
		{"Narrow 0-d", func() { functional.Narrow(s, 0, 0, 1) }, []string{"functional: Narrow: cannot narrow a 0-d tensor"}},
		{"Narrow dim", func() { functional.Narrow(x, -3, 0, 1) }, []string{"functional: Narrow: dim -3 out of range [-2, 1] for shape [2 3]"}},
		{"Narrow start", func() { functional.Narrow(x, 1, 4, 0) }, []string{"functional: Narrow: start 4 out of range [-3, 3] for axis 1 of shape [2 3]"}},
		{"Narrow length", func() { functional.Narrow(x, 1, -2, 3) }, []string{"functional: Narrow: start 1 and length 3 do not fit an axis of size 3 (axis 1 of shape [2 3])"}},
		{"Narrow negative length", func() { functional.Narrow(x, 0, 0, -1) }, []string{"functional: Narrow: start 0 and length -1"}},
		{"Split 0-d", func() { functional.Split(s, 1, 0) }, []string{"functional: Split: cannot split a 0-d tensor"}},
		{"Split size 0", func() { functional.Split(x, 0, 1) }, []string{"functional: Split: split size 0 for an axis of size 3 (axis 1 of shape [2 3])"}},
		{"Split negative", func() { functional.Split(x, -1, 0) }, []string{"functional: Split: split size -1"}},
		{"Split dim", func() { functional.Split(x, 1, 2) }, []string{"functional: Split: dim 2 out of range [-2, 1] for shape [2 3]"}},
		{"SplitSizes 0-d", func() { functional.SplitSizes(s, []int{1}, 0) }, []string{"functional: SplitSizes: cannot split a 0-d tensor"}},
		{"SplitSizes sum", func() { functional.SplitSizes(x, []int{1, 1}, 1) }, []string{"functional: SplitSizes: sizes [1 1] add up to 2, not to the size 3 of axis 1 of shape [2 3]"}},
		{"SplitSizes negative", func() { functional.SplitSizes(x, []int{3, -1, 1}, 1) }, []string{"functional: SplitSizes: sizes [3 -1 1] must not be negative"}},
		{"Chunk 0-d", func() { functional.Chunk(s, 1, 0) }, []string{"functional: Chunk: cannot split a 0-d tensor"}},
		{"Chunk 0", func() { functional.Chunk(x, 0, 0) }, []string{"functional: Chunk: 0 chunks, want at least 1 (shape [2 3])"}},
		{"Chunk dim", func() { functional.Chunk(x, 1, -3) }, []string{"functional: Chunk: dim -3 out of range"}},
		{"Slice", func() { functional.Slice(x, functional.All(), functional.All(), functional.All()) }, []string{"ops: Slice:", "too many indices"}},
		{"Pad", func() { functional.Pad(x, []int{3, 0}, functional.PadReflect, 0) }, []string{"ops: Pad:", "less than its size 3"}},
		{"Squeeze dim", func() { functional.Squeeze(x, 2) }, []string{"functional: Squeeze: dim 2 out of range [-2, 1] for shape [2 3]"}},
		{"Squeeze 0-d dim", func() { functional.Squeeze(s, 1) }, []string{"functional: Squeeze: dim 1 out of range [-1, 0] for shape []"}},
		{"Squeeze twice", func() { functional.Squeeze(x, 1, -1) }, []string{"functional: Squeeze: dims [1 -1] name axis 1 twice (shape [2 3])"}},
		{"Unsqueeze dim", func() { functional.Unsqueeze(x, -4) }, []string{"functional: Unsqueeze: dim -4 out of range [-3, 2] for shape [2 3]"}},
		{"Flatten order", func() { functional.Flatten(x, 1, 0) }, []string{"functional: Flatten: start dim 1 comes after end dim 0 (shape [2 3])"}},
		{"Flatten dim", func() { functional.Flatten(x, 0, 2) }, []string{"functional: Flatten: dim 2 out of range"}},
		{"Unflatten 0-d", func() { functional.Unflatten(s, 0, 1) }, []string{"functional: Unflatten: cannot unflatten a 0-d tensor"}},
		{"Unflatten dim", func() { functional.Unflatten(x, 2, 1) }, []string{"functional: Unflatten: dim 2 out of range"}},
		{"Unflatten empty", func() { functional.Unflatten(x, 1) }, []string{"functional: Unflatten: no sizes for axis 1 of shape [2 3]"}},
		{"Unflatten sizes", func() { functional.Unflatten(x, 1, 2, 2) }, []string{"functional: Unflatten: sizes [2 2] do not multiply up to the size of axis 1 (3) of shape [2 3]"}},
		{"Unflatten two -1", func() { functional.Unflatten(x, 1, -1, -1) }, []string{"functional: Unflatten: sizes [-1 -1]"}},
	} {
		t.Run(c.name, func(t *testing.T) { testutil.MustPanic(t, c.f, c.want...) })
	}
}
