// Package optim updates model parameters from their gradients: SGD (with
// momentum, dampening, Nesterov momentum and weight decay), Adam, AdamW (with
// AMSGrad), all three able to maximize, gradient-norm clipping and
// learning-rate schedules. Every update follows
// PyTorch's torch.optim in its order of operations and its defaults, and the
// tests pin the trajectories to numbers torch produced.
//
// An optimizer sees only parameters: leaf Vars (autograd.NewParam) whose
// gradients a backward pass filled in. Step reads each parameter's gradient
// and updates its value in place; a parameter whose gradient is nil had no
// gradient this step and is skipped, its state untouched, as in PyTorch.
// Hyperparameters are float64, like PyTorch's Python floats; the elementwise
// arithmetic runs in the parameters' type T.
//
// # Hyperparameters
//
// A constructor starts from PyTorch's defaults (DefaultSGDConfig,
// DefaultAdamConfig, DefaultAdamWConfig) and applies options named after
// PyTorch's keyword arguments, so a PyTorch call translates one to one:
//
//	torch.optim.SGD(params, lr=0.1, momentum=0.9, dampening=0.5, maximize=True)
//	optim.NewSGD(params, optim.LR(0.1), optim.Momentum(0.9), optim.Dampening(0.5), optim.Maximize(true))
//
//	torch.optim.AdamW(params, betas=(0, 0), eps=0, weight_decay=0)
//	optim.NewAdamW(params, optim.Betas(0, 0), optim.Eps(0), optim.WeightDecay(0))
//
// Options rather than a config struct, because a struct literal cannot
// tell a field set to zero from a field forgotten: with AdamConfig{LR: 1e-3}
// meaning what it says, a forgotten Betas would silently be (0, 0), and with
// zero meaning "the default", β = (0, 0) or ε = 0 could not be asked for.
// With options, what is not given is PyTorch's default and what is given is
// taken as is, zeros included; every value PyTorch accepts is expressible.
// The options are typed: LR, WeightDecay and Maximize apply to every
// optimizer, Momentum, Dampening and Nesterov only to SGD, Betas, Eps and
// Amsgrad only to Adam and AdamW, and the compiler rejects the others.
// Config returns the values in use as a plain struct (SGDConfig,
// AdamConfig), for printing and logging.
//
// SGD's default learning rate is PyTorch 2.x's, 10⁻³; PyTorch 1.13 requires
// one. Hyperparameters are checked as PyTorch checks them (η, ε, λ, μ ≥ 0,
// β in [0, 1), Nesterov needs μ > 0 and no dampening; the dampening is free)
// and must also be finite: PyTorch lets an infinite one through (and, in
// SGD, a NaN).
//
// A training loop with one tape:
//
//	opt := optim.NewAdamW(params, optim.LR(1e-3))
//	sched := optim.LinearWarmup(100, 0.01, optim.CosineAnnealingLR(1e-3, steps-100, 0))
//	tape := autograd.NewTape[float32]()
//	for step := range steps {
//		tape.Reset()
//		loss := … // forward pass on the tape
//		opt.ZeroGrad()
//		tape.Backward(loss)
//		optim.ClipGradNorm(opt.Params(), 1.0) // optional
//		opt.SetLR(sched(step))
//		opt.Step()
//	}
//
// State returns an optimizer's per-parameter state (momentum buffers,
// moment estimates, step counts) as named tensors, "<parameter index>.<key>"
// as in PyTorch's state_dict, and LoadState restores it: an optimizer built
// with the same options over the same parameters (restored too) and given
// the saved state continues exactly, bit for bit, as if training had never
// stopped. Hyperparameters, the learning rate included, are not part of the
// state: the resuming program passes the same options and sets the rate from
// its schedule. Writing the state to disk is left to a checkpoint format.
package optim
