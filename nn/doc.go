// Package nn holds neural-network modules built on package functional: a
// Module interface, layers (Linear, activations, Flatten, Dropout),
// Sequential, the MLP, PyTorch's default initializations, and checkpoints.
//
// A Module computes on *autograd.Var, so the tape records whatever it does
// when its input lives on a tape; run it on a constant (autograd.NewConst)
// and it only computes. Its State lists its own parameters and buffers and
// its direct submodules. The walkers NamedParams, NamedBuffers, Params,
// SetTraining and ZeroGrad go through a module tree in a stable order, and
// the names they give are exactly the keys of the equivalent PyTorch module's
// state_dict: "weight" and "bias" for a Linear, "0.weight", "0.bias",
// "2.weight", … for a Sequential, nested names joined with dots. Weights
// therefore move between tapegrad and PyTorch by name, in the same layouts
// (linear weights out×in, conv weights out×in×kh×kw).
//
// Modules start in training mode, as in PyTorch; SetTraining(m, false)
// switches a whole tree to evaluation (Dropout passes its input through).
package nn
