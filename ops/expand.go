package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// Expand broadcasts x to Shape, as torch.Tensor.expand (and
// torch.broadcast_to): leading axes may be added, an axis of size 1 may
// grow, and −1 in Shape keeps x's size on that axis. Unlike PyTorch's view,
// the output is a new tensor. It keeps only x's shape.
//
//	y  = x broadcast to Shape
//	dx = SumTo(dy, shape of x)
//
// It panics if x does not broadcast to Shape, or if −1 is given for an axis
// x lacks.
type Expand[T tensor.Float] struct {
	arena[T]
	Shape []int
	shape []int
}

func (*Expand[T]) Name() string { return "Expand" }

func (op *Expand[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Expand", in, 1)
	op.shape = in[0].Shape()
	return op.ar.BroadcastTo(in[0], expandShape(op.shape, op.Shape)...)
}

// expandShape resolves −1 in target against x's shape and checks that x
// broadcasts to it.
func expandShape(x, target []int) []int {
	lead := len(target) - len(x)
	if lead < 0 {
		panic(fmt.Sprintf(errExpand, x, target, "the new shape has fewer dimensions"))
	}
	out := make([]int, len(target))
	for i, d := range target {
		switch {
		case d == -1 && i < lead:
			panic(fmt.Sprintf(errExpand, x, target, "−1 is not allowed for a new leading dimension"))
		case d == -1:
			d = x[i-lead]
		case d < 0:
			panic(fmt.Sprintf(errExpand, x, target, "sizes must be at least 0 or −1"))
		case i >= lead && x[i-lead] != d && x[i-lead] != 1:
			panic(fmt.Sprintf(errExpand, x, target, fmt.Sprintf("dimension %d has size %d, neither 1 nor %d", i-lead, x[i-lead], d)))
		}
		out[i] = d
	}
	return out
}

func (op *Expand[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.ar.SumTo(dy, op.shape...)}
}

func (*Expand[T]) Saved() []*tensor.Tensor[T] { return nil }

func (op *Expand[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vSumTo(dy, op.shape...)}
}

// SumTo sums x down to Shape, the reverse of broadcasting Shape up to x's
// shape, as torch.Tensor.sum_to_size: leading axes that Shape lacks are
// summed away, and axes where Shape has size 1 are summed keeping size 1.
// It is the gradient of a broadcast operand, and Expand's adjoint. It keeps
// only x's shape.
//
//	y  = Σ over the broadcast axes of x
//	dx = Expand(dy, shape of x)
//
// It panics if Shape does not broadcast to x's shape.
type SumTo[T tensor.Float] struct {
	arena[T]
	Shape []int
	shape []int
}

func (*SumTo[T]) Name() string { return "SumTo" }

func (op *SumTo[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("SumTo", in, 1)
	op.shape = in[0].Shape()
	b, err := tensor.BroadcastShapes(op.Shape, op.shape)
	if err != nil || !tensor.EqualShapes(b, op.shape) || len(op.Shape) > len(op.shape) {
		panic(fmt.Sprintf(errSumTo, op.shape, op.Shape))
	}
	if tensor.EqualShapes(op.Shape, op.shape) {
		return op.ar.Clone(in[0])
	}
	return op.ar.SumTo(in[0], op.Shape...)
}

func (op *SumTo[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.ar.BroadcastTo(dy, op.shape...)}
}

func (*SumTo[T]) Saved() []*tensor.Tensor[T] { return nil }

func (op *SumTo[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vExpand(dy, op.shape...)}
}
