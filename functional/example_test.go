package functional_test

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// The mean cross-entropy of a batch of two examples over three classes, and
// its gradient with respect to the logits, (softmax(x) − onehot(labels))/n.
func ExampleCrossEntropy() {
	tape := autograd.NewTape[float64]()
	logits := tape.Param(tensor.FromSlice([]float64{
		2.0, 1.0, 0.1, // example 0, label 0
		0.5, 2.5, 0.3, // example 1, label 1
	}, 2, 3))
	loss := functional.CrossEntropy(logits, []int{0, 1})
	tape.Backward(loss)

	fmt.Printf("loss: %.4f\n", loss.Value().Item())
	g := logits.Grad().Data()
	fmt.Printf("dlogits[0]: %.4f\n", g[:3])
	fmt.Printf("dlogits[1]: %.4f\n", g[3:])
	// Output:
	// loss: 0.3185
	// dlogits[0]: [-0.1705 0.1212 0.0493]
	// dlogits[1]: [0.0543 -0.0988 0.0445]
}

// Softmax along the last axis. The second row's logits of ±1e4 would overflow
// a naive exp(x)/Σexp(x); Softmax goes through LogSoftmax and stays finite.
func ExampleSoftmax() {
	x := autograd.NewConst(tensor.FromSlice([]float64{
		1, 2, 3,
		1e4, -1e4, 0,
	}, 2, 3))
	p := functional.Softmax(x, -1).Value().Data()
	fmt.Printf("%.4f\n", p[:3])
	fmt.Printf("%.4f\n", p[3:])
	// Output:
	// [0.0900 0.2447 0.6652]
	// [1.0000 0.0000 0.0000]
}

// Linear computes x·Wᵀ + b, with W stored out×in as in PyTorch's nn.Linear.
// With a parameter on the tape, Backward fills dW = dYᵀ·x and db = Σ dY.
func ExampleLinear() {
	tape := autograd.NewTape[float64]()
	x := tape.Input(tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3)) // batch of 2, 3 features
	w := autograd.NewParam(tensor.FromSlice([]float64{1, 0, -1, 0.5, 0.5, 0.5}, 2, 3))
	b := autograd.NewParam(tensor.FromSlice([]float64{0.1, -0.1}, 2))

	y := functional.Linear(x, w, b)
	fmt.Printf("y: %.4f\n", y.Value().Data())

	tape.Backward(functional.Sum(y)) // dY is all ones
	fmt.Printf("dW: %.4f\n", w.Grad().Data())
	fmt.Printf("db: %.4f\n", b.Grad().Data())
	// Output:
	// y: [-1.9000 2.9000 -1.9000 7.4000]
	// dW: [5.0000 7.0000 9.0000 5.0000 7.0000 9.0000]
	// db: [2.0000 2.0000]
}
