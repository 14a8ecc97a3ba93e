package ops_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// crop returns the first h rows and w columns of every plane of y.
func crop(y t64, h, w int) t64 {
	out := tensor.New[float64](y.Dim(0), y.Dim(1), h, w)
	for s := range y.Dim(0) {
		for c := range y.Dim(1) {
			for i := range h {
				for j := range w {
					out.Set(y.At(s, c, i, j), s, c, i, j)
				}
			}
		}
	}
	return out
}

// convTCases are the convolution cases and one more whose transposed
// convolution has an output padding of a stride or more (the dilation
// allows it), so that the convolution back gives more rows and columns
// than the transposed one's input.
func convTCases() []convCase {
	return append(convCases, convCase{x: []int{1, 2, 8, 9}, w: []int{2, 1, 2, 2}, dilation: [2]int{3, 3}, stride: [2]int{1, 2}, groups: 2})
}

// TestConvTranspose2dIsConv2dsAdjoint checks ConvTranspose2d and
// Conv2dWeightGrad against the definition of the convolution, through
// their defining identities
//
//	⟨ConvTranspose2d(z; w), x⟩ = ⟨z, conv(x; w)⟩
//	⟨Conv2dWeightGrad(x, z), v⟩ = ⟨z, conv(x; v)⟩
//
// for random x, w, v and z, with conv the naive convolution cropped to
// z's plane.
func TestConvTranspose2dIsConv2dsAdjoint(t *testing.T) {
	r := rng(300)
	for i, c := range convTCases() {
		x, w, v := randn(r, c.x...), randn(r, c.w...), randn(r, c.w...)
		full := naiveConv(c, x, w, nil)
		h, wd := full.Dim(2), full.Dim(3)
		if i == len(convCases) {
			h, wd = 3, 3 // cropped: output padding (2, 1), past the stride along H
		}
		z := randn(r, c.x[0], c.w[0], h, wd)
		s := func(v int) int { return max(v, 1) }
		outPad := [2]int{
			c.x[2] - ((h-1)*s(c.stride[0]) - 2*c.padding[0] + s(c.dilation[0])*(c.w[2]-1) + 1),
			c.x[3] - ((wd-1)*s(c.stride[1]) - 2*c.padding[1] + s(c.dilation[1])*(c.w[3]-1) + 1),
		}
		ct := forward[float64](&ops.ConvTranspose2d[float64]{Stride: c.stride, Padding: c.padding, OutputPadding: outPad,
			Dilation: c.dilation, Groups: c.groups}, z, w)
		if !tensor.SameShape(ct, x) {
			t.Fatalf("%v, output padding %v: ConvTranspose2d gives shape %v, want the input's %v", c, outPad, ct.Shape(), x.Shape())
		}
		want := tensor.Dot(z, crop(full, h, wd))
		if got := tensor.Dot(ct, x); !close(got, want, 1e-12) {
			t.Errorf("%v: ⟨ConvTranspose2d(z; w), x⟩ = %v, ⟨z, conv(x; w)⟩ = %v", c, got, want)
		}
		dw := forward[float64](&ops.Conv2dWeightGrad[float64]{WeightSize: [4]int(c.w), Stride: c.stride, Padding: c.padding,
			Dilation: c.dilation, Groups: c.groups}, x, z)
		want = tensor.Dot(z, crop(naiveConv(c, x, v, nil), h, wd))
		if got := tensor.Dot(dw, v); !close(got, want, 1e-12) {
			t.Errorf("%v: ⟨Conv2dWeightGrad(x, z), v⟩ = %v, ⟨z, conv(x; v)⟩ = %v", c, got, want)
		}
	}
}

