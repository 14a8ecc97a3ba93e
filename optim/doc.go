// Package optim updates model parameters from their gradients: SGD (with
// momentum, dampening, Nesterov momentum and weight decay), Adam, AdamW,
// gradient-norm clipping and learning-rate schedules. Every update follows
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
// A training loop with one tape:
//
//	opt := optim.NewAdamW(params, optim.AdamWConfig{LR: 1e-3})
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
// with the same config over the same parameters (restored too) and given
// the saved state continues exactly, bit for bit, as if training had never
// stopped. Hyperparameters, the learning rate included, are not part of the
// state: the resuming program passes the same config and sets the rate from
// its schedule. Writing the state to disk is left to a checkpoint format.
package optim
