package ops

import (
	"math"

	"github.com/tapegrad/tapegrad/internal/fmath"
	"github.com/tapegrad/tapegrad/tensor"
)

// LogSumExp computes log Σ exp over Axis, stably: the maximum m along the axis
// is subtracted before exponentiating, so that no term overflows. KeepDims
// keeps the axis with size 1. It keeps its input and its output.
//
//	y  = m + log Σ_axis exp(x − m)
//	dx = dy ⊙ exp(x − y)        (dy ⊙ softmax(x) along the axis)
//
// The exponentials are fmath.Exp's, right to the last subnormal. A slice
// containing +Inf gives +Inf. A slice that is entirely −Inf (a fully masked
// row) gives −Inf and, deliberately unlike PyTorch, whose gradient there is
// NaN (0·e^(−Inf+Inf)), a zero gradient: no term carries any weight, and a
// masked row does not poison the rest of the backward pass. It panics on an
// axis out of range or of size 0.
type LogSumExp[T tensor.Float] struct {
	arena[T]
	Axis     int
	KeepDims bool
	x, y     *tensor.Tensor[T] // y with the axis kept, so it broadcasts against x
}

func (*LogSumExp[T]) Name() string { return "LogSumExp" }

func (op *LogSumExp[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("LogSumExp", in, 1)
	op.x = in[0]
	y := op.ar.Max(op.x, op.Axis, true)
	outer, n, inner := op.layout()
	x, yd := op.x.Data(), y.Data()
	for o := range outer {
		for j := range inner {
			m := float64(yd[o*inner+j])
			if math.IsInf(m, 0) || math.IsNaN(m) {
				continue // −Inf, +Inf and NaN are their own log-sum-exp
			}
			s := 0.0
			for i := range n {
				s += fmath.Exp(float64(x[(o*n+i)*inner+j]) - m)
			}
			yd[o*inner+j] = T(m + fmath.Log(s))
		}
	}
	op.y = y
	if op.KeepDims {
		return y
	}
	return y.Reshape(tensor.ReducedShape(op.x.Shape(), false, op.Axis)...)
}

// layout views x as outer×n×inner around the reduced axis.
func (op *LogSumExp[T]) layout() (outer, n, inner int) {
	shape := op.x.Shape()
	axis := tensor.NormAxis(op.Axis, len(shape))
	return tensor.NumElems(shape[:axis]), shape[axis], tensor.NumElems(shape[axis+1:])
}

func (op *LogSumExp[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.New(op.x.Shape()...)
	outer, n, inner := op.layout()
	x, y, g, d := op.x.Data(), op.y.Data(), dy.Data(), dx.Data()
	for o := range outer {
		for j := range inner {
			yv := float64(y[o*inner+j])
			if math.IsInf(yv, -1) {
				continue // every term is −Inf: no term carries weight
			}
			gv := float64(g[o*inner+j])
			for i := range n {
				k := (o*n+i)*inner + j
				d[k] = T(gv * fmath.Exp(float64(x[k])-yv))
			}
		}
	}
	return []*tensor.Tensor[T]{dx}
}

func (op *LogSumExp[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x, op.y} }
