package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// MatMul returns the matrix product a·b with torch.matmul's semantics; see
// ops.MatMul. By the operands' numbers of axes:
//
//	a          b          a·b
//	k          k          ()        the dot product, 0-d
//	m×k        k          m         matrix·vector
//	k          k×n        n         vector·matrix
//	…×m×k      k          …×m       a stack of matrices·vector
//	k          …×k×n      …×n       vector·a stack of matrices
//	…×m×k      …×k×n      …×m×n     batch axes (…) broadcast
//
// The gradients have the operands' own shapes, summed over the batch axes
// where an operand was broadcast. It panics if an operand is 0-d, the inner
// dimensions differ or the batch axes do not broadcast.
func MatMul[T tensor.Float](a, b *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.MatMul[T]{}, a, b)
}

// MatMulT returns op(a)·op(b), where op transposes the last two axes of an
// operand when its flag is set, without copying it; shapes are then as in
// MatMul. A flag has no effect on a 1-d operand: a vector is its own
// transpose, so MatMulT(x, false, w, true) is x·wᵀ for a vector x as for a
// batch of rows. It panics as MatMul does.
func MatMulT[T tensor.Float](a *autograd.Var[T], transA bool, b *autograd.Var[T], transB bool) *autograd.Var[T] {
	return autograd.Apply[T](&ops.MatMul[T]{TransA: transA, TransB: transB}, a, b)
}

// Linear is the affine layer of PyTorch's nn.Linear, in the row-vector
// convention with the batch along the first axis:
//
//	Y = X·Wᵀ + b
//
// for X of shape …×in (or a single sample, in), W of shape out×in and b of
// shape out (or nil for no bias); Y is …×out (or out). It is a composite of
// MatMul and Add, so its backward is dX = dY·W, dW = dYᵀ·X and db = Σ dY
// over the batch axes.
func Linear[T tensor.Float](x, w, b *autograd.Var[T]) *autograd.Var[T] {
	y := MatMulT(x, false, w, true)
	if b == nil {
		return y
	}
	out := Add(y, b)
	releaseTemp(y)
	return out
}
