package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// Concat joins its inputs along Axis, as PyTorch's torch.cat(tensors,
// dim=Axis): a negative Axis counts from the end, the inputs must have the
// same number of axes and the same sizes on every axis but Axis, where any
// size, 0 included, is allowed. As in PyTorch, an input of shape [0] (a
// 1-d empty tensor) is skipped whatever the other inputs' shapes, a legacy
// rule; its gradient is empty. It takes any number of inputs, at least
// one, and keeps their shapes.
//
//	y              = [x₀ x₁ … ] along Axis     size Σ nᵢ on Axis
//	dxᵢ            = dy[…, oᵢ : oᵢ + nᵢ, …]    xᵢ's shape; oᵢ = n₀ + … + nᵢ₋₁
//
// Its backward pass slices dy with Slice (whose backward is SliceBackward),
// so every order of derivative is exact.
//
// It panics if it has no input, if an input is 0-d, if Axis is out of range
// or if the shapes differ elsewhere than on Axis.
type Concat[T tensor.Float] struct {
	arena[T]
	Axis   int
	axis   int
	shapes [][]int
	skip   []bool // the legacy empty inputs
}

func (*Concat[T]) Name() string { return "Concat" }

func (op *Concat[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	if len(in) == 0 {
		panic(errConcatNone)
	}
	op.shapes = make([][]int, len(in))
	for i, x := range in {
		op.shapes[i] = x.Shape()
	}
	for i, sh := range op.shapes {
		if len(sh) == 0 {
			panic(fmt.Sprintf(errConcat0D, i, op.shapes))
		}
	}
	// The first input that is not a legacy empty one fixes the shape.
	op.skip = make([]bool, len(in))
	ref := -1
	for i, sh := range op.shapes {
		op.skip[i] = len(sh) == 1 && sh[0] == 0
		if ref < 0 && !op.skip[i] {
			ref = i
		}
	}
	if ref < 0 { // all legacy empty: their concatenation is one
		ref = 0
		clear(op.skip)
	}
	rank := len(op.shapes[ref])
	axis, err := tensor.CheckAxis(op.Axis, rank)
	if err != nil {
		panic(fmt.Sprintf(errConcatAxis, op.shapes, reason(err)))
	}
	op.axis = axis
	out := append([]int(nil), op.shapes[ref]...)
	out[axis] = 0
	for i, sh := range op.shapes {
		if op.skip[i] {
			continue
		}
		if len(sh) != rank {
			panic(fmt.Sprintf(errConcatRank, i, len(sh), ref, rank, op.shapes))
		}
		for a, d := range sh {
			if a != axis && d != out[a] {
				panic(fmt.Sprintf(errConcatSize, i, d, a, ref, out[a], axis, op.shapes))
			}
		}
		out[axis] += sh[axis]
	}
	y := op.ar.NewUninit(out...)
	off := 0
	for i, x := range in {
		if op.skip[i] {
			continue
		}
		scatterMaps(y.Data(), out, x.Data(), op.placement(out, off, op.shapes[i]), false)
		off += op.shapes[i][axis]
	}
	return y
}

// placement returns the index maps that place an input of shape sh at
// offset off along the axis of an output of shape out.
func (op *Concat[T]) placement(out []int, off int, sh []int) [][]int {
	maps := make([][]int, len(out))
	for a, n := range sh {
		m := make([]int, n)
		for o := range m {
			m[o] = o
			if a == op.axis {
				m[o] += off
			}
		}
		maps[a] = m
	}
	return maps
}

func (op *Concat[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := make([]*tensor.Tensor[T], len(op.shapes))
	off := 0
	for i, sh := range op.shapes {
		if op.skip[i] {
			if needs[i] {
				dx[i] = op.ar.New(0)
			}
			continue
		}
		if needs[i] {
			dx[i] = op.ar.NewUninit(sh...)
			gatherMaps(dx[i].Data(), dy.Data(), dy.Shape(), op.placement(dy.Shape(), off, sh), 0)
		}
		off += sh[op.axis]
	}
	return dx
}

func (*Concat[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar slices each input's part out of dy with Slice.
func (op *Concat[T]) BackwardVar(_ []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	dx := make([]*v[T], len(op.shapes))
	off := 0
	for i, sh := range op.shapes {
		if op.skip[i] {
			if needs[i] {
				dx[i] = vConst(tensor.New[T](0)) // no element, no derivative
			}
			continue
		}
		if needs[i] {
			ranges := make([]Range, op.axis+1)
			for a := range ranges {
				ranges[a] = Range{0, End, 1}
			}
			ranges[op.axis] = Range{off, off + sh[op.axis], 1}
			dx[i] = vSlice(dy, ranges)
		}
		off += sh[op.axis]
	}
	return dx
}
