package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// Reshape gives its input the shape Shape (one dimension may be −1, inferred
// from the others). The output shares the input's data. It keeps only the
// input's shape.
//
//	y  = x viewed as Shape
//	dx = dy viewed as x's shape
//
// It panics if Shape has more than one −1 or another negative dimension, or
// if no size of its −1 makes it hold as many elements as the input (see
// tensor.ReshapeShape).
type Reshape[T tensor.Float] struct {
	arena[T]
	Shape []int
	in    []int
}

func (*Reshape[T]) Name() string { return "Reshape" }

func (op *Reshape[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Reshape", in, 1)
	op.in = in[0].Shape()
	if err := tensor.CheckReshape(op.in, op.Shape); err != nil {
		panic(fmt.Sprintf(errReshape, op.in, op.Shape, reason(err)))
	}
	return op.ar.Reshape(in[0], op.Shape...)
}

func (op *Reshape[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.ar.Reshape(dy, op.in...)}
}

func (*Reshape[T]) Saved() []*tensor.Tensor[T] { return nil }

func (op *Reshape[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vReshape(dy, op.in...)}
}

// Permute reorders the axes: output axis i is input axis Axes[i]. The data is
// copied into the new layout.
//
//	y  = permute(x, Axes)
//	dx = permute(dy, Axes⁻¹)
//
// It panics unless Axes is a permutation of the input's axes.
type Permute[T tensor.Float] struct {
	arena[T]
	Axes []int
}

func (*Permute[T]) Name() string { return "Permute" }

func (op *Permute[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Permute", in, 1)
	if _, err := tensor.PermuteShape(in[0].Shape(), op.Axes); err != nil {
		panic(fmt.Sprintf(errPermute, in[0].Shape(), reason(err)))
	}
	return op.ar.Permute(in[0], op.Axes...)
}

func (op *Permute[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.ar.Permute(dy, tensor.InversePermutation(op.Axes)...)}
}

func (*Permute[T]) Saved() []*tensor.Tensor[T] { return nil }

func (op *Permute[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vPermute(dy, tensor.InversePermutation(op.Axes)...)}
}
