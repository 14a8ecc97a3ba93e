// Package hvpbench is workload W10 of WORKLOADS.md, a Hessian–vector
// product of W1's MLP loss, as code that both the testing.B benchmark of
// package benchmarks (BenchmarkW10HVP) and the compare command run.
//
// A Workload is mlpbench's Net — the same weights and batch as W1 when
// built from the same source — and a vector v with one random tensor per
// parameter, drawn after the net. Step computes, on a tape of its own,
//
//	L(θ)  = mean softmax cross-entropy of the MLP on the batch
//	g     = ∂L/∂θ                       Tape.Grad with CreateGraph
//	Hv    = ∂⟨g, v⟩/∂θ = ∇²L(θ) v       Tape.Grad of Σᵢ Σ gᵢ ⊙ vᵢ
//
// which is PyTorch's
//
//	g = torch.autograd.grad(loss, params, create_graph=True)
//	hv = torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, v)), params)
//
// The first Grad records the backward pass on the tape (every op's
// BackwardVar); the second differentiates the whole tape, forward and
// recorded backward, with the ops' first-order Backward.
//
//	w := hvpbench.New(rand.New(rand.NewPCG(1, 2)), mlpbench.W1Hidden, mlpbench.Batch)
//	w.Step()
//	hv := w.HV() // one tensor per parameter, in nn.Params order
package hvpbench
