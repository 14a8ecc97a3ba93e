package gradtest_test

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Check differentiates a whole composition at once: here a softmax
// cross-entropy of a linear layer, with respect to the input, the weights
// and the bias.
func ExampleCheck() {
	x := tensor.FromSlice([]float64{0.2, -1, 0.5, 1.5, 0.3, -0.7}, 2, 3)
	w := tensor.FromSlice([]float64{0.1, 0.4, -0.3, -0.2, 0.6, 0.9, 0.05, -0.5}, 4, 2)
	b := tensor.FromSlice([]float64{0.01, -0.02, 0.03, 0})
	err := gradtest.Check(func(v []*autograd.Var[float64]) *autograd.Var[float64] {
		batch := functional.Transpose(v[0], 0, 1)              // 3 examples of 2 features
		logits := functional.Linear(batch, v[1], v[2])         // 3×4
		return functional.CrossEntropy(logits, []int{3, 0, 1}) // scalar
	}, []*tensor.Tensor[float64]{x, w, b}, nil)
	fmt.Println(err)
	// Output:
	// <nil>
}
