package functional_test

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// A masked loss: the mean squared error over the valid positions of a
// padded batch of two sequences, of lengths 3 and 2. Where(mask, err, 0)
// drops the padding positions from the sum — their errors, however large,
// reach neither the loss nor the gradient — and the sum is divided by the
// count of valid positions, 5. The gradient is 2(pred − target)/5 where
// valid and 0 at the padding (−0 where pred − target is negative, the
// product 0·(pred − target) of the squared error's backward pass, as in
// PyTorch).
func ExampleWhere() {
	tape := autograd.NewTape[float64]()
	pred := tape.Param(tensor.FromSlice([]float64{
		0.5, 1.0, -0.5, 9.0, // length 3: the last is padding
		2.0, 0.0, 7.0, -8.0, // length 2: the last two are padding
	}, 2, 4))
	target := tape.Input(tensor.FromSlice([]float64{
		1.0, 1.0, 0.5, 0,
		1.5, 0.5, 0, 0,
	}, 2, 4))
	mask := []bool{
		true, true, true, false,
		true, true, false, false,
	}
	valid := 0
	for _, m := range mask {
		if m {
			valid++
		}
	}

	diff := functional.Sub(pred, target)
	sqErr := functional.Mul(diff, diff)
	zero := autograd.NewConst(tensor.Scalar(0.0))
	masked := functional.Where(mask, []int{2, 4}, sqErr, zero)
	loss := functional.Scale(functional.Sum(masked), 1/float64(valid))
	tape.Backward(loss)

	fmt.Printf("loss: %.4f\n", loss.Value().Item())
	g := pred.Grad().Data()
	fmt.Printf("dpred[0]: %.4f\n", g[:4])
	fmt.Printf("dpred[1]: %.4f\n", g[4:])
	// Output:
	// loss: 0.3500
	// dpred[0]: [-0.2000 0.0000 -0.4000 0.0000]
	// dpred[1]: [0.2000 -0.2000 0.0000 -0.0000]
}
