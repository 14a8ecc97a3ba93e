package ops

// This file holds the methods by which ops give up what they keep only to
// save their backward pass work (autograd.Recomputer): on a tape that
// reuses buffers, the tape calls them right after Forward, and the storage
// goes back to the arena for the ops that follow, as PyTorch's convolutions
// keep only their input and weights.

// DropRecomputable forgets the im2col matrix (or the Winograd transforms U
// and V) that Forward kept on an arena; Backward unfolds (transforms) the
// kept input and weights again. The matrix is about kh·kw times the input's
// size (V about four times), the largest thing a convolution keeps.
func (op *Conv2d[T]) DropRecomputable() { op.cols, op.u, op.v = nil, nil, nil }
