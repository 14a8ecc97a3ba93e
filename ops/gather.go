package ops

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/tapegrad/tapegrad/tensor"
)

// Gather picks one entry per row of an n×c matrix: entry Index[i] of row i,
// as PyTorch's x.gather(1, index[:, None]).squeeze(1). It is how cross-entropy
// reads the log-probability of each example's label. It keeps the indices and
// the input's shape.
//
//	y[i]             = x[i, Index[i]]            n
//	dx[i, Index[i]]  = dy[i], 0 elsewhere        n×c
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

// ExtraSavedBytes counts the indices.
func (op *Gather[T]) ExtraSavedBytes() int { return len(op.Index) * strconv.IntSize / 8 }
