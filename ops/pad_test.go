package ops_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestPadValues pins Pad's output and gradient on 1 2 3 (4 5 6) in each
// mode: the gradient of a reflected or replicated position folds onto the
// position it copies.
func TestPadValues(t *testing.T) {
	x := vec([]float64{1, 2, 3}, 3)
	for _, c := range []struct {
		name  string
		op    ops.Pad[float64]
		x     t64
		shape []int
		want  []float64
		grad  []float64 // with an all-ones seed
	}{
		{"constant", ops.Pad[float64]{Pads: []int{2, 1}, Value: -7}, x, []int{6}, []float64{-7, -7, 1, 2, 3, -7}, []float64{1, 1, 1}},
		{"constant,crop", ops.Pad[float64]{Pads: []int{-1, 1}}, x, []int{3}, []float64{2, 3, 0}, []float64{0, 1, 1}},
		{"constant,crop to empty", ops.Pad[float64]{Pads: []int{-2, -1}}, x, []int{0}, nil, []float64{0, 0, 0}},
		{"constant,NaN value", ops.Pad[float64]{Pads: []int{0, 1}, Value: math.NaN()}, vec([]float64{1}, 1), []int{2}, []float64{1, math.NaN()}, []float64{1}},
		{"reflect", ops.Pad[float64]{Pads: []int{2, 2}, Mode: ops.PadReflect}, x, []int{7}, []float64{3, 2, 1, 2, 3, 2, 1}, []float64{2, 3, 2}},
		{"reflect,crop", ops.Pad[float64]{Pads: []int{-1, 2}, Mode: ops.PadReflect}, x, []int{4}, []float64{2, 3, 2, 1}, []float64{1, 2, 1}},
		{"replicate", ops.Pad[float64]{Pads: []int{2, 1}, Mode: ops.PadReplicate}, x, []int{6}, []float64{1, 1, 1, 2, 3, 3}, []float64{3, 1, 2}},
		{"replicate,size 1", ops.Pad[float64]{Pads: []int{1, 3}, Mode: ops.PadReplicate}, vec([]float64{9}, 1), []int{5}, []float64{9, 9, 9, 9, 9}, []float64{5}},
		{"reflect,2 axes", ops.Pad[float64]{Pads: []int{1, 0, 0, 1}, Mode: ops.PadReflect}, vec([]float64{1, 2, 3, 4, 5, 6}, 2, 3), []int{3, 4},
			[]float64{2, 1, 2, 3, 5, 4, 5, 6, 2, 1, 2, 3}, []float64{2, 4, 2, 1, 2, 1}},
		// Unpadded trailing axes move as blocks.
		{"constant,whole last axis", ops.Pad[float64]{Pads: []int{0, 0, 1, 0}, Value: 9}, vec([]float64{1, 2, 3, 4}, 2, 2), []int{3, 2},
			[]float64{9, 9, 1, 2, 3, 4}, []float64{1, 1, 1, 1}},
		{"reflect,whole last axis", ops.Pad[float64]{Pads: []int{0, 0, 1, 1}, Mode: ops.PadReflect}, vec([]float64{1, 2, 3, 4, 5, 6}, 3, 2), []int{5, 2},
			[]float64{3, 4, 1, 2, 3, 4, 5, 6, 3, 4}, []float64{1, 1, 3, 3, 1, 1}},
		{"constant,0-d", ops.Pad[float64]{}, tensor.Scalar[float64](4), []int{}, []float64{4}, []float64{1}},
		{"constant,empty axis", ops.Pad[float64]{Pads: []int{1, 1}, Value: 2}, tensor.New[float64](2, 0), []int{2, 2}, []float64{2, 2, 2, 2}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			op := c.op
			y, gs := backward(t, &op, nil, c.x)
			if !tensor.EqualShapes(y.Shape(), c.shape) {
				t.Fatalf("output shape %v, want %v", y.Shape(), c.shape)
			}
			for i, w := range c.want {
				if g := y.Data()[i]; g != w && !(math.IsNaN(g) && math.IsNaN(w)) {
					t.Errorf("output %d: got %v, want %v", i, g, w)
				}
			}
			assertTensor(t, "gradient", gs[0], c.x.Shape(), c.grad, 0)
		})
	}
}

