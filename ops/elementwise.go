package ops

import (
	"github.com/tapegrad/tapegrad/tensor"
)

// Exp is the element-wise exponential. It keeps its output.
//
//	y  = eˣ
//	dx = dy ⊙ y
//
// It is within 1 ulp over the whole range (tensor.Exp): finite in float64
// up to x = 709.782712893384, subnormal down to −745.13, 0 below.
//
// It panics unless it is given exactly one input.
type Exp[T tensor.Float] struct {
	arena[T]
	y *tensor.Tensor[T]
}

func (*Exp[T]) Name() string { return "Exp" }

func (op *Exp[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Exp", in, 1)
	op.y = op.ar.Exp(in[0])
	return op.y
}

func (op *Exp[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.ar.Mul(dy, op.y)}
}

func (op *Exp[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.y} }

func (*Exp[T]) BackwardVar(_ []*v[T], y, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vMul(dy, y)}
}

// Log is the element-wise natural logarithm. It keeps its input.
//
//	y  = ln x
//	dx = dy / x
//
// It is within 1 ulp for subnormal x too (ln 5e-324 = −744.44), where the
// gradient 1/x overflows to +Inf, as in PyTorch. Log(±0) is −Inf and its
// gradient ±Inf; below 0 both are NaN.
//
// It panics unless it is given exactly one input.
type Log[T tensor.Float] struct {
	arena[T]
	x *tensor.Tensor[T]
}

func (*Log[T]) Name() string { return "Log" }

func (op *Log[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Log", in, 1)
	op.x = in[0]
	return op.ar.Log(op.x)
}

func (op *Log[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.ar.Div(dy, op.x)}
}

func (op *Log[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

func (*Log[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vDiv(dy, in[0])}
}

// Sqrt is the element-wise square root. It keeps its output.
//
//	y  = √x
//	dx = dy / (2y)
//
// At 0 the gradient is +Inf; below 0 value and gradient are NaN.
//
// It panics unless it is given exactly one input.
type Sqrt[T tensor.Float] struct {
	arena[T]
	y *tensor.Tensor[T]
}

func (*Sqrt[T]) Name() string { return "Sqrt" }

func (op *Sqrt[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Sqrt", in, 1)
	op.y = op.ar.Sqrt(in[0])
	return op.y
}

func (op *Sqrt[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(dy.Shape()...)
	d, g, y := dx.Data(), dy.Data(), op.y.Data()
	for i := range d {
		d[i] = g[i] / (2 * y[i])
	}
	return []*tensor.Tensor[T]{dx}
}

func (op *Sqrt[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.y} }

func (*Sqrt[T]) BackwardVar(_ []*v[T], y, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vDiv(dy, vScale(y, 2))}
}

// Pow raises every element to the constant power P, as torch.pow(x, P)
// does. It keeps its input.
//
//	y  = xᴾ
//	dx = dy ⊙ (P·xᴾ⁻¹)      (0 for P = 0)
//
// Both powers are tensor.Pow's, which takes PyTorch's shortcuts for the
// exponents 0, 1, 2, 3, −1, −2, ½ and −½ and is fmath.Pow otherwise (with
// math.Pow's special cases, and within 1 ulp for |P| ≤ 3), so the
// signs of zeros and infinities match PyTorch's at x = ±0 and ±Inf: for
// P = ½ the gradient at −0 is 0.5/√−0 = −Inf, for P = 2 it is 2·(−0) = −0,
// and for P = 0 it is 0 even where x is NaN. A negative x with a non-integer
// P gives NaN. Its backward is differentiable, a Pow of exponent P − 1,
// so the same special cases hold at every order, as in PyTorch: xᴾ⁻¹ for
// P = 1 is x⁰ = 1, whose own derivative is 0.
//
// It panics unless it is given exactly one input.
type Pow[T tensor.Float] struct {
	arena[T]
	P T
	x *tensor.Tensor[T]
}

func (*Pow[T]) Name() string { return "Pow" }

func (op *Pow[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Pow", in, 1)
	op.x = in[0]
	return op.ar.Pow(op.x, op.P)
}

func (op *Pow[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	if op.P == 0 {
		// d/dx x⁰ = 0 everywhere, as PyTorch has it (0·x⁻¹ would be NaN at 0).
		return []*tensor.Tensor[T]{op.ar.New(dy.Shape()...)}
	}
	// PyTorch's order: the exponent less 1 in float64, then rounded to T;
	// dy ⊙ (P·xᴾ⁻¹).
	dx := op.ar.Pow(op.x, T(float64(op.P)-1))
	d, g, p := dx.Data(), dy.Data(), op.P
	for i := range d {
		d[i] = g[i] * (p * d[i])
	}
	return []*tensor.Tensor[T]{dx}
}

func (op *Pow[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

// BackwardVar writes dx = dy ⊙ (P·xᴾ⁻¹) with a Pow of exponent P − 1, so
// that its special cases hold at every order; for P = 0 the gradient is
// zero (nil).
func (op *Pow[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	if op.P == 0 {
		return []*v[T]{nil}
	}
	return []*v[T]{vMul(dy, vScale(vPow(in[0], T(float64(op.P)-1)), op.P))}
}
