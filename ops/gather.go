package ops

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// Gather picks one entry per row of an n×c matrix: entry Index[i] of row i,
// as PyTorch's x.gather(1, index[:, None]).squeeze(1). It is how cross-entropy
// reads the log-probability of each example's label. It keeps the indices and
// the input's shape. It is the special case of GatherAxis (torch.gather in
// general) with Dim 1 and an n×1 index, kept as cross-entropy's fast path.
//
//	y[i]             = x[i, Index[i]]            n
//	dx[i, Index[i]]  = dy[i], 0 elsewhere        n×c
//
// Its backward is Scatter, whose backward is Gather again: every order of
// derivative is exact (and the second derivative with respect to x is 0).
//
// It panics unless the input is 2-d with one index per row, each in [0, c).
type Gather[T tensor.Float] struct {
	arena[T]
	Index []int
	shape []int
}

func (*Gather[T]) Name() string { return "Gather" }

func (op *Gather[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Gather", in, 1)
	x := in[0]
	if x.NDim() != 2 {
		panic(fmt.Sprintf(errGatherRank, x.Shape()))
	}
	n, c := x.Dim(0), x.Dim(1)
	if len(op.Index) != n {
		panic(fmt.Sprintf(errGatherLen, len(op.Index), n, x.Shape()))
	}
	op.shape = x.Shape()
	op.Index = slices.Clone(op.Index) // the caller may reuse its label buffer before backward
	y := op.ar.NewUninit(n)
	yd, xd := y.Data(), x.Data()
	for i, k := range op.Index {
		if k < 0 || k >= c {
			panic(fmt.Sprintf(errGatherIdx, k, i, c, x.Shape()))
		}
		yd[i] = xd[i*c+k]
	}
	return y
}

func (op *Gather[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.New(op.shape...)
	c := op.shape[1]
	d := dx.Data()
	for i, g := range dy.Data() {
		d[i*c+op.Index[i]] = g
	}
	return []*tensor.Tensor[T]{dx}
}

func (*Gather[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar scatters dy into the zero n×c matrix with Scatter, Gather's
// adjoint.
func (op *Gather[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&Scatter[T]{Index: op.Index, C: op.shape[1]}, dy)}
}

// ExtraSavedBytes counts the indices.
func (op *Gather[T]) ExtraSavedBytes() int { return len(op.Index) * strconv.IntSize / 8 }

// Scatter writes a vector of n values into a zero n×C matrix, value i at
// column Index[i] of row i, as PyTorch's
// torch.zeros(n, C).scatter(1, index[:, None], x[:, None]). It is Gather's
// adjoint: the backward pass of Gather and of Max and Min along an axis,
// and its own backward is Gather, so that those ops' backward passes can be
// differentiated to any order. It keeps the indices.
//
//	y[i, Index[i]]  = x[i], 0 elsewhere        n×C
//	dx[i]           = dy[i, Index[i]]          n
//
// It panics unless the input is 1-d with one index per element, each in
// [0, C), and C is at least 0.
type Scatter[T tensor.Float] struct {
	arena[T]
	Index []int
	C     int
}

func (*Scatter[T]) Name() string { return "Scatter" }

func (op *Scatter[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Scatter", in, 1)
	x := in[0]
	if x.NDim() != 1 {
		panic(fmt.Sprintf(errScatterRank, x.Shape()))
	}
	n := x.Dim(0)
	if op.C < 0 {
		panic(fmt.Sprintf(errScatterCols, op.C, x.Shape()))
	}
	if len(op.Index) != n {
		panic(fmt.Sprintf(errScatterLen, len(op.Index), n, x.Shape()))
	}
	for i, k := range op.Index {
		if k < 0 || k >= op.C {
			panic(fmt.Sprintf(errScatterIdx, k, i, op.C, x.Shape()))
		}
	}
	op.Index = slices.Clone(op.Index) // the caller may reuse its buffer before backward
	return scatterAlong(op.ar, x, []int{n, op.C}, 1, op.Index)
}

func (op *Scatter[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(len(op.Index))
	d, g := dx.Data(), dy.Data()
	for i, k := range op.Index {
		d[i] = g[i*op.C+k]
	}
	return []*tensor.Tensor[T]{dx}
}

func (*Scatter[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the indices.
func (op *Scatter[T]) ExtraSavedBytes() int { return len(op.Index) * strconv.IntSize / 8 }

// BackwardVar picks dy's entries at the indices with Gather.
func (op *Scatter[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&Gather[T]{Index: op.Index}, dy)}
}