// close reports whether a and b agree to rel, relative to the larger
// magnitude (with a floor of 1).
func close(a, b, rel float64) bool {
	return abs(a-b) <= rel*max(abs(a), abs(b), 1)
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// firstOrder returns a function of op's inputs and, last, an upstream
// gradient g that computes the gradient of Σ g ⊙ op(x…) with respect to
// the inputs in, recorded (CreateGraph) so that GradGradCheck differentiates
// it twice more: the third derivatives of op. With several inputs in, it
// returns the sum of the squares of their gradients, one output that mixes
// them.
func firstOrder(mk func() autograd.Op[float64], in ...int) fn64 {
	return func(x vars64) *autograd.Var[float64] {
		g := x[len(x)-1]
		y := autograd.Apply(mk(), x[:len(x)-1]...)
		wrt := make(vars64, len(in))
		for i, k := range in {
			wrt[i] = x[k]
		}
		gs := x[0].Tape().Grad(vars64{y}, wrt, autograd.GradOptions[float64]{
			GradOutputs: vars64{g}, CreateGraph: true, MaterializeGrads: true})
		if len(gs) == 1 {
			return gs[0]
		}
		var sum *autograd.Var[float64]
		for _, gi := range gs {
			sq := autograd.Apply[float64](&ops.SumTo[float64]{Shape: []int{1}}, autograd.Apply[float64](&ops.Mul[float64]{}, gi, gi))
			if sum == nil {
				sum = sq
			} else {
				sum = autograd.Apply[float64](&ops.Add[float64]{}, sum, sq)
			}
		}
		return sum
	}
}

// TestConvPoolThirdOrder checks third-order gradients: GradGradCheck of the
// recorded first-order backward pass of Conv2d, ConvTranspose2d, MaxPool2d
// and AvgPool2d goes through the BackwardVar of the ops their backward
// passes apply.
func TestConvPoolThirdOrder(t *testing.T) {
	r := rng(301)
	for _, c := range []struct {
		name string
		mk   func() autograd.Op[float64]
		in   []t64
		wrt  []int
	}{
		{"Conv2d/x", func() autograd.Op[float64] {
			return &ops.Conv2d[float64]{Stride: [2]int{2, 1}, Padding: [2]int{1, 0}, Dilation: [2]int{1, 2}, Groups: 2}
		}, []t64{randn(r, 1, 4, 5, 6), randn(r, 2, 2, 3, 2)}, []int{0}},
		{"Conv2d/w", func() autograd.Op[float64] { return &ops.Conv2d[float64]{Padding: [2]int{1, 1}} },
			[]t64{randn(r, 2, 2, 4, 4), randn(r, 3, 2, 3, 3)}, []int{1}},
		{"Conv2d/winograd/x,w", func() autograd.Op[float64] {
			return &ops.Conv2d[float64]{Padding: [2]int{1, 1}, Algorithm: ops.ConvWinograd}
		}, []t64{randn(r, 1, 2, 4, 5), randn(r, 2, 2, 3, 3)}, []int{0, 1}},
		{"ConvTranspose2d/x,w", func() autograd.Op[float64] {
			return &ops.ConvTranspose2d[float64]{Stride: [2]int{1, 2}, Padding: [2]int{1, 0}, OutputPadding: [2]int{1, 1},
				Dilation: [2]int{2, 1}}
		}, []t64{randn(r, 1, 2, 3, 3), randn(r, 2, 3, 2, 2)}, []int{0, 1}},
		{"MaxPool2d", func() autograd.Op[float64] {
			return &ops.MaxPool2d[float64]{Kernel: [2]int{3, 3}, Stride: [2]int{1, 2}, Padding: [2]int{1, 1}, CeilMode: true}
		}, []t64{randDistinct(r, 1, 2, 5, 5)}, []int{0}},
		{"AvgPool2d", func() autograd.Op[float64] {
			return &ops.AvgPool2d[float64]{Kernel: [2]int{3, 2}, Stride: [2]int{2, 1}, Padding: [2]int{1, 1}, CeilMode: true, ExcludePad: true}
		}, []t64{randn(r, 2, 1, 5, 4)}, []int{0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := make([]*autograd.Var[float64], len(c.in))
			for i, x := range c.in {
				in[i] = autograd.NewConst(x)
			}
			y := autograd.Apply(c.mk(), in...)
			inputs := append(slices.Clone(c.in), randn(r, y.Shape()...))
			if err := gradtest.GradGradCheck(firstOrder(c.mk, c.wrt...), inputs, nil); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestConvTranspose2dPanics(t *testing.T) {
	convT := func(op ops.ConvTranspose2d[float64], x, w []int) func() {
		return func() { forward[float64](&op, tensor.New[float64](x...), tensor.New[float64](w...)) }
	}
	testutil.MustPanic(t, convT(ops.ConvTranspose2d[float64]{Stride: [2]int{2, 2}, OutputPadding: [2]int{0, 2}}, []int{1, 1, 3, 3}, []int{1, 1, 3, 3}),
		"ops: ConvTranspose2d of input [1 1 3 3] with weights [1 1 3 3]", "output_padding [0 2]", "output padding must be less than max(stride, dilation)")
	testutil.MustPanic(t, convT(ops.ConvTranspose2d[float64]{OutputPadding: [2]int{1, 0}}, []int{1, 1, 3, 3}, []int{1, 1, 3, 3}),
		"output padding must be less than max(stride, dilation)")
	testutil.MustPanic(t, convT(ops.ConvTranspose2d[float64]{Padding: [2]int{1, 1}}, []int{1, 1, 1, 1}, []int{1, 1, 1, 1}),
		"ops: ConvTranspose2d", "the output would be -1×-1")
	testutil.MustPanic(t, convT(ops.ConvTranspose2d[float64]{Groups: 2}, []int{1, 3, 2, 2}, []int{3, 1, 2, 2}),
		"ops: ConvTranspose2d", "groups must divide")
	testutil.MustPanic(t, convT(ops.ConvTranspose2d[float64]{Padding: [2]int{-1, 0}}, []int{1, 1, 2, 2}, []int{1, 1, 2, 2}),
		"ops: ConvTranspose2d", "negative setting")
	testutil.MustPanic(t, convT(ops.ConvTranspose2d[float64]{}, []int{1, 2, 2, 2}, []int{2, 1, 0, 2}),
		"ops: ConvTranspose2d", "empty kernel")
	testutil.MustPanic(t, func() {
		forward[float64](&ops.ConvTranspose2d[float64]{}, tensor.New[float64](1, 2, 2, 2), tensor.New[float64](2, 3, 2, 2), tensor.New[float64](2))
	}, "ops: ConvTranspose2d: bias of shape [2], want [3] (input [1 2 2 2], weights [2 3 2 2])")

	wgrad := func(op ops.Conv2dWeightGrad[float64], x, dy []int) func() {
		return func() { forward[float64](&op, tensor.New[float64](x...), tensor.New[float64](dy...)) }
	}
	testutil.MustPanic(t, wgrad(ops.Conv2dWeightGrad[float64]{WeightSize: [4]int{2, 2, 3, 3}}, []int{1, 3, 5, 5}, []int{1, 2, 3, 3}),
		"ops: Conv2dWeightGrad of input [1 3 5 5] and output gradient [1 2 3 3] for weights [2 2 3 3]", "weights must have 3 input channels")
	testutil.MustPanic(t, wgrad(ops.Conv2dWeightGrad[float64]{WeightSize: [4]int{2, 3, 3, 3}}, []int{1, 3, 5, 5}, []int{1, 2, 2, 3}),
		"ops: Conv2dWeightGrad", "an output plane of [2 3] does not map back", "gives [3 3]")
	testutil.MustPanic(t, wgrad(ops.Conv2dWeightGrad[float64]{WeightSize: [4]int{2, 3, 3, 3}}, []int{1, 3, 5, 5}, []int{2, 2, 3, 3}),
		"ops: Conv2dWeightGrad", "the output gradient must be 1×2×Hout×Wout")
}

func TestPoolBackwardOpsPanics(t *testing.T) {
	for _, name := range []string{"MaxPool2dBackward", "MaxPool2dGather"} {
		mk := func(idx []int32, size, outSize [2]int) autograd.Op[float64] {
			if name == "MaxPool2dBackward" {
				return &ops.MaxPool2dBackward[float64]{Indices: idx, Size: size, OutSize: outSize}
			}
			return &ops.MaxPool2dGather[float64]{Indices: idx, Size: size, OutSize: outSize}
		}
		in := func(size, outSize [2]int) t64 {
			if name == "MaxPool2dBackward" {
				return tensor.New[float64](1, 1, outSize[0], outSize[1])
			}
			return tensor.New[float64](1, 1, size[0], size[1])
		}
		size, outSize := [2]int{2, 3}, [2]int{1, 2}
		testutil.MustPanic(t, func() { forward(mk([]int32{0, 6}, size, outSize), in(size, outSize)) },
			fmt.Sprintf("ops: %s: input of shape", name), "2 indices, planes of [2 3] pooled to [1 2]: index 1 is 6, outside the plane")
		testutil.MustPanic(t, func() { forward(mk([]int32{-2, 0}, size, outSize), in(size, outSize)) },
			fmt.Sprintf("ops: %s:", name), "index 0 is -2, outside the plane")
		testutil.MustPanic(t, func() { forward(mk([]int32{0, 0}, [2]int{0, 3}, outSize), in(size, outSize)) },
			fmt.Sprintf("ops: %s:", name), "sizes must be at least 1×1")
	}
	testutil.MustPanic(t, func() {
		forward[float64](&ops.AvgPool2dBackward[float64]{Kernel: [2]int{2, 2}, InputSize: [2]int{4, 5}}, tensor.New[float64](1, 1, 2, 3))
	}, "ops: AvgPool2dBackward: output gradient of shape [1 1 2 3] does not fit an input plane of [4 5], which pools to 2×2")
	testutil.MustPanic(t, func() {
		forward[float64](&ops.AvgPool2dBackward[float64]{Kernel: [2]int{3, 3}, InputSize: [2]int{2, 2}}, tensor.New[float64](1, 1, 1, 1))
	}, "ops: AvgPool2dBackward: input shape [1 1 2 2] with kernel [3 3]", "gives an output of 0×0")
}

// TestMaxPool2dBackwardValues pins the scatter and the gather on a small
// plane by hand: overlapping windows add up, −1 takes nothing and gives 0.
func TestMaxPool2dBackwardValues(t *testing.T) {
	idx := []int32{0, 4, 4, -1}
	dy := tensor.FromSlice([]float64{1, 2, 3, 4}, 1, 1, 2, 2)
	got := forward[float64](&ops.MaxPool2dBackward[float64]{Indices: idx, Size: [2]int{2, 3}, OutSize: [2]int{2, 2}}, dy)
	assertLike(t, "scatter", got, tensor.FromSlice([]float64{1, 0, 0, 0, 5, 0}, 1, 1, 2, 3), 0)
	x := tensor.FromSlice([]float64{7, 8, 9, 10, 11, 12}, 1, 1, 2, 3)
	got = forward[float64](&ops.MaxPool2dGather[float64]{Indices: idx, Size: [2]int{2, 3}, OutSize: [2]int{2, 2}}, x)
	assertLike(t, "gather", got, tensor.FromSlice([]float64{7, 11, 11, 0}, 1, 1, 2, 2), 0)
}
