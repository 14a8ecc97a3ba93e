package ops

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/tensor"
)

// The element-wise math of issue 18: Clamp, Abs, Minimum, Maximum, Square,
// Rsqrt, Log1p and Expm1, with PyTorch's subgradients at the kinks.

// mapGrad returns a new tensor, its storage from ar, holding f(g, x) for
// the elements g of dy and x of x (tensors of one shape).
func mapGrad[T tensor.Float](ar *tensor.Arena[T], dy, x *tensor.Tensor[T], f func(g, x T) T) *tensor.Tensor[T] {
	dx := ar.NewUninit(dy.Shape()...)
	d, g, xs := dx.Data(), dy.Data(), x.Data()
	parallel.Chunks(len(d), parallel.Grain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d[i] = f(g[i], xs[i])
		}
	})
	return dx
}

// constOf returns a constant Var of x's shape holding f of each element of
// x's value: the slope of a piecewise function on the branch each element
// is on, whose own derivative is zero.
func constOf[T tensor.Float](x *v[T], f func(T) T) *v[T] {
	return vConst(tensor.Map(x.Value(), f))
}

// Clamp limits every element to [Min, Max], as torch.clamp; a nil bound is
// PyTorch's None, no limit on that side. It keeps its input.
//
//	y  = min(max(x, Min), Max)
//	dx = dy ⊙ [Min ≤ x ≤ Max]
//
// The gradient passes at the bounds themselves (the interval is closed, as
// PyTorch's clamp_backward has it: clamp(x, -1, 1) has gradient 1 at ±1,
// unlike Hardtanh), and is 0 for a NaN input, whose output is NaN. With
// Min > Max every element is Max and every gradient 0, as in PyTorch. The
// second derivative is 0 (the mask a constant).
//
// It panics unless it is given exactly one input, or when both bounds are
// nil.
type Clamp[T tensor.Float] struct {
	arena[T]
	Min, Max *T
	x        *tensor.Tensor[T]
}

func (*Clamp[T]) Name() string { return "Clamp" }

func (op *Clamp[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Clamp", in, 1)
	if op.Min == nil && op.Max == nil {
		panic(fmt.Sprintf(errClampNone, in[0].Shape()))
	}
	op.x = in[0]
	hasMin, hasMax := op.Min != nil, op.Max != nil
	var lo, hi T
	if hasMin {
		lo = *op.Min
	}
	if hasMax {
		hi = *op.Max
	}
	return op.ar.Map(op.x, func(x T) T {
		if hasMin && x < lo {
			x = lo
		}
		if hasMax && x > hi {
			x = hi
		}
		return x
	})
}

// inside reports whether x lies in [Min, Max] (false for NaN).
func (op *Clamp[T]) inside(x T) bool {
	return (op.Min == nil || x >= *op.Min) && (op.Max == nil || x <= *op.Max)
}

func (op *Clamp[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, x T) T {
		if op.inside(x) {
			return g
		}
		return 0
	})}
}

