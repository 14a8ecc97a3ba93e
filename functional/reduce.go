package functional

import (
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// Sum sums x over the given axes, removing them; no axes sums everything into
// a scalar. See ops.Sum.
func Sum[T tensor.Float](x *autograd.Var[T], axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Sum[T]{Axes: axes}, x)
}

// SumKeepDims sums x over the given axes, keeping them with size 1 so that
// the result broadcasts against x.
func SumKeepDims[T tensor.Float](x *autograd.Var[T], axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Sum[T]{Axes: axes, KeepDims: true}, x)
}

// Mean averages x over the given axes, removing them; no axes averages
// everything into a scalar. See ops.Mean.
func Mean[T tensor.Float](x *autograd.Var[T], axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Mean[T]{Axes: axes}, x)
}

// MeanKeepDims averages x over the given axes, keeping them with size 1.
func MeanKeepDims[T tensor.Float](x *autograd.Var[T], axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Mean[T]{Axes: axes, KeepDims: true}, x)
}

// Max takes the maximum of x along axis, removing it, as torch.max(x, dim)'s
// values; the gradient flows to the first maximum. See ops.Max.
func Max[T tensor.Float](x *autograd.Var[T], axis int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Max[T]{Axis: axis}, x)
}

// MaxKeepDims takes the maximum of x along axis, keeping it with size 1.
func MaxKeepDims[T tensor.Float](x *autograd.Var[T], axis int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Max[T]{Axis: axis, KeepDims: true}, x)
}

// MaxWithIndices is torch.max(x, dim, keepdim): the maxima of x along axis
// (Max or MaxKeepDims) and, laid out like their elements, the index along
// axis of each (the first on ties, the first NaN if any). The indices are
// the caller's: a copy of what the op keeps for its backward pass.
func MaxWithIndices[T tensor.Float](x *autograd.Var[T], axis int, keepDims bool) (*autograd.Var[T], []int) {
	op := &ops.Max[T]{Axis: axis, KeepDims: keepDims}
	y := autograd.Apply[T](op, x)
	return y, slices.Clone(op.Indices())
}

// Min takes the minimum of x along axis, removing it, as torch.min(x, dim)'s
// values; the gradient flows to the first minimum. See ops.Min.
func Min[T tensor.Float](x *autograd.Var[T], axis int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Min[T]{Axis: axis}, x)
}

// MinKeepDims takes the minimum of x along axis, keeping it with size 1.
func MinKeepDims[T tensor.Float](x *autograd.Var[T], axis int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Min[T]{Axis: axis, KeepDims: true}, x)
}

// MinWithIndices is torch.min(x, dim, keepdim), as MaxWithIndices.
func MinWithIndices[T tensor.Float](x *autograd.Var[T], axis int, keepDims bool) (*autograd.Var[T], []int) {
	op := &ops.Min[T]{Axis: axis, KeepDims: keepDims}
	y := autograd.Apply[T](op, x)
	return y, slices.Clone(op.Indices())
}

// Amax takes the maximum of x over the given axes, removing them; no axes
// reduces everything into a scalar. It is torch.amax(x, dim): the gradient
// is split evenly among the elements equal to the maximum. See ops.Amax.
func Amax[T tensor.Float](x *autograd.Var[T], axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Amax[T]{Axes: axes}, x)
}

// AmaxKeepDims is Amax keeping the reduced axes with size 1.
func AmaxKeepDims[T tensor.Float](x *autograd.Var[T], axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Amax[T]{Axes: axes, KeepDims: true}, x)
}

// Amin takes the minimum of x over the given axes, removing them, as
// torch.amin(x, dim). See ops.Amin.
func Amin[T tensor.Float](x *autograd.Var[T], axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Amin[T]{Axes: axes}, x)
}

// AminKeepDims is Amin keeping the reduced axes with size 1.
func AminKeepDims[T tensor.Float](x *autograd.Var[T], axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Amin[T]{Axes: axes, KeepDims: true}, x)
}

