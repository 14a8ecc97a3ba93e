package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// Cumsum is the cumulative sum of x along Dim, as torch.cumsum(x, dim);
// Reverse sums from the end instead, as torch.flip(torch.cumsum(
// torch.flip(x, [dim]), dim), [dim]) — the op's own adjoint. Along Dim, of
// size n,
//
//	y[i]  = Σ_{j ≤ i} x[j]        (Reverse: Σ_{j ≥ i} x[j])        x's shape
//	dx[i] = Σ_{j ≥ i} dy[j]       (Reverse: Σ_{j ≤ i} dy[j])       x's shape
//
// so its backward pass is Cumsum with Reverse flipped, whose backward is
// Cumsum again; the second derivative is 0. The sums run in float64 for
// float32 too, as PyTorch's on the CPU, then round once. Dim may be
// negative; a 0-d x takes Dim 0 (or −1) and is returned unchanged. An
// infinity or NaN propagates to every later sum (Inf − Inf is NaN). It
// keeps nothing.
//
// It panics unless it is given one input, with Dim in range.
type Cumsum[T tensor.Float] struct {
	arena[T]
	Dim     int
	Reverse bool
}

func (*Cumsum[T]) Name() string { return "Cumsum" }

func (op *Cumsum[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Cumsum", in, 1)
	x := in[0]
	if _, err := tensor.CheckAxis(op.Dim, max(x.NDim(), 1)); err != nil {
		panic(fmt.Sprintf(errIndexDim, "Cumsum", op.Dim, x.Shape()))
	}
	return op.cumsum(x, op.Reverse)
}

// cumsum returns the cumulative sum of x along Dim, from the end if rev.
func (op *Cumsum[T]) cumsum(x *tensor.Tensor[T], rev bool) *tensor.Tensor[T] {
	y := op.ar.NewUninit(x.Shape()...)
	dim := tensor.NormAxis(op.Dim, max(x.NDim(), 1))
	outer, inner := splitAt(x.Shape(), dim)
	n := sizeAlong(x.Shape(), dim)
	xd, yd := x.Data(), y.Data()
	for o := range outer {
		for j := range inner {
			base := o*n*inner + j
			s := 0.0
			for i := range n {
				k := i
				if rev {
					k = n - 1 - i
				}
				s += float64(xd[base+k*inner])
				yd[base+k*inner] = T(s)
			}
		}
	}
	return y
}

func (op *Cumsum[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.cumsum(dy, !op.Reverse)}
}

func (*Cumsum[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Cumsum of dy with Reverse flipped.
func (op *Cumsum[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&Cumsum[T]{Dim: op.Dim, Reverse: !op.Reverse}, dy)}
}
