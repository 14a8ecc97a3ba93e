package functional_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestConv2dNoGrad: Conv2d where nothing records it — forward-only, sample
// by sample for a shallow convolution on large planes, Winograd in blocks
// of output channels — gives bit for bit the output it gives recorded, on
// a tape that reuses buffers and on one that does not, in float64 and
// float32.
func TestConv2dNoGrad(t *testing.T) {
	testConv2dNoGrad[float64](t)
	testConv2dNoGrad[float32](t)
}

func testConv2dNoGrad[T tensor.Float](t *testing.T) {
	r := rand.New(rand.NewPCG(2, 13))
	for _, c := range []struct {
		name string
		x, w []int
	}{
		{"im2col by samples", []int{2, 3, 18, 20}, []int{9, 3, 3, 3}},
		{"winograd", []int{2, 64, 16, 16}, []int{72, 64, 3, 3}},
		{"im2col small plane", []int{2, 16, 4, 4}, []int{8, 16, 3, 3}},
	} {
		x, w, b := tensor.RandN[T](r, c.x...), tensor.RandN[T](r, c.w...), tensor.RandN[T](r, c.w[0])
		o := functional.Conv2dOptions{Padding: [2]int{1, 1}}
		rec := autograd.NewTape[T]()
		rec.ReuseBuffers(true)
		want := functional.Conv2d(rec.Param(x), rec.Param(w), rec.Param(b), o).Value()
		for _, reuse := range []bool{false, true} {
			tape := autograd.NewTape[T]()
			tape.ReuseBuffers(reuse)
			tape.SetGradEnabled(false)
			got := functional.Conv2d(tape.Input(x), autograd.NewConst(w), autograd.NewConst(b), o).Value()
			if i := firstDiff(got.Data(), want.Data()); i >= 0 {
				t.Errorf("%T %s reuse %v: element %d is %v, want %v", T(0), c.name, reuse, i, got.Data()[i], want.Data()[i])
			}
		}
	}
}
