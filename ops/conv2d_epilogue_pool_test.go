package ops_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestConv2dEpiloguePool: Conv2d with an Epilogue that pools gives bit for
// bit what Conv2d, ChannelAffine, ReLU and a forward-only MaxPool2d give one
// after the other, on every path of TestConv2dEpilogue's cases (im2col for
// the batch and sample by sample, through ProductNCHW or not, Winograd on
// odd and even planes), for the ConvNet's 3×3 pooling with stride 2 and
// padding 1, a 2×2 one with the stride the kernel's, and a ceil-mode one,
// with and without the affine map and the ReLU, on the heap and from an
// arena, in float64 and float32, NaNs in the input included.
func TestConv2dEpiloguePool(t *testing.T) {
	testConv2dEpiloguePool[float64](t)
	testConv2dEpiloguePool[float32](t)
}

func testConv2dEpiloguePool[T tensor.Float](t *testing.T) {
	r := rand.New(rand.NewPCG(19, 5))
	pools := []ops.ConvPool{
		{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}},
		{Kernel: [2]int{2, 2}},
		{Kernel: [2]int{3, 2}, Stride: [2]int{2, 1}, Padding: [2]int{1, 0}, CeilMode: true},
	}
	cases := append(epilogueCases[:len(epilogueCases):len(epilogueCases)],
		// Planes of 256 or more, deeper than ForwardBySamples goes: one
		// GEMM per sample (conv.ProductNCHW).
		epilogueCase{"im2col product per sample 12x16x16-8", []int{2, 12, 16, 16}, []int{8, 12, 3, 3}, [2]int{}, [2]int{1, 1}, 0, ops.ConvIm2col})
	for _, c := range cases {
		x := tensor.RandN[T](r, c.x...)
		x.Data()[5] = T(math.NaN())
		w := tensor.RandN[T](r, c.w...)
		b := tensor.RandN[T](r, c.w[0])
		s, sh := tensor.RandN[T](r, c.w[0]), tensor.RandN[T](r, c.w[0])
		newOp := func() *ops.Conv2d[T] {
			return &ops.Conv2d[T]{Stride: c.stride, Padding: c.pad, Groups: c.groups, Algorithm: c.algo}
		}
		in := []*tensor.Tensor[T]{x, w, b}
		ref := newOp()
		ref.UseArena(tensor.NewArena[T]())
		conv := ref.Forward(in).Clone()
		affine := (&ops.ChannelAffine[T]{}).Forward([]*tensor.Tensor[T]{conv, s, sh})
		for _, e := range []struct {
			name   string
			affine bool
			relu   bool
			before *tensor.Tensor[T]
		}{
			{"affine+relu", true, true, (&ops.ReLU[T]{}).Forward([]*tensor.Tensor[T]{affine})},
			{"none", false, false, conv},
		} {
			for _, p := range pools {
				pool := &ops.MaxPool2d[T]{Kernel: p.Kernel, Stride: p.Stride, Padding: p.Padding, CeilMode: p.CeilMode}
				pool.ForwardOnly(true)
				want := pool.Forward([]*tensor.Tensor[T]{e.before})
				for _, ar := range []*tensor.Arena[T]{nil, tensor.NewArena[T]()} {
					op := newOp()
					op.Epilogue = &ops.ConvEpilogue[T]{ReLU: e.relu, Pool: &p}
					if e.affine {
						op.Epilogue.Scale, op.Epilogue.Shift = s, sh
					}
					op.ForwardOnly(true)
					if ar != nil {
						op.UseArena(ar)
					}
					got := op.Forward(in)
					name := fmt.Sprintf("%T %s %s pool %+v arena %v", T(0), c.name, e.name, p, ar != nil)
					if !tensor.EqualShapes(got.Shape(), want.Shape()) {
						t.Fatalf("%s: shape %v, want %v", name, got.Shape(), want.Shape())
					}
					if i := firstBitDiff(got.Data(), want.Data()); i >= 0 {
						t.Errorf("%s: element %d is %v, want %v", name, i, got.Data()[i], want.Data()[i])
					}
				}
			}
		}
	}
}

// TestConv2dEpiloguePoolPanics: an epilogue's pooling is checked as
// MaxPool2d checks its settings, with MaxPool2d's message.
func TestConv2dEpiloguePoolPanics(t *testing.T) {
	x, w := tensor.Ones[float64](1, 2, 4, 4), tensor.Ones[float64](3, 2, 3, 3)
	op := &ops.Conv2d[float64]{Epilogue: &ops.ConvEpilogue[float64]{
		Pool: &ops.ConvPool{Kernel: [2]int{2, 2}, Padding: [2]int{2, 0}}}}
	op.ForwardOnly(true)
	testutil.MustPanic(t, func() { op.Forward([]*tensor.Tensor[float64]{x, w}) },
		"ops: MaxPool2d: padding [2 0] must be at most half of kernel [2 2] (input shape [1 3 2 2])")
	op.Epilogue.Pool = &ops.ConvPool{Kernel: [2]int{2, 2}}
	y := op.Forward([]*tensor.Tensor[float64]{x, w})
	// Every output of the unpadded 2×2 plane sums 2 channels × 3×3 ones.
	if !tensor.EqualShapes(y.Shape(), []int{1, 3, 1, 1}) || y.Data()[0] != 18 {
		t.Errorf("shape %v values %v, want [1 3 1 1] of 18", y.Shape(), y.Data())
	}
}
