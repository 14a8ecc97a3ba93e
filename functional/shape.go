package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// Reshape views x with a new shape (one dimension may be −1); see
// ops.Reshape.
func Reshape[T tensor.Float](x *autograd.Var[T], shape ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Reshape[T]{Shape: shape}, x)
}

// Permute reorders the axes of x: output axis i is axis axes[i] of x; see
// ops.Permute.
func Permute[T tensor.Float](x *autograd.Var[T], axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Permute[T]{Axes: axes}, x)
}

// Transpose swaps axes a1 and a2 of x (negative axes count from the end);
// Transpose(m, 0, 1) of a matrix is mᵀ.
func Transpose[T tensor.Float](x *autograd.Var[T], a1, a2 int) *autograd.Var[T] {
	return Permute(x, tensor.SwapAxes(len(x.Shape()), a1, a2)...)
}

// Gather picks entry index[i] of each row i of the n×c matrix x; see
// ops.Gather.
func Gather[T tensor.Float](x *autograd.Var[T], index []int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Gather[T]{Index: index}, x)
}

// Expand broadcasts x to shape, as x.expand(*shape) in PyTorch (−1 keeps
// an axis's size); the output is a copy, not a view. See ops.Expand.
func Expand[T tensor.Float](x *autograd.Var[T], shape ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Expand[T]{Shape: shape}, x)
}

// BroadcastTo is torch.broadcast_to: Expand under NumPy's name.
func BroadcastTo[T tensor.Float](x *autograd.Var[T], shape ...int) *autograd.Var[T] {
	return Expand(x, shape...)
}

// SumToSize sums x down to shape, as x.sum_to_size(*shape) in PyTorch: the
// reverse of broadcasting. See ops.SumTo.
func SumToSize[T tensor.Float](x *autograd.Var[T], shape ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.SumTo[T]{Shape: shape}, x)
}
