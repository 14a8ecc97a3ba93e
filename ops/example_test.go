package ops_test

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// An op is applied through autograd.Apply; package functional wraps exactly
// this. LogSumExp subtracts the row maximum first, so logits of ±1e4 neither
// overflow nor lose the answer, and a row of −Inf gives −Inf with a zero
// gradient.
func ExampleLogSumExp() {
	inf := math.Inf(1)
	tape := autograd.NewTape[float64]()
	x := tape.Param(tensor.FromSlice([]float64{1e4, 1e4, -1e4, -inf, -inf, -inf}, 2, 3))
	y := autograd.Apply[float64](&ops.LogSumExp[float64]{Axis: 1}, x)
	tape.BackwardWithGrad(y, tensor.Ones[float64](2))
	fmt.Printf("%.6f %v\n", y.Value().Data()[0]-1e4, y.Value().Data()[1])
	fmt.Println(x.Grad())
	// Output:
	// 0.693147 -Inf
	// [[0.5 0.5 0. ]
	//  [0.  0.  0. ]]
}
