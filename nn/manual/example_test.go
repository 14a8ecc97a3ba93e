package manual_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/nn/manual"
	"github.com/tapegrad/tapegrad/tensor"
)

// Train the hand-written MLP on three Gaussian blobs in the plane: the loss
// goes down and the blobs are told apart.
func ExampleMLP_TrainStep() {
	rng := rand.New(rand.NewPCG(42, 42))
	const n = 150
	x := tensor.New[float64](n, 2)
	labels := make([]int, n)
	for i := range n {
		c := i % 3
		angle := 2 * math.Pi * float64(c) / 3
		x.Set(2*math.Cos(angle)+rng.NormFloat64(), i, 0)
		x.Set(2*math.Sin(angle)+rng.NormFloat64(), i, 1)
		labels[i] = c
	}

	m := manual.NewMLP[float64](manual.Config{Inputs: 2, Hidden: []int{16}, Classes: 3, Std: 0.1}, rng)
	for step := range 101 {
		loss := m.TrainStep(x, labels, 0.2)
		if step%25 == 0 {
			fmt.Printf("step %3d  loss %.3f\n", step, loss)
		}
	}
	correct := 0
	for i, p := range m.Predict(x) {
		if p == labels[i] {
			correct++
		}
	}
	fmt.Printf("accuracy %.2f\n", float64(correct)/n)
	// Output:
	// step   0  loss 1.115
	// step  25  loss 0.344
	// step  50  loss 0.158
	// step  75  loss 0.130
	// step 100  loss 0.120
	// accuracy 0.95
}
