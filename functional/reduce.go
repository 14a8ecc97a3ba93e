package functional

import (
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

// Max takes the maximum of x along axis, removing it; the gradient flows to
// the first maximum. See ops.Max.
func Max[T tensor.Float](x *autograd.Var[T], axis int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Max[T]{Axis: axis}, x)
}

// MaxKeepDims takes the maximum of x along axis, keeping it with size 1.
func MaxKeepDims[T tensor.Float](x *autograd.Var[T], axis int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Max[T]{Axis: axis, KeepDims: true}, x)
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
