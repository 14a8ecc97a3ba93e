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

// Options translate PyTorch's keyword arguments one to one; what is not
// given is PyTorch's default, and a zero is a zero.
func ExampleNewAdamW() {
	w := autograd.NewParam(tensor.FromSlice([]float64{0.5, -0.5}, 2))
	params := []*autograd.Var[float64]{w}

	// torch.optim.AdamW(params)
	fmt.Printf("%+v\n", optim.NewAdamW(params).Config())
	// torch.optim.AdamW(params, lr=0.01, betas=(0, 0), eps=0, weight_decay=0, maximize=True)
	opt := optim.NewAdamW(params, optim.LR(0.01), optim.Betas(0, 0), optim.Eps(0), optim.WeightDecay(0), optim.Maximize(true))
	fmt.Printf("%+v\n", opt.Config())

	// With β = (0, 0) and ε = 0 each step is η·sign(∇p), upwards here.
	w.SetGrad(tensor.FromSlice([]float64{3, -0.001}, 2))
	opt.Step()
	fmt.Printf("%.2f\n", w.Value().Data())
	// Output:
	// {LR:0.001 Betas:[0.9 0.999] Eps:1e-08 WeightDecay:0.01 Amsgrad:false Maximize:false}
	// {LR:0.01 Betas:[0 0] Eps:0 WeightDecay:0 Amsgrad:false Maximize:true}
	// [0.51 -0.51]
}

// torch.optim.SGD(params, lr=0.1, momentum=0, dampening=0.5): without
// momentum the dampening has nothing to damp, and this is plain SGD.
func ExampleNewSGD() {
	w := autograd.NewParam(tensor.FromSlice([]float64{1}, 1))
	opt := optim.NewSGD([]*autograd.Var[float64]{w}, optim.LR(0.1), optim.Momentum(0), optim.Dampening(0.5))
	fmt.Printf("%+v\n", opt.Config())
	w.SetGrad(tensor.FromSlice([]float64{2}, 1))
	opt.Step()
	fmt.Printf("%.2f\n", w.Value().Item())
	// Output:
	// {LR:0.1 Momentum:0 Dampening:0.5 WeightDecay:0 Nesterov:false Maximize:false}
	// 0.80
}