// TestPadBackwardVar checks that Pad's differentiable backward pass is a
// constant Pad with the pads negated in constant mode and PadBackward in
// the others, and that PadBackward's is Pad; the op table checks their
// values.
func TestPadBackwardVar(t *testing.T) {
	type op = autograd.Op[float64]
	for _, c := range []struct {
		mk   func() op
		in   []int
		want string
	}{
		{func() op { return &ops.Pad[float64]{Pads: []int{1, -1}, Value: 3} }, []int{2, 3}, "Pad"},
		{func() op { return &ops.Pad[float64]{Pads: []int{1, 1}, Mode: ops.PadReflect} }, []int{2, 3}, "PadBackward"},
		{func() op { return &ops.Pad[float64]{Pads: []int{1, 1}, Mode: ops.PadReplicate} }, []int{2, 3}, "PadBackward"},
		{func() op {
			return &ops.PadBackward[float64]{Pads: []int{1, 1}, Mode: ops.PadReflect, Shape: []int{2, 3}}
		}, []int{2, 5}, "Pad"},
	} {
		tape := autograd.NewTape[float64]()
		x := tape.Param(iota64(c.in...))
		name := c.mk().Name()
		y := autograd.Apply(c.mk(), x)
		g := tape.Param(iota64(y.Shape()...))
		gs := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x},
			autograd.GradOptions[float64]{GradOutputs: []*autograd.Var[float64]{g}, CreateGraph: true})
		if !recordsLast(t, tape, c.want) {
			t.Errorf("%s: the second-order pass does not end with %s", name, c.want)
		}
		_, want := backward(t, c.mk(), g.Value(), x.Value())
		assertLike(t, name+": differentiable gradient", gs[0].Value(), want[0], 0)
	}
	// Third order through the pair: the gradient of the gradient of a
	// reflection, a linear map, is the map again.
	if err := gradtest.GradGradCheck(func(x vars64) *autograd.Var[float64] {
		y := autograd.Apply[float64](&ops.Pad[float64]{Pads: []int{2, 1, 1, 1}, Mode: ops.PadReflect}, x[0])
		return autograd.Apply[float64](&ops.Mul[float64]{}, y, y)
	}, []t64{randn(rng(3), 2, 3, 4)}, nil); err != nil {
		t.Error(err)
	}
}

// TestPadPanics checks the messages of the settings the op table cannot
// give.
func TestPadPanics(t *testing.T) {
	x := tensor.New[float64](2, 3)
	testutil.MustPanic(t, func() { forward(&ops.Pad[float64]{Pads: []int{1}}, x) }, "ops: Pad: pads [1] have an odd length", "[2 3]")
	testutil.MustPanic(t, func() { forward(&ops.Pad[float64]{Pads: []int{1, 1, 1, 1, 1, 1}}, x) },
		"ops: Pad: pads [1 1 1 1 1 1]: 6 pads for a tensor of shape [2 3], at most 2 per axis of its 2")
	testutil.MustPanic(t, func() { forward(&ops.Pad[float64]{Pads: []int{1, 1}, Mode: 3}, x) }, "ops: Pad: unknown mode 3", "[2 3]")
	testutil.MustPanic(t, func() { forward(&ops.Pad[float64]{Pads: []int{0, 3}, Mode: ops.PadReflect}, x) },
		"ops: Pad: pads [0 3]: reflect padding of axis 1 by 0 and 3 must be less than its size 3", "[2 3]")
	testutil.MustPanic(t, func() { forward(&ops.Pad[float64]{Pads: []int{-2, -2}}, x) },
		"ops: Pad: pads [-2 -2] leave axis 1 of size 3 with a negative size", "[2 3]")
	testutil.MustPanic(t, func() {
		forward(&ops.Pad[float64]{Pads: []int{1, 0}, Mode: ops.PadReplicate}, tensor.New[float64](2, 0))
	},
		"ops: Pad: pads [1 0]: cannot replicate the empty axis 1", "[2 0]")
	testutil.MustPanic(t, func() {
		forward(&ops.PadBackward[float64]{Pads: []int{1, 1}, Shape: []int{-1}}, tensor.New[float64](1))
	}, "ops: PadBackward: Shape [-1] has a negative size")
	testutil.MustPanic(t, func() {
		forward(&ops.PadBackward[float64]{Pads: []int{1, 1}, Mode: ops.PadReflect, Shape: []int{1}}, tensor.New[float64](3))
	}, "ops: PadBackward: pads [1 1]: reflect padding of axis 0 by 1 and 1 must be less than its size 1")
}

// TestPadBeyondPyTorch checks the padding PyTorch does not offer —
// reflection and replication of every axis of a 4-d input (PyTorch
// reflects at most the last three, of 4-d or 5-d inputs) — against
// padding one axis at a time, which padding several axes at once is, and
// the gradient against the gradient of that composition.
func TestPadBeyondPyTorch(t *testing.T) {
	pads := []int{1, 2, 0, 1, 2, -1, 1, 1} // W, H, C, N
	x := randn(rng(7), 2, 3, 2, 3)
	seedShape := []int{2 + 2, 3 + 1, 2 + 1, 3 + 3}
	seed := randn(rng(8), seedShape...)
	for _, mode := range []ops.PadMode{ops.PadReflect, ops.PadReplicate} {
		t.Run(mode.String(), func(t *testing.T) {
			y, gs := backward(t, &ops.Pad[float64]{Pads: pads, Mode: mode}, seed, x)
			tape := autograd.NewTape[float64]()
			xv := tape.Param(x.Clone())
			z := xv
			for k := 0; k < len(pads); k += 2 {
				one := make([]int, k+2)
				one[k], one[k+1] = pads[k], pads[k+1]
				z = autograd.Apply[float64](&ops.Pad[float64]{Pads: one, Mode: mode}, z)
			}
			tape.BackwardWithGrad(z, seed)
			assertLike(t, "output", y, z.Value(), 0)
			assertLike(t, "gradient", gs[0], xv.Grad(), 1e-14)
		})
	}
}
