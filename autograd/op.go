package autograd

import "github.com/tapegrad/tapegrad/tensor"

// Op is a differentiable operation: the contract shared by tapegrad's built-in
// ops and by users' own, in the spirit of PyTorch's autograd.Function.
//
// An Op is a small struct whose fields hold its settings (an axis, an
// exponent) and, after Forward, what its Backward needs. Apply calls Forward
// once; if the call was recorded, Backward is called during each backward pass
// that reaches the op's output.
type Op[T tensor.Float] interface {
	// Name names the op in panic messages and in listings of the tape.
	Name() string

	// Forward computes the output from the input values and keeps in the
	// op's fields whatever Backward will need. It must not modify its inputs.
	// Where the output is cheaper to keep than an input (ReLU, Exp, Sqrt,
	// LogSumExp), keep the output.
	Forward(inputs []*tensor.Tensor[T]) *tensor.Tensor[T]

	// Backward returns the vector–Jacobian products: given dy = ∂L/∂y, one
	// gradient ∂L/∂xᵢ per input, or nil for an input whose needs[i] is false
	// (nil for a needed input means a zero gradient). A gradient may have the
	// input's shape or the shape the input was broadcast to: the engine sums
	// it back. Backward must not modify dy or the tensors Forward kept, and may
	// return dy itself: the engine copies before it accumulates into a
	// gradient it does not own.
	Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T]

	// Saved lists the tensors the op keeps for Backward, so that the tape can
	// total the memory a recorded computation holds. Tensors also kept by
	// other nodes, such as a shared input, are counted once.
	Saved() []*tensor.Tensor[T]
}

// ExtraSaver is implemented by ops that keep, besides tensors, other data for
// Backward — the positions of maxima, say — so that the tape can count it.
type ExtraSaver interface {
	// ExtraSavedBytes returns the bytes the op keeps outside its tensors.
	ExtraSavedBytes() int
}

// ArenaUser is implemented by ops that can take the storage of what they
// compute — outputs, kept tensors, gradients — from an arena. Apply hands
// them their tape's arena before Forward when the tape reuses buffers (see
// Tape.ReuseBuffers); a nil arena allocates from the heap.
type ArenaUser[T tensor.Float] interface {
	UseArena(ar *tensor.Arena[T])
}

// DifferentiableOp is an Op whose backward pass can itself be recorded and
// differentiated: the contract behind Tape.Grad with CreateGraph, PyTorch's
// create_graph=True.
//
// BackwardVar returns the same gradients as Backward, one per input (nil
// where needs[i] is false, or for a zero gradient), but computes them from
// Vars with differentiable ops applied through Apply — the op's inputs as
// they were recorded, its output out, and dy, the gradient of out — so that
// the tape records the backward pass and a later Grad or Backward can
// differentiate it again, to any order. Each gradient must have its input's
// exact shape: where Backward may return a broadcast gradient for the
// engine to sum, BackwardVar sums it itself with a differentiable op.
//
// Backward stays the fast path: first-order passes never call BackwardVar.
// An op without it supports first-order gradients only, and Tape.Grad with
// CreateGraph panics, naming it, when it reaches the op.
type DifferentiableOp[T tensor.Float] interface {
	Op[T]
	BackwardVar(inputs []*Var[T], out, dy *Var[T], needs []bool) []*Var[T]
}

// Recomputer is implemented by ops that keep, besides what their Backward
// needs, tensors it could compute again from those — convolution's im2col
// matrix, say — because on an arena that would hold them anyway they cost
// nothing to keep. On a tape that reuses buffers, which can now take such a
// buffer back as soon as nothing refers to it, Apply calls DropRecomputable
// right after a recorded Forward: the op forgets them, its Backward
// recomputes them, and their storage serves the ops that follow.
type Recomputer interface {
	DropRecomputable()
}
