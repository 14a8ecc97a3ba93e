package ops

import (
	"math"

	"github.com/tapegrad/tapegrad/internal/fmath"
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/tensor"
)

// LogSumExp computes log Σ exp over Axis, stably: the maximum m along the axis
// is subtracted before exponentiating, so that no term overflows. KeepDims
// keeps the axis with size 1. It keeps its input and its output.
//
//	y  = m + log Σ_axis exp(x − m)
//	dx = dy ⊙ exp(x − y)        (dy ⊙ softmax(x) along the axis)
//
// The exponentials are fmath.Exp's, right to the last subnormal, and the
// logarithm is log1p of the sum without the maximum's term, which is exactly
// 1 (see logSumExpShifted), so that y keeps its relative precision when it
// is close to 0. A slice
// containing +Inf gives +Inf. A slice that is entirely −Inf (a fully masked
// row) gives −Inf and, deliberately unlike PyTorch, whose gradient there is
// NaN (0·e^(−Inf+Inf)), a zero gradient: no term carries any weight, and a
// masked row does not poison the rest of the backward pass. Its backward is
// differentiable: BackwardVar reuses the output y.
//
// It panics on an axis out of range or of size 0.
type LogSumExp[T tensor.Float] struct {
	arena[T]
	Axis     int
	KeepDims bool
	x, y     *tensor.Tensor[T] // y with the axis kept, so it broadcasts against x
}

func (*LogSumExp[T]) Name() string { return "LogSumExp" }

func (op *LogSumExp[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("LogSumExp", in, 1)
	checkAxes("LogSumExp", in[0].Shape(), []int{op.Axis}, true)
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
			yd[o*inner+j] = T(m + logSumExpShifted(x[o*n*inner+j:], n, inner, m))
		}
	}
	op.y = y
	if op.KeepDims {
		return y
	}
	return y.Reshape(tensor.ReducedShape(op.x.Shape(), false, op.Axis)...)
}

// logSumExpShifted returns log Σᵢ exp(xᵢ − m) over the n values x[i·stride]
// whose maximum is m. The first term equal to m is exactly 1, so the sum is
// 1 + r, and it returns log1p(r): a sum close to 1 keeps its relative
// precision, which log(1 + r) would round away. For m infinite or NaN it is
// the log of the whole sum (NaN where PyTorch's is).
func logSumExpShifted[T tensor.Float](x []T, n, stride int, m float64) float64 {
	if math.IsInf(m, 0) || math.IsNaN(m) {
		s := 0.0
		for i := range n {
			s += fmath.Exp(float64(x[i*stride]) - m)
		}
		return fmath.Log(s)
	}
	r, skipped := 0.0, false
	for i := range n {
		v := float64(x[i*stride])
		if v == m && !skipped {
			skipped = true
			continue
		}
		r += fmath.Exp(v - m)
	}
	return math.Log1p(r)
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

// BackwardVar writes dx = dy ⊙ exp(x − y) with the output y, the axis kept.
// Rows that are entirely −Inf get an exact zero gradient, as in Backward:
// x and y are set to 0 there before the difference, and the result after.
func (op *LogSumExp[T]) BackwardVar(in []*v[T], out, dy *v[T], _ []bool) []*v[T] {
	kept := op.y.Shape()
	x, y, g := in[0], vReshape(out, kept...), vReshape(dy, kept...)
	masked := make([]bool, op.y.Size())
	found := false
	for i, yv := range op.y.Data() {
		if math.IsInf(float64(yv), -1) {
			masked[i], found = true, true
		}
	}
	if !found {
		return []*v[T]{vMul(g, vExp(vSub(x, y)))}
	}
	rows := make([]bool, op.x.Size())
	outer, n, inner := op.layout()
	for o := range outer {
		for i := range n {
			for j := range inner {
				rows[(o*n+i)*inner+j] = masked[o*inner+j]
			}
		}
	}
	w := vExp(vSub(vZeroWhere(x, rows), vZeroWhere(y, masked)))
	return []*v[T]{vZeroWhere(vMul(g, w), rows)}
}

// LogSoftmax is the logarithm of the softmax along Axis, computed as
// PyTorch's log_softmax is: with m the maximum along the axis,
//
//	y  = (x − m) − log Σ_axis exp(x − m)      shape of x
//	dx = dy − exp(y) ⊙ Σ_axis dy              shape of x
//
// Where x is close to m, x − m is exact, so the log-probabilities of the
// likely classes keep their relative precision however large the logits
// (709 in float64, 88 in float32), which x − LogSumExp(x) would lose to the
// rounding of a large log-sum-exp; and log Σ exp(x − m) = log1p of the sum
// without the maximum's term, exactly 1, keeps its relative precision when
// that sum is close to 1 (PyTorch's log of the whole sum loses about 1e-12
// relative there). Sums and logarithms are taken in float64 and rounded
// once to T; in float32, rows along the last axis take their exponentials
// four at a time (vec.ExpSum32 forward, vec.SoftmaxGrad32 backward, within
// 2 ulp of math.Exp in float64, a difference of more than 700 below the
// maximum taken as 700), other rows and those holding NaN or ±Inf
// fmath.Exp's one at a time. Slices run in parallel. It keeps its output. A slice that is entirely −Inf,
// or holds +Inf or NaN, gives NaN, as in PyTorch. Its backward is
// differentiable: BackwardVar takes the softmax as exp(y) of the output y.
//
// It panics on an axis out of range or of size 0.
type LogSoftmax[T tensor.Float] struct {
	arena[T]
	Axis int
	y    *tensor.Tensor[T]
}

func (*LogSoftmax[T]) Name() string { return "LogSoftmax" }

func (op *LogSoftmax[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("LogSoftmax", in, 1)
	x := in[0]
	checkAxes("LogSoftmax", x.Shape(), []int{op.Axis}, true)
	m := op.ar.Max(x, op.Axis, true)
	outer, n, inner := op.layout(x.Shape())
	op.y = op.ar.NewUninit(x.Shape()...)
	xd, md, yd := x.Data(), m.Data(), op.y.Data()
	parallel.Chunks(outer, logSoftmaxGrain(n*inner), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			for j := range inner {
				mv := float64(md[o*inner+j])
				ls, ok := 0.0, false
				if inner == 1 {
					ls, ok = logSumExpRow32(xd[o*n:][:n], mv)
				}
				if !ok {
					ls = logSumExpShifted(xd[o*n*inner+j:], n, inner, mv)
				}
				for i := range n {
					k := (o*n+i)*inner + j
					yd[k] = T((float64(xd[k]) - mv) - ls)
				}
			}
		}
	})
	return op.y
}

