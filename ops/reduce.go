package ops

import (
	"strconv"

	"github.com/tapegrad/tapegrad/tensor"
)

// Sum sums over Axes (every axis when empty); KeepDims keeps them with size 1.
// It keeps only its input's shape.
//
//	y  = Σ_axes x
//	dx = dy broadcast back over the summed axes
//
// It panics on an axis out of range or given twice.
type Sum[T tensor.Float] struct {
	arena[T]
	Axes     []int
	KeepDims bool
	shape    []int
}

func (*Sum[T]) Name() string { return "Sum" }

func (op *Sum[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Sum", in, 1)
	op.shape = in[0].Shape()
	return op.ar.Sum(in[0], op.KeepDims, op.Axes...)
}

func (op *Sum[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{expandReduced(op.ar, dy, op.shape, op.Axes)}
}

func (*Sum[T]) Saved() []*tensor.Tensor[T] { return nil }

// Mean averages over Axes (every axis when empty); KeepDims keeps them with
// size 1. With M the number of values averaged into each output,
//
//	y  = (1/M)·Σ_axes x
//	dx = dy/M broadcast back over the averaged axes
//
// It panics on an axis out of range or given twice.
type Mean[T tensor.Float] struct {
	arena[T]
	Axes     []int
	KeepDims bool
	shape    []int
}

func (*Mean[T]) Name() string { return "Mean" }

func (op *Mean[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Mean", in, 1)
	op.shape = in[0].Shape()
	return op.ar.Mean(in[0], op.KeepDims, op.Axes...)
}

func (op *Mean[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := expandReduced(op.ar, dy, op.shape, op.Axes)
	m := tensor.NumElems(op.shape) / max(dy.Size(), 1)
	dx.ScaleInPlace(1 / T(m))
	return []*tensor.Tensor[T]{dx}
}

func (*Mean[T]) Saved() []*tensor.Tensor[T] { return nil }

// expandReduced broadcasts the gradient of a reduction back to the shape of
// the reduced input, into a new tensor.
func expandReduced[T tensor.Float](ar *tensor.Arena[T], dy *tensor.Tensor[T], shape, axes []int) *tensor.Tensor[T] {
	kept := dy.Reshape(tensor.ReducedShape(shape, true, axes...)...)
	return ar.BroadcastTo(kept, shape...)
}

// Max takes the maximum along Axis; KeepDims keeps the axis with size 1. It
// keeps the position of each maximum (the first, on ties, as PyTorch does) and
// routes the gradient there alone.
//
//	y  = max_axis x
//	dx = dy at the position of each maximum, 0 elsewhere
//
// It panics on an axis out of range or of size 0.
type Max[T tensor.Float] struct {
	arena[T]
	Axis     int
	KeepDims bool
	shape    []int
	idx      []int
}

func (*Max[T]) Name() string { return "Max" }

func (op *Max[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Max", in, 1)
	op.shape = in[0].Shape()
	y, idx := op.ar.MaxWithIndex(in[0], op.Axis, op.KeepDims)
	op.idx = idx
	return y
}

func (op *Max[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.New(op.shape...)
	axis := tensor.NormAxis(op.Axis, len(op.shape))
	n := op.shape[axis]
	inner := tensor.NumElems(op.shape[axis+1:])
	d := dx.Data()
	for k, g := range dy.Data() {
		o, j := k/inner, k%inner
		d[(o*n+op.idx[k])*inner+j] = g
	}
	return []*tensor.Tensor[T]{dx}
}

func (*Max[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the positions of the maxima.
func (op *Max[T]) ExtraSavedBytes() int { return len(op.idx) * strconv.IntSize / 8 }
