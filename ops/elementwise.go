package ops

import (
	"math"

	"github.com/tapegrad/tapegrad/tensor"
)

// Exp is the element-wise exponential. It keeps its output.
//
//	y  = eˣ
//	dx = dy ⊙ y
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

// Log is the element-wise natural logarithm. It keeps its input.
//
//	y  = ln x
//	dx = dy / x
//
// Log(0) is −Inf and its gradient ±Inf; below 0 both are NaN.
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

// Sqrt is the element-wise square root. It keeps its output.
//
//	y  = √x
//	dx = dy / (2y)
//
// At 0 the gradient is +Inf; below 0 value and gradient are NaN.
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

// Pow raises every element to the constant power P. It keeps its input.
//
//	y  = xᴾ
//	dx = dy ⊙ P·xᴾ⁻¹
//
// Values follow math.Pow: a negative x with a non-integer P gives NaN.
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
	dx := op.ar.New(dy.Shape()...)
	d, g, x := dx.Data(), dy.Data(), op.x.Data()
	p := float64(op.P)
	switch op.P {
	case 0:
		// d/dx x⁰ = 0 everywhere, as PyTorch has it (math.Pow would give 0·x⁻¹).
	case 1:
		copy(d, g)
	case 2:
		for i := range d {
			d[i] = 2 * x[i] * g[i]
		}
	default:
		for i := range d {
			d[i] = g[i] * T(p*math.Pow(float64(x[i]), p-1))
		}
	}
	return []*tensor.Tensor[T]{dx}
}

func (op *Pow[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }
