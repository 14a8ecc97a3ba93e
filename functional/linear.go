package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// MatMul returns the matrix product a·b, 2-d or batched with broadcast batch
// axes; see ops.MatMul.
func MatMul[T tensor.Float](a, b *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.MatMul[T]{}, a, b)
}

// MatMulT returns op(a)·op(b), where op transposes the last two axes of an
// operand when its flag is set, without copying it.
func MatMulT[T tensor.Float](a *autograd.Var[T], transA bool, b *autograd.Var[T], transB bool) *autograd.Var[T] {
	return autograd.Apply[T](&ops.MatMul[T]{TransA: transA, TransB: transB}, a, b)
}

// Linear is the affine layer of PyTorch's nn.Linear, in the row-vector
// convention with the batch along the first axis:
//
//	Y = X·Wᵀ + b
//
// for X of shape …×in, W of shape out×in and b of shape out (or nil for no
// bias); Y is …×out. It is a composite of MatMul and Add, so its backward is
// dX = dY·W, dW = dYᵀ·X and db = Σ dY over the batch axes.
func Linear[T tensor.Float](x, w, b *autograd.Var[T]) *autograd.Var[T] {
	y := MatMulT(x, false, w, true)
	if b == nil {
		return y
	}
	return Add(y, b)
}