// MaxAll is torch.max(x) with no dim: the largest element of x, as a scalar.
// The gradient is split evenly among the elements equal to it; if x holds
// NaN the maximum is NaN and the NaNs share the gradient. (Amax(x) differs
// only there: as torch.amax, it gives every element a NaN gradient.)
func MaxAll[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Amax[T]{NaNTies: true}, x)
}

// MinAll is torch.min(x) with no dim, as MaxAll.
func MinAll[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Amin[T]{NaNTies: true}, x)
}

// Argmax is torch.argmax(x, dim): for every position of the other axes, in
// row-major order, the index along axis of the largest element of x (the
// first on ties; NaN counts as the maximum). It is not differentiable and
// records nothing. The indices are plain ints, as the labels CrossEntropy and
// Gather take; keepdim changes only the shape, which is
// tensor.ReducedShape(x.Shape(), keepDims, axis). See tensor.ArgMax.
func Argmax[T tensor.Float](x *autograd.Var[T], axis int) []int {
	return tensor.ArgMax(x.Value(), axis)
}

// Argmin is torch.argmin(x, dim), as Argmax; NaN counts as the minimum.
func Argmin[T tensor.Float](x *autograd.Var[T], axis int) []int {
	return tensor.ArgMin(x.Value(), axis)
}

// ArgmaxFlat is torch.argmax(x) with no dim: the index of the largest
// element in the flattened x (row-major), by Argmax's rules. It panics if x
// has no elements.
func ArgmaxFlat[T tensor.Float](x *autograd.Var[T]) int { return tensor.ArgMaxFlat(x.Value()) }

// ArgminFlat is torch.argmin(x) with no dim, as ArgmaxFlat.
func ArgminFlat[T tensor.Float](x *autograd.Var[T]) int { return tensor.ArgMinFlat(x.Value()) }

// Var is the variance of x over the given axes (every axis when none),
// removing them, as torch.var(x, dim, unbiased): unbiased divides the sum of
// squared deviations by N − 1 (PyTorch's default), otherwise by N. For
// another correction use ops.Var directly. See ops.Var.
func Var[T tensor.Float](x *autograd.Var[T], unbiased bool, axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Var[T]{Axes: axes, Correction: correction(unbiased)}, x)
}

// VarKeepDims is Var keeping the reduced axes with size 1.
func VarKeepDims[T tensor.Float](x *autograd.Var[T], unbiased bool, axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Var[T]{Axes: axes, KeepDims: true, Correction: correction(unbiased)}, x)
}

// Std is the standard deviation √Var of x over the given axes, removing
// them, as torch.std(x, dim, unbiased). Its gradient is 0 where the
// deviation is 0, as PyTorch's. See ops.Std.
func Std[T tensor.Float](x *autograd.Var[T], unbiased bool, axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Std[T]{Axes: axes, Correction: correction(unbiased)}, x)
}

// StdKeepDims is Std keeping the reduced axes with size 1.
func StdKeepDims[T tensor.Float](x *autograd.Var[T], unbiased bool, axes ...int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Std[T]{Axes: axes, KeepDims: true, Correction: correction(unbiased)}, x)
}

// correction is Bessel's correction for the unbiased flag of torch.var.
func correction(unbiased bool) int {
	if unbiased {
		return 1
	}
	return 0
}

// LogSumExp returns log Σ exp(x) along axis, computed stably, removing the
// axis. See ops.LogSumExp.
func LogSumExp[T tensor.Float](x *autograd.Var[T], axis int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.LogSumExp[T]{Axis: axis}, x)
}

// LogSumExpKeepDims returns log Σ exp(x) along axis, keeping it with size 1.
func LogSumExpKeepDims[T tensor.Float](x *autograd.Var[T], axis int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.LogSumExp[T]{Axis: axis, KeepDims: true}, x)
}
