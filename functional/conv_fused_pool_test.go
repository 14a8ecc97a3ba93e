package functional_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestConv2dBatchNormEvalPool: under no-grad, on a tape that reuses buffers
// and on one that does not, Conv2dBatchNormEvalPool gives bit for bit what
// Conv2dBatchNormEval and MaxPool2dWith give one after the other, for the
// ConvNet's 3×3 pooling with stride 2 and padding 1 and a ceil-mode 2×2
// one, with and without the ReLU, in float64 and float32; with a dilated
// pooling, which it does not fuse, too. Where the ops are recorded it is
// those ops: the same values and the same gradient for x.
func TestConv2dBatchNormEvalPool(t *testing.T) {
	testConv2dBatchNormEvalPool[float64](t)
	testConv2dBatchNormEvalPool[float32](t)
}

func testConv2dBatchNormEvalPool[T tensor.Float](t *testing.T) {
	r := rand.New(rand.NewPCG(6, 1))
	x := tensor.RandN[T](r, 2, 3, 7, 6)
	w, b := autograd.NewParam(tensor.RandN[T](r, 4, 3, 3, 3)), autograd.NewParam(tensor.RandN[T](r, 4))
	mean, variance := tensor.RandN[T](r, 4), tensor.RandU[T](r, 0.5, 2, 4)
	gamma, beta := autograd.NewParam(tensor.RandN[T](r, 4)), autograd.NewParam(tensor.RandN[T](r, 4))
	o := functional.Conv2dOptions{Padding: [2]int{1, 1}}
	const eps = 1e-3
	for _, pool := range []functional.MaxPool2dOptions{
		{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}},
		{Kernel: [2]int{2, 2}, CeilMode: true},
		{Kernel: [2]int{2, 2}, Dilation: [2]int{2, 1}},
	} {
		separate := func(x *autograd.Var[T], relu bool) *autograd.Var[T] {
			y := functional.Conv2dBatchNormEval(x, w, b, o, mean, variance, gamma, beta, eps, relu)
			return functional.MaxPool2dWith(y, pool)
		}
		fused := func(x *autograd.Var[T], relu bool) *autograd.Var[T] {
			return functional.Conv2dBatchNormEvalPool(x, w, b, o, mean, variance, gamma, beta, eps, relu, pool)
		}
		for _, relu := range []bool{false, true} {
			for _, reuse := range []bool{false, true} {
				run := func(f func(*autograd.Var[T], bool) *autograd.Var[T]) *tensor.Tensor[T] {
					tape := autograd.NewTape[T]()
					tape.ReuseBuffers(reuse)
					tape.SetGradEnabled(false)
					return f(tape.Input(x), relu).Value().Clone()
				}
				want, got := run(separate), run(fused)
				if !tensor.EqualShapes(got.Shape(), want.Shape()) {
					t.Fatalf("%T pool %+v relu %v: shape %v, want %v", T(0), pool, relu, got.Shape(), want.Shape())
				}
				if i := firstDiff(got.Data(), want.Data()); i >= 0 {
					t.Errorf("%T pool %+v relu %v reuse %v: element %d is %v, want %v",
						T(0), pool, relu, reuse, i, got.Data()[i], want.Data()[i])
				}
			}
			// Recorded: the separate ops, with their gradient.
			grad := func(f func(*autograd.Var[T], bool) *autograd.Var[T]) (*tensor.Tensor[T], *tensor.Tensor[T]) {
				tape := autograd.NewTape[T]()
				xs := tape.Param(x.Clone())
				y := f(xs, relu)
				tape.Backward(functional.Sum(functional.Mul(y, y)))
				return y.Value(), xs.Grad()
			}
			y1, g1 := grad(separate)
			y2, g2 := grad(fused)
			if i := firstDiff(y2.Data(), y1.Data()); i >= 0 {
				t.Errorf("%T recorded pool %+v relu %v: element %d is %v, want %v", T(0), pool, relu, i, y2.Data()[i], y1.Data()[i])
			}
			if g2 == nil {
				t.Fatalf("%T recorded pool %+v: no gradient for x", T(0), pool)
			}
			if i := firstDiff(g2.Data(), g1.Data()); i >= 0 {
				t.Errorf("%T recorded pool %+v relu %v: dx element %d is %v, want %v", T(0), pool, relu, i, g2.Data()[i], g1.Data()[i])
			}
		}
	}
}