func (op *Clamp[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

// BackwardVar masks dy with [Min ≤ x ≤ Max], a constant.
func (op *Clamp[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&branchScale[T]{mask: maskWhere(in[0].Value(), op.inside)}, dy)}
}

// Abs is the element-wise absolute value, as torch.abs. It keeps its input.
//
//	y  = |x|
//	dx = dy ⊙ sgn(x),   sgn(±0) = 0,  sgn(NaN) = 0
//
// The subgradient at 0 is 0, and a NaN input has gradient 0, as PyTorch's
// dy·x.sgn(); dy·0 is still NaN for an infinite dy, as in PyTorch. The
// second derivative is 0 (the sign a constant).
//
// It panics unless it is given exactly one input.
type Abs[T tensor.Float] struct {
	arena[T]
	x *tensor.Tensor[T]
}

func (*Abs[T]) Name() string { return "Abs" }

func (op *Abs[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Abs", in, 1)
	op.x = in[0]
	return op.ar.Map(op.x, func(x T) T { return T(math.Abs(float64(x))) })
}

// sgn is x's sign: −1, 1, or 0 for ±0 and NaN.
func sgn[T tensor.Float](x T) T {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func (op *Abs[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, x T) T { return g * sgn(x) })}
}

func (op *Abs[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

// BackwardVar multiplies dy by sgn(x), a constant.
func (*Abs[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vMul(dy, constOf(in[0], sgn[T]))}
}

// Maximum is the element-wise maximum of two tensors with NumPy
// broadcasting, as torch.maximum. It keeps both operands.
//
//	y  = max(a, b)
//	da = dy ⊙ wa,   wa = 1 where a > b, ½ where a = b, 0 where a < b
//	db = dy ⊙ wb,   wb = 1 − wa
//
// summed down to each operand's shape. Ties split the gradient half and
// half, as PyTorch's; where either operand is NaN the output is NaN and
// both operands take the whole gradient (PyTorch's rule: neither a < b nor
// a > b holds). A zero weight gives an exact 0, as PyTorch's masked_fill,
// even for an infinite dy. The second derivative is 0 (the weights
// constants).
//
// It panics if a and b do not broadcast together.
type Maximum[T tensor.Float] struct {
	arena[T]
	a, b *tensor.Tensor[T]
}

func (*Maximum[T]) Name() string { return "Maximum" }

func (op *Maximum[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	op.a, op.b = extremumInputs("Maximum", in)
	return extremum(op.ar, op.a, op.b, 1)
}

func (op *Maximum[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return extremumBackward(op.ar, op.a, op.b, dy, needs, 1)
}

func (op *Maximum[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.a, op.b} }

// BackwardVar scales dy by the constant weights wa and wb.
func (*Maximum[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	return extremumBackwardVar(in, dy, needs, 1)
}

// Minimum is the element-wise minimum of two tensors with NumPy
// broadcasting, as torch.minimum. It keeps both operands.
//
//	y  = min(a, b)
//	da = dy ⊙ wa,   wa = 1 where a < b, ½ where a = b, 0 where a > b
//	db = dy ⊙ wb,   wb = 1 − wa
//
// summed down to each operand's shape; ties, NaN and zero weights are as
// in Maximum.
//
// It panics if a and b do not broadcast together.
type Minimum[T tensor.Float] struct {
	arena[T]
	a, b *tensor.Tensor[T]
}

func (*Minimum[T]) Name() string { return "Minimum" }

func (op *Minimum[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	op.a, op.b = extremumInputs("Minimum", in)
	return extremum(op.ar, op.a, op.b, -1)
}

func (op *Minimum[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return extremumBackward(op.ar, op.a, op.b, dy, needs, -1)
}

func (op *Minimum[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.a, op.b} }

// BackwardVar scales dy by the constant weights wa and wb.
func (*Minimum[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	return extremumBackwardVar(in, dy, needs, -1)
}

func extremumInputs[T tensor.Float](name string, in []*tensor.Tensor[T]) (a, b *tensor.Tensor[T]) {
	checkArity(name, in, 2)
	checkBroadcast(name, in[0], in[1])
	return in[0], in[1]
}

// extremum returns max(a, b) for sign 1 and min(a, b) for sign −1,
// broadcast, NaN where either is NaN.
func extremum[T tensor.Float](ar *tensor.Arena[T], a, b *tensor.Tensor[T], sign T) *tensor.Tensor[T] {
	out, _ := tensor.BroadcastShapes(a.Shape(), b.Shape())
	ea, eb := broadcastView(ar, a, out), broadcastView(ar, b, out)
	y := ar.NewUninit(out...)
	d, x, z := y.Data(), ea.Data(), eb.Data()
	for i := range d {
		switch {
		case x[i] != x[i] || z[i] != z[i]:
			d[i] = x[i] + z[i] // NaN
		case sign*x[i] >= sign*z[i]:
			d[i] = x[i]
		default:
			d[i] = z[i]
		}
	}
	return y
}

// broadcastView returns t broadcast to shape: t itself when it has that
// shape, else a copy from ar.
func broadcastView[T tensor.Float](ar *tensor.Arena[T], t *tensor.Tensor[T], shape []int) *tensor.Tensor[T] {
	if tensor.EqualShapes(t.Shape(), shape) {
		return t
	}
	return ar.BroadcastTo(t, shape...)
}

// extremumWeights returns the weights wa and wb of Maximum (sign 1) or
// Minimum (sign −1) in the broadcast shape.
func extremumWeights[T tensor.Float](a, b *tensor.Tensor[T], sign T) (shape []int, wa, wb []T) {
	shape, _ = tensor.BroadcastShapes(a.Shape(), b.Shape())
	ea, eb := broadcastView(nil, a, shape).Data(), broadcastView(nil, b, shape).Data()
	wa, wb = make([]T, len(ea)), make([]T, len(ea))
	for i := range ea {
		x, z := sign*ea[i], sign*eb[i]
		switch {
		case x == z:
			wa[i], wb[i] = 0.5, 0.5
		case x > z:
			wa[i] = 1
		case x < z:
			wb[i] = 1
		default: // NaN
			wa[i], wb[i] = 1, 1
		}
	}
	return shape, wa, wb
}

func extremumBackward[T tensor.Float](ar *tensor.Arena[T], a, b, dy *tensor.Tensor[T], needs []bool, sign T) []*tensor.Tensor[T] {
	_, wa, wb := extremumWeights(a, b, sign)
	g := make([]*tensor.Tensor[T], 2)
	for k, w := range [][]T{wa, wb} {
		if !needs[k] {
			continue
		}
		d := ar.NewUninit(dy.Shape()...)
		scaleExact(d.Data(), dy.Data(), w)
		g[k] = ar.SumTo(d, []*tensor.Tensor[T]{a, b}[k].Shape()...)
	}
	return g
}

func extremumBackwardVar[T tensor.Float](in []*v[T], dy *v[T], needs []bool, sign T) []*v[T] {
	_, wa, wb := extremumWeights(in[0].Value(), in[1].Value(), sign)
	g := make([]*v[T], 2)
	for k, w := range [][]T{wa, wb} {
		if needs[k] {
			g[k] = vSumTo(autograd.Apply[T](&weightScale[T]{w: w}, dy), in[k].Shape()...)
		}
	}
	return g
}

// scaleExact sets d = g ⊙ w, with an exact 0 where w is 0.
func scaleExact[T tensor.Float](d, g, w []T) {
	for i := range d {
		if w[i] == 0 {
			d[i] = 0
		} else {
			d[i] = g[i] * w[i]
		}
	}
}

// weightScale multiplies its input by constant weights, with an exact 0
// where a weight is 0 (not 0·x, which is NaN for an infinite x): Minimum's
// and Maximum's derivative in their differentiable backward passes. It
// keeps the weights.
//
//	y  = x ⊙ w
//	dx = dy ⊙ w
//
// It is linear with a diagonal Jacobian, its own adjoint, to every order.
//
// It panics unless it is given exactly one input of as many elements as
// weights.
type weightScale[T tensor.Float] struct {
	arena[T]
	w []T
}

func (*weightScale[T]) Name() string { return "weightScale" }

func (op *weightScale[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("weightScale", in, 1)
	if in[0].Size() != len(op.w) {
		panic(fmt.Sprintf(errWeightScale, in[0].Shape(), len(op.w)))
	}
	return op.apply(in[0])
}

func (op *weightScale[T]) apply(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	y := op.ar.NewUninit(x.Shape()...)
	scaleExact(y.Data(), x.Data(), op.w)
	return y
}

func (op *weightScale[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.apply(dy)}
}

func (op *weightScale[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&weightScale[T]{w: op.w}, dy)}
}

func (*weightScale[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the weights.
func (op *weightScale[T]) ExtraSavedBytes() int {
	var z T
	return len(op.w) * int(unsafe.Sizeof(z))
}

// Square is the element-wise square, as torch.square. It keeps its input.
//
//	y  = x²
//	dx = dy ⊙ 2x
//
// It panics unless it is given exactly one input.
type Square[T tensor.Float] struct {
	arena[T]
	x *tensor.Tensor[T]
}

func (*Square[T]) Name() string { return "Square" }

func (op *Square[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Square", in, 1)
	op.x = in[0]
	return op.ar.Mul(op.x, op.x)
}

func (op *Square[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, x T) T { return g * (2 * x) })}
}

func (op *Square[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

func (*Square[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vMul(dy, vScale(in[0], 2))}
}

// Rsqrt is the element-wise reciprocal square root, as torch.rsqrt. It
// keeps its output.
//
//	y  = 1/√x
//	dx = −½ dy ⊙ y³
//
// At +0 the output is +Inf and the gradient −Inf; at −0, −Inf and +Inf;
// below 0 both are NaN; at +Inf, 0 and −0, as in PyTorch.
//
// It panics unless it is given exactly one input.
type Rsqrt[T tensor.Float] struct {
	arena[T]
	y *tensor.Tensor[T]
}

func (*Rsqrt[T]) Name() string { return "Rsqrt" }

func (op *Rsqrt[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Rsqrt", in, 1)
	op.y = op.ar.Map(in[0], func(x T) T { return T(1 / math.Sqrt(float64(x))) })
	return op.y
}

func (op *Rsqrt[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.y, func(g, y T) T { return -0.5 * g * (y * y * y) })}
}

func (op *Rsqrt[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.y} }

func (*Rsqrt[T]) BackwardVar(_ []*v[T], y, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vMul(vScale(dy, -0.5), vPow(y, 3))}
}

// Log1p is ln(1 + x) element by element, as torch.log1p, exact near 0
// (math.Log1p, rounded once to T). It keeps its input.
//
//	y  = ln(1 + x)
//	dx = dy / (1 + x)
//
// At −1 the output is −Inf and the gradient +Inf; below −1 both are NaN.
//
// It panics unless it is given exactly one input.
type Log1p[T tensor.Float] struct {
	arena[T]
	x *tensor.Tensor[T]
}

func (*Log1p[T]) Name() string { return "Log1p" }

func (op *Log1p[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Log1p", in, 1)
	op.x = in[0]
	return op.ar.Map(op.x, func(x T) T { return T(math.Log1p(float64(x))) })
}

func (op *Log1p[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, x T) T { return g / (x + 1) })}
}

func (op *Log1p[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

func (*Log1p[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vDiv(dy, vAddScalar(in[0], 1))}
}

// Expm1 is eˣ − 1 element by element, as torch.expm1, exact near 0
// (math.Expm1, rounded once to T). It keeps its output.
//
//	y  = eˣ − 1
//	dx = dy ⊙ (y + 1)
//
// as PyTorch's backward, which reads the output.
//
// It panics unless it is given exactly one input.
type Expm1[T tensor.Float] struct {
	arena[T]
	y *tensor.Tensor[T]
}

func (*Expm1[T]) Name() string { return "Expm1" }

func (op *Expm1[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Expm1", in, 1)
	op.y = op.ar.Map(in[0], func(x T) T { return T(math.Expm1(float64(x))) })
	return op.y
}

func (op *Expm1[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.y, func(g, y T) T { return g * (y + 1) })}
}

func (op *Expm1[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.y} }

func (*Expm1[T]) BackwardVar(_ []*v[T], y, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vMul(dy, vAddScalar(y, 1))}
}
