package ops

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/fmath"
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"

	"github.com/tapegrad/tapegrad/tensor"
)

// ReLU is the rectified linear unit. It keeps its output; the gradient at 0
// is 0, as in PyTorch and the course, and NaN passes through as NaN (with a
// zero gradient), so that a diverging run is not hidden.
//
//	y  = max(x, 0)
//	dx = dy ⊙ [y > 0]
//
// Its backward is differentiable with the mask [y > 0] a constant, so the
// second derivative is 0 everywhere, at 0 included, as in PyTorch.
//
// It panics unless it is given exactly one input.
type ReLU[T tensor.Float] struct {
	arena[T]
	y *tensor.Tensor[T]
}

func (*ReLU[T]) Name() string { return "ReLU" }

func (op *ReLU[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("ReLU", in, 1)
	op.y = op.ar.NewUninit(in[0].Shape()...)
	y, x := op.y.Data(), in[0].Data()
	parallel.Chunks(len(y), parallel.Grain, func(lo, hi int) { vec.ReLU(y[lo:hi], x[lo:hi]) })
	return op.y
}

func (op *ReLU[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(dy.Shape()...)
	d, y, g := dx.Data(), op.y.Data(), dy.Data()
	parallel.Chunks(len(d), parallel.Grain, func(lo, hi int) {
		switch d := any(d[lo:hi]).(type) {
		case []float32:
			reluMask32(d, any(g[lo:hi]).([]float32), any(y[lo:hi]).([]float32))
		case []float64:
			reluMask64(d, any(g[lo:hi]).([]float64), any(y[lo:hi]).([]float64))
		}
	})
	return []*tensor.Tensor[T]{dx}
}

// reluMask32 sets d = g where y > 0 and 0 elsewhere without a branch per
// element (random signs would make every other branch a misprediction): y
// is in (0, +Inf] exactly when its bits, less one, are below those of +Inf,
// and that comparison becomes a conditional move of an all-ones mask.
func reluMask32(d, g, y []float32) {
	g, y = g[:len(d)], y[:len(d)]
	for i := range d {
		var m uint32
		if math.Float32bits(y[i])-1 < 0x7f800000 {
			m = ^uint32(0)
		}
		d[i] = math.Float32frombits(math.Float32bits(g[i]) & m)
	}
}

// reluMask64 is reluMask32 for float64.
func reluMask64(d, g, y []float64) {
	g, y = g[:len(d)], y[:len(d)]
	for i := range d {
		var m uint64
		if math.Float64bits(y[i])-1 < 0x7ff0000000000000 {
			m = ^uint64(0)
		}
		d[i] = math.Float64frombits(math.Float64bits(g[i]) & m)
	}
}

func (op *ReLU[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.y} }

// BackwardVar masks dy with [y > 0], a constant, through branchScale.
func (*ReLU[T]) BackwardVar(_ []*v[T], y, dy *v[T], _ []bool) []*v[T] {
	pos := maskWhere(y.Value(), func(y T) bool { return y > 0 })
	return []*v[T]{autograd.Apply[T](&branchScale[T]{mask: pos}, dy)}
}

// LeakyReLU lets a fraction Slope of negative inputs through. It keeps its
// input.
//
//	y  = x        if x > 0,   Slope·x otherwise
//	dx = dy       if x > 0,   Slope·dy otherwise
//
// Its backward is differentiable with the branch a constant: the second
// derivative is 0, as in PyTorch.
//
// It panics unless it is given exactly one input.
type LeakyReLU[T tensor.Float] struct {
	arena[T]
	Slope T
	x     *tensor.Tensor[T]
}

func (*LeakyReLU[T]) Name() string { return "LeakyReLU" }

func (op *LeakyReLU[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("LeakyReLU", in, 1)
	op.x = in[0]
	y := op.ar.NewUninit(op.x.Shape()...)
	yd := y.Data()
	for i, v := range op.x.Data() {
		if v > 0 {
			yd[i] = v
		} else {
			yd[i] = op.Slope * v
		}
	}
	return y
}

func (op *LeakyReLU[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(dy.Shape()...)
	d, x := dx.Data(), op.x.Data()
	for i, g := range dy.Data() {
		if x[i] > 0 {
			d[i] = g
		} else {
			d[i] = op.Slope * g
		}
	}
	return []*tensor.Tensor[T]{dx}
}

func (op *LeakyReLU[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

// BackwardVar scales dy by 1 where x > 0 and by Slope elsewhere, the
// branch being a constant, through branchScale.
func (op *LeakyReLU[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	pos := maskWhere(in[0].Value(), func(x T) bool { return x > 0 })
	return []*v[T]{autograd.Apply[T](&branchScale[T]{mask: pos, other: op.Slope}, dy)}
}

// ELU is the exponential linear unit with scale Alpha. It keeps its input.
//
//	y  = x              if x > 0,   Alpha·(eˣ − 1) otherwise
//	dx = dy             if x > 0,   dy ⊙ Alpha·eˣ otherwise
//
// The negative branch is computed as Alpha·expm1(x), exact to the last bit
// near 0 (PyTorch 1.13 computes eˣ − 1, which loses relative precision
// there), and its derivative as Alpha·eˣ, as PyTorch does, rather than read
// off the output as y + Alpha, which cancels to 0 for x below about −37.
// A NaN input gives NaN and passes the gradient through, as in PyTorch.
// Its backward is differentiable, the branch a constant: the second
// derivative is dy·Alpha·eˣ for x ≤ 0 and 0 for x > 0, finite for every
// finite x (eˣ is taken only of x ≤ 0).
//
// It panics unless it is given exactly one input.
type ELU[T tensor.Float] struct {
	arena[T]
	Alpha T
	x     *tensor.Tensor[T]
}

func (*ELU[T]) Name() string { return "ELU" }

func (op *ELU[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("ELU", in, 1)
	op.x = in[0]
	y := op.ar.NewUninit(op.x.Shape()...)
	yd := y.Data()
	for i, v := range op.x.Data() {
		if v <= 0 {
			yd[i] = op.Alpha * T(math.Expm1(float64(v)))
		} else {
			yd[i] = v
		}
	}
	return y
}

func (op *ELU[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(dy.Shape()...)
	d, x := dx.Data(), op.x.Data()
	for i, g := range dy.Data() {
		if x[i] <= 0 {
			d[i] = g * op.Alpha * T(fmath.Exp(float64(x[i])))
		} else {
			d[i] = g
		}
	}
	return []*tensor.Tensor[T]{dx}
}

func (op *ELU[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

// BackwardVar writes dx = dy ⊙ s with s = 1 where x > 0 and Alpha·eˣ
// elsewhere, taking eˣ of x with its positive elements masked to 0, so that
// no large x overflows to an infinity that a mask would turn into NaN. The
// branches are constants.
func (op *ELU[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	x := in[0]
	neg := maskWhere(x.Value(), func(x T) bool { return x <= 0 })
	ones := tensor.New[T](x.Shape()...)
	for i, n := range neg {
		if !n {
			ones.Data()[i] = 1
		}
	}
	xNeg := autograd.Apply[T](&branchScale[T]{mask: neg}, x)
	slope := autograd.Apply[T](&branchScale[T]{mask: neg}, vScale(vExp(xNeg), op.Alpha))
	return []*v[T]{vMul(dy, vAdd(vConst(ones), slope))}
}

// Tanh is the element-wise hyperbolic tangent. It keeps its output.
//
//	y  = tanh x
//	dx = dy ⊙ (1 − y²)
//
// 1 − y² is rounded once (a fused multiply-add; exact in float64 for a
// float32 y), as PyTorch's float32 kernel has it: where y is near ±1 the
// gradient keeps the precision that 1 − fl(y·y) would lose. In float32 y
// comes from vec.Tanh32 (float64 lanes rounded once: within 1 ulp of
// tanh x correctly rounded, and almost always equal to it).
//
// It panics unless it is given exactly one input.
type Tanh[T tensor.Float] struct {
	arena[T]
	y *tensor.Tensor[T]
}

func (*Tanh[T]) Name() string { return "Tanh" }

func (op *Tanh[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Tanh", in, 1)
	if op.y = mapVec32(op.ar, in[0], vec.Tanh32); op.y == nil {
		op.y = op.ar.Tanh(in[0])
	}
	return op.y
}

func (op *Tanh[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(dy.Shape()...)
	d, y, g := dx.Data(), op.y.Data(), dy.Data()
	parallel.Chunks(len(d), parallel.Grain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := float64(y[i])
			d[i] = g[i] * T(math.FMA(-v, v, 1))
		}
	})
	return []*tensor.Tensor[T]{dx}
}

func (op *Tanh[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.y} }

// BackwardVar writes 1 − y² as (1 − y)(1 + y), which keeps the precision
// near y = ±1 that Backward's fused multiply-add keeps.
func (*Tanh[T]) BackwardVar(_ []*v[T], y, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vMul(dy, vMul(vAddScalar(vNeg(y), 1), vAddScalar(y, 1)))}
}

// Sigmoid is the element-wise logistic function, computed without overflow.
// It keeps its output.
//
//	y  = σ(x) = 1 / (1 + e⁻ˣ)
//	dx = dy ⊙ y ⊙ (1 − y)
//
// In float32 y comes from vec.Sigmoid32 (float64 lanes rounded once:
// within 1 ulp of σ(x) correctly rounded, and almost always equal to it).
//
// It panics unless it is given exactly one input.
type Sigmoid[T tensor.Float] struct {
	arena[T]
	y *tensor.Tensor[T]
}

func (*Sigmoid[T]) Name() string { return "Sigmoid" }

func (op *Sigmoid[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Sigmoid", in, 1)
	if op.y = mapVec32(op.ar, in[0], vec.Sigmoid32); op.y == nil {
		op.y = op.ar.Sigmoid(in[0])
	}
	return op.y
}

func (op *Sigmoid[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(dy.Shape()...)
	d, y, g := dx.Data(), op.y.Data(), dy.Data()
	parallel.Chunks(len(d), parallel.Grain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			d[i] = g[i] * y[i] * (1 - y[i])
		}
	})
	return []*tensor.Tensor[T]{dx}
}

func (op *Sigmoid[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.y} }

func (*Sigmoid[T]) BackwardVar(_ []*v[T], y, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vMul(vMul(dy, y), vAddScalar(vNeg(y), 1))}
}

// maskWhere returns whether each element of t satisfies keep.
func maskWhere[T tensor.Float](t *tensor.Tensor[T], keep func(T) bool) []bool {
	m := make([]bool, t.Size())
	for i, x := range t.Data() {
		m[i] = keep(x)
	}
	return m
}

// branchScale multiplies each element of its input by 1 where mask holds and
// by other elsewhere; other = 0 gives an exact 0, as PyTorch's
// threshold_backward does, not 0·x, which is NaN for an infinite x. It is the
// derivative of the piecewise activations ReLU, LeakyReLU and ELU in their
// differentiable backward passes, the mask — which branch each element is
// on — being a constant. It keeps the mask.
//
//	y  = x ⊙ s,   s = 1 where mask, other elsewhere
//	dx = dy ⊙ s
//
// It is linear with a diagonal Jacobian, its own adjoint: its backward
// applies it again, to every order.
//
// It panics unless it is given exactly one input, of as many elements as
// the mask.
type branchScale[T tensor.Float] struct {
	arena[T]
	mask  []bool
	other T
}

func (*branchScale[T]) Name() string { return "branchScale" }

func (op *branchScale[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("branchScale", in, 1)
	if in[0].Size() != len(op.mask) {
		panic(fmt.Sprintf(errBranchScale, in[0].Shape(), len(op.mask)))
	}
	return op.apply(in[0])
}

func (op *branchScale[T]) apply(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	y := op.ar.NewUninit(x.Shape()...)
	d := y.Data()
	for i, v := range x.Data() {
		switch {
		case op.mask[i]:
			d[i] = v
		case op.other == 0:
			d[i] = 0
		default:
			d[i] = op.other * v
		}
	}
	return y
}

func (op *branchScale[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.apply(dy)}
}

func (op *branchScale[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&branchScale[T]{mask: op.mask, other: op.other}, dy)}
}

func (*branchScale[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the mask, a byte per element.
func (op *branchScale[T]) ExtraSavedBytes() int { return len(op.mask) }
