package functional_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestConvTranspose2dIsConv2dsInputGrad checks ConvTranspose2d's and
// Conv2dWeightGrad's arguments against Conv2d's gradients, with every
// setting away from its default and no two alike, so that a setting passed
// to the wrong field changes the shapes or the numbers: Conv2d's input
// gradient for an upstream g is ConvTranspose2d(g, w) with the output
// padding that gives back x's size, and its weight gradient is
// Conv2dWeightGrad(x, w's shape, g).
func TestConvTranspose2dIsConv2dsInputGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(400, 400))
	o := functional.Conv2dOptions{Stride: [2]int{2, 3}, Padding: [2]int{1, 0}, Dilation: [2]int{1, 2}, Groups: 2}
	xs, ws := []int{2, 4, 8, 11}, []int{6, 2, 3, 2}
	tape := autograd.NewTape[float64]()
	x := tape.Param(tensor.RandN[float64](r, xs...))
	w := tape.Param(tensor.RandN[float64](r, ws...))
	y := functional.Conv2d(x, w, nil, o)
	// Hout = ⌊(8 + 2 − 2 − 1)/2⌋ + 1 = 4 drops a remainder of 1,
	// Wout = ⌊(11 − 2 − 1)/3⌋ + 1 = 3 one of 2.
	if want := []int{2, 6, 4, 3}; !cmp.Equal(y.Shape(), want) {
		t.Fatalf("Conv2d gives shape %v, want %v", y.Shape(), want)
	}
	g := tensor.RandN[float64](r, y.Shape()...)
	tape.BackwardWithGrad(y, g)

	gv := autograd.NewConst(g)
	dx := functional.ConvTranspose2d(gv, autograd.NewConst(w.Value()), nil, functional.ConvTranspose2dOptions{
		Stride: o.Stride, Padding: o.Padding, OutputPadding: [2]int{1, 2}, Dilation: o.Dilation, Groups: o.Groups})
	if d := cmp.Diff(x.Grad().Data(), dx.Value().Data(), cmpopts.EquateApprox(1e-12, 1e-12)); d != "" || !cmp.Equal(dx.Shape(), xs) {
		t.Errorf("ConvTranspose2d(g, w) of shape %v differs from Conv2d's input gradient of shape %v:\n%s", dx.Shape(), xs, d)
	}
	dw := functional.Conv2dWeightGrad(autograd.NewConst(x.Value()), [4]int(ws), gv, o)
	if d := cmp.Diff(w.Grad().Data(), dw.Value().Data(), cmpopts.EquateApprox(1e-12, 1e-12)); d != "" {
		t.Errorf("Conv2dWeightGrad(x, w's shape, g) differs from Conv2d's weight gradient:\n%s", d)
	}
	// The bias of ConvTranspose2d is added to each output channel.
	b := tensor.FromSlice([]float64{1, 2, 3, 4}, 4)
	withB := functional.ConvTranspose2d(gv, autograd.NewConst(w.Value()), autograd.NewConst(b), functional.ConvTranspose2dOptions{
		Stride: o.Stride, Padding: o.Padding, OutputPadding: [2]int{1, 2}, Dilation: o.Dilation, Groups: o.Groups})
	for i, v := range withB.Value().Data() {
		c := i / (xs[2] * xs[3]) % xs[1]
		if want := dx.Value().Data()[i] + b.Data()[c]; v != want {
			t.Fatalf("ConvTranspose2d with bias: element %d (channel %d) is %v, want %v", i, c, v, want)
		}
	}
}
