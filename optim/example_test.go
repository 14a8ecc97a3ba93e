package optim_test

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// Fit y = 2x − 1 with a 1×1 linear layer, SGD with momentum and a
// mean-squared-error loss, one tape reused every step.
func ExampleSGD() {
	x := tensor.FromSlice([]float64{-1, 0, 1, 2}, 4, 1)
	y := tensor.FromSlice([]float64{-3, -1, 1, 3}, 4, 1)
	w := autograd.NewParam(tensor.FromSlice([]float64{0}, 1, 1))
	b := autograd.NewParam(tensor.FromSlice([]float64{0}, 1))
	opt := optim.NewSGD([]*autograd.Var[float64]{w, b}, optim.LR(0.1), optim.Momentum(0.5))

	tape := autograd.NewTape[float64]()
	for step := range 40 {
		tape.Reset()
		diff := functional.Sub(functional.Linear(tape.Input(x), w, b), tape.Input(y))
		loss := functional.Mean(functional.Mul(diff, diff))
		opt.ZeroGrad()
		tape.Backward(loss)
		opt.Step()
		if step%10 == 0 {
			fmt.Printf("step %2d: loss %.3g\n", step, loss.Value().Item())
		}
	}
	fmt.Printf("w = %.4f, b = %.4f\n", w.Value().Item(), b.Value().Item())
	// Output:
	// step  0: loss 5
	// step 10: loss 0.00319
	// step 20: loss 2.45e-06
	// step 30: loss 3.12e-09
	// w = 2.0000, b = -1.0000
}

// A warm-up of 3 steps from a tenth of the rate, then a cosine decay over
// 5 steps; the training loop calls opt.SetLR(sched(step)) before each step.
func ExampleLinearWarmup() {
	sched := optim.LinearWarmup(3, 0.1, optim.CosineAnnealingLR(0.1, 5, 0.001))
	for step := range 9 {
		fmt.Printf("%.4f ", sched(step))
	}
	fmt.Println()
	// Output:
	// 0.0100 0.0400 0.0700 0.1000 0.0905 0.0658 0.0352 0.0105 0.0010
}

// Gradients (3, 4) and (12) have a joint norm of 13; clipping to 6.5 halves
// them (up to PyTorch's 1e-6 in the denominator).
func ExampleClipGradNorm() {
	a := autograd.NewParam(tensor.Zeros[float64](2))
	a.SetGrad(tensor.FromSlice([]float64{3, 4}, 2))
	b := autograd.NewParam(tensor.Zeros[float64](1))
	b.SetGrad(tensor.FromSlice([]float64{12}, 1))

	total := optim.ClipGradNorm([]*autograd.Var[float64]{a, b}, 6.5)
	fmt.Printf("total norm %.1f\n", total)
	fmt.Printf("%.4f %.4f\n", a.Grad().Data(), b.Grad().Data())
	// Output:
	// total norm 13.0
	// [1.5000 2.0000] [6.0000]
}

// State and LoadState carry an optimizer across a restart: the resumed run
// continues exactly where the first one stopped.
func ExampleAdam_State() {
	p := autograd.NewParam(tensor.FromSlice([]float64{1, -1}, 2))
	opt := optim.NewAdam([]*autograd.Var[float64]{p}, optim.LR(0.1))
	p.SetGrad(tensor.FromSlice([]float64{0.5, 0.5}, 2))
	opt.Step()

	saved := opt.State() // write it to a checkpoint along with the parameters
	for _, nt := range saved {
		fmt.Printf("%-12s %v\n", nt.Name, nt.Tensor.Shape())
	}

	restored := autograd.NewParam(p.Value().Clone())
	resumed := optim.NewAdam([]*autograd.Var[float64]{restored}, optim.LR(0.1))
	if err := resumed.LoadState(saved); err != nil {
		fmt.Println(err)
	}
	fmt.Println(resumed.State()[0].Tensor.Item(), "step so far")
	// Output:
	// 0.step       []
	// 0.exp_avg    [2]
	// 0.exp_avg_sq [2]
	// 1 step so far
}