// logSoftmaxGrain is the number of slices of n values (one exponential
// each, about eight times a simple element-wise step) below which
// LogSoftmax does not split its loops among goroutines.
func logSoftmaxGrain(n int) int { return max(1, parallel.Grain/(8*max(n, 1))) }

// layout views a tensor of the given shape as outer×n×inner around the axis.
func (op *LogSoftmax[T]) layout(shape []int) (outer, n, inner int) {
	axis := tensor.NormAxis(op.Axis, len(shape))
	return tensor.NumElems(shape[:axis]), shape[axis], tensor.NumElems(shape[axis+1:])
}

func (op *LogSoftmax[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(dy.Shape()...)
	outer, n, inner := op.layout(dy.Shape())
	y, g, d := op.y.Data(), dy.Data(), dx.Data()
	parallel.Chunks(outer, logSoftmaxGrain(n*inner), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			for j := range inner {
				sg := 0.0
				for i := range n {
					sg += float64(g[(o*n+i)*inner+j])
				}
				if inner == 1 && softmaxGradRow32(d[o*n:][:n], g[o*n:][:n], y[o*n:][:n], sg) {
					continue
				}
				for i := range n {
					k := (o*n+i)*inner + j
					d[k] = T(float64(g[k]) - fmath.Exp(float64(y[k]))*sg)
				}
			}
		}
	})
	return []*tensor.Tensor[T]{dx}
}

func (op *LogSoftmax[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.y} }

// BackwardVar writes dx = dy − exp(y) ⊙ Σ_axis dy with the output y, so
// that the softmax exp(y) is differentiated too: this is where the Hessian
// diag(p) − ppᵀ of the softmax cross-entropy comes from.
func (op *LogSoftmax[T]) BackwardVar(_ []*v[T], out, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vSub(dy, vMul(vExp(out), vSum(dy, true, op.Axis)))}
}

// logSumExpRow32 returns log Σⱼ exp(xⱼ − m) as logSumExpShifted does, for
// a float32 row x whose maximum m is finite, its exponentials vec.ExpSum32's:
// log1p of the sums before and after the first term equal to m (exactly
// 1). It returns false, and nothing, for other types, for m infinite or
// NaN, and for a row holding NaN.
func logSumExpRow32[T tensor.Float](x []T, m float64) (float64, bool) {
	x32, ok := any(x).([]float32)
	if !ok || math.IsInf(m, 0) || math.IsNaN(m) {
		return 0, false
	}
	j := 0
	for j < len(x32) && float64(x32[j]) != m {
		j++
	}
	if j == len(x32) { // m is not one of the values: a NaN hid it
		return 0, false
	}
	r1, ok1 := vec.ExpSum32(x32[:j], m)
	r2, ok2 := vec.ExpSum32(x32[j+1:], m)
	return math.Log1p(r1 + r2), ok1 && ok2
}

// softmaxGradRow32 writes d = g − exp(y)·s for a float32 row by
// vec.SoftmaxGrad32 and reports whether it did: false for other types and
// for a row of y holding NaN, which the caller then does one value at a
// time.
func softmaxGradRow32[T tensor.Float](d, g, y []T, s float64) bool {
	d32, ok := any(d).([]float32)
	if !ok {
		return false
	}
	return vec.SoftmaxGrad32(d32, any(g).([]float32), any(y).([]float32), s)
}
