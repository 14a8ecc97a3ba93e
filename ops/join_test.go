package ops_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestConcatValues pins Concat's output and gradients on small inputs:
// along each axis, with inputs of size 0 on the axis, and PyTorch's legacy
// rule that skips 1-d empty inputs.
func TestConcatValues(t *testing.T) {
	a := vec([]float64{1, 2, 3, 4}, 2, 2)
	b := vec([]float64{5, 6}, 2, 1)
	for _, c := range []struct {
		name  string
		axis  int
		in    []t64
		shape []int
		want  []float64
	}{
		{"axis1", 1, []t64{a, b}, []int{2, 3}, []float64{1, 2, 5, 3, 4, 6}},
		{"axis-1", -1, []t64{b, a}, []int{2, 3}, []float64{5, 1, 2, 6, 3, 4}},
		{"axis0", 0, []t64{a, vec([]float64{7, 8}, 1, 2)}, []int{3, 2}, []float64{1, 2, 3, 4, 7, 8}},
		{"size-0 input", 1, []t64{tensor.New[float64](2, 0), a, tensor.New[float64](2, 0)}, []int{2, 2}, []float64{1, 2, 3, 4}},
		{"legacy empty", 1, []t64{tensor.New[float64](0), b, tensor.New[float64](0), a}, []int{2, 3}, []float64{5, 1, 2, 6, 3, 4}},
		{"all legacy empty", 0, []t64{tensor.New[float64](0), tensor.New[float64](0)}, []int{0}, nil},
		{"all size 0", 0, []t64{tensor.New[float64](0, 3), tensor.New[float64](0, 3)}, []int{0, 3}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			seed := iota64(c.shape...)
			y, gs := backward(t, &ops.Concat[float64]{Axis: c.axis}, seed, c.in...)
			assertTensor(t, "output", y, c.shape, c.want, 0)
			// Concatenating the gradients gives the seed back.
			var gvs []*autograd.Var[float64]
			for _, g := range gs {
				gvs = append(gvs, autograd.NewConst(g))
			}
			back := autograd.Apply[float64](&ops.Concat[float64]{Axis: c.axis}, gvs...).Value()
			assertLike(t, "the gradients concatenated", back, seed, 0)
		})
	}
}

// TestConcatSecondOrder checks Concat's differentiable backward pass on the
// configurations the op table leaves out: the legacy empty input among
// others, and inputs of which only some require a gradient.
func TestConcatSecondOrder(t *testing.T) {
	r := rng(18)
	if err := gradtest.GradGradCheck(func(x vars64) *autograd.Var[float64] {
		return autograd.Apply[float64](&ops.Concat[float64]{Axis: -2}, x[0], autograd.NewConst(tensor.Ones[float64](1, 3)), x[1])
	}, []t64{randn(r, 2, 3), randn(r, 2, 3)}, nil); err != nil {
		t.Error(err)
	}
	// A legacy empty input requiring a gradient gets an empty one.
	tape := autograd.NewTape[float64]()
	e := tape.Param(tensor.New[float64](0))
	x := tape.Param(randn(r, 2, 2))
	y := autograd.Apply[float64](&ops.Concat[float64]{Axis: 1}, e, x)
	g := tape.Param(randn(r, 2, 2))
	gs := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{e, x},
		autograd.GradOptions[float64]{GradOutputs: []*autograd.Var[float64]{g}, CreateGraph: true})
	if !tensor.EqualShapes(gs[0].Shape(), []int{0}) {
		t.Errorf("gradient of the legacy empty input has shape %v, want [0]", gs[0].Shape())
	}
	assertLike(t, "gradient of x", gs[1].Value(), g.Value(), 0)
	if !recordsLast(t, tape, "Slice") {
		t.Error("Concat's differentiable backward pass does not slice dy")
	}
}

// TestConcatPanics checks the messages of the inputs the op table does not
// give.
func TestConcatPanics(t *testing.T) {
	testutil.MustPanic(t, func() { forward[float64](&ops.Concat[float64]{}) }, "ops: Concat needs at least one input, got none")
	testutil.MustPanic(t, func() {
		forward(&ops.Concat[float64]{Axis: 0}, tensor.New[float64](2), tensor.New[float64](2, 3))
	}, "ops: Concat: input 1 has 2 dimensions but input 0 has 1", "[[2] [2 3]]")
	testutil.MustPanic(t, func() {
		forward(&ops.Concat[float64]{Axis: -3}, tensor.New[float64](0), tensor.New[float64](2, 3))
	}, "ops: Concat: inputs of shapes [[0] [2 3]]: axis -3 out of range for a 2-d tensor")
	testutil.MustPanic(t, func() {
		forward(&ops.Concat[float64]{Axis: 1}, tensor.New[float64](2, 3), tensor.Scalar[float64](1))
	}, "ops: Concat: input 1 is 0-d", "[[2 3] []]")
}
