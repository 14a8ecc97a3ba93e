package functional_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// A U-Net's skip connection: the encoder's features at full resolution are
// joined, along the channel axis, to the decoder's features upsampled back
// to that resolution, and a last convolution reads both. The gradient
// reaches the first convolution by both paths.
func ExampleConcat() {
	rng := rand.New(rand.NewPCG(18, 2026))
	param := func(scale float64, shape ...int) *autograd.Var[float64] {
		w := tensor.RandN[float64](rng, shape...)
		for i := range w.Data() {
			w.Data()[i] *= scale
		}
		return autograd.NewParam(w)
	}
	w1 := param(0.3, 4, 2, 3, 3)   // encoder: 2 → 4 channels, 3×3
	w2 := param(0.2, 8, 4, 3, 3)   // bottleneck: 4 → 8 channels, 3×3
	wUp := param(0.3, 8, 4, 2, 2)  // decoder: ConvTranspose2d 8 → 4 channels, 2×2, stride 2
	wOut := param(0.3, 2, 8, 1, 1) // head: 4 + 4 → 2 channels, 1×1

	tape := autograd.NewTape[float64]()
	x := tape.Input(tensor.RandN[float64](rng, 1, 2, 8, 8))
	same := functional.Conv2dOptions{Padding: [2]int{1, 1}}

	skip := functional.ReLU(functional.Conv2d(x, w1, nil, same))                                             // 1×4×8×8
	down := functional.MaxPool2d(skip, [2]int{2, 2}, [2]int{2, 2}, [2]int{})                                 // 1×4×4×4
	mid := functional.ReLU(functional.Conv2d(down, w2, nil, same))                                           // 1×8×4×4
	up := functional.ConvTranspose2d(mid, wUp, nil, functional.ConvTranspose2dOptions{Stride: [2]int{2, 2}}) // 1×4×8×8
	joined := functional.Concat([]*autograd.Var[float64]{skip, up}, 1)                                       // 1×8×8×8
	out := functional.Conv2d(joined, wOut, nil, functional.Conv2dOptions{})                                  // 1×2×8×8

	loss := functional.Mean(functional.Mul(out, out))
	tape.Backward(loss)

	norm := 0.0
	for _, g := range w1.Grad().Data() {
		norm += g * g
	}
	fmt.Println("joined:", joined.Shape())
	fmt.Println("output:", out.Shape())
	fmt.Printf("loss = %.4f, ‖∂loss/∂w1‖ = %.4f\n", loss.Value().Item(), math.Sqrt(norm))
	// Output:
	// joined: [1 8 8 8]
	// output: [1 2 8 8]
	// loss = 0.3420, ‖∂loss/∂w1‖ = 0.4843
}
