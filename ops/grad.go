package ops

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// The Var-level vocabulary of the ops' differentiable backward passes
// (autograd.DifferentiableOp's BackwardVar): each function applies one op
// of this package to Vars, so that a backward pass written with them is
// recorded on the tape and can be differentiated again. They are what
// package functional offers users, under short names, because ops cannot
// import functional; BackwardVar reads like its Backward with Vars.

type v[T tensor.Float] = autograd.Var[T]

func vAdd[T tensor.Float](a, b *v[T]) *v[T] { return autograd.Apply[T](&Add[T]{}, a, b) }
func vSub[T tensor.Float](a, b *v[T]) *v[T] { return autograd.Apply[T](&Sub[T]{}, a, b) }
func vMul[T tensor.Float](a, b *v[T]) *v[T] { return autograd.Apply[T](&Mul[T]{}, a, b) }
func vDiv[T tensor.Float](a, b *v[T]) *v[T] { return autograd.Apply[T](&Div[T]{}, a, b) }
func vNeg[T tensor.Float](x *v[T]) *v[T]    { return autograd.Apply[T](&Neg[T]{}, x) }
func vExp[T tensor.Float](x *v[T]) *v[T]    { return autograd.Apply[T](&Exp[T]{}, x) }
func vLog[T tensor.Float](x *v[T]) *v[T]    { return autograd.Apply[T](&Log[T]{}, x) }
func vSqrt[T tensor.Float](x *v[T]) *v[T]   { return autograd.Apply[T](&Sqrt[T]{}, x) }
func vTanh[T tensor.Float](x *v[T]) *v[T]   { return autograd.Apply[T](&Tanh[T]{}, x) }
func vSigmoid[T tensor.Float](x *v[T]) *v[T] {
	return autograd.Apply[T](&Sigmoid[T]{}, x)
}
func vScale[T tensor.Float](x *v[T], c T) *v[T] { return autograd.Apply[T](&Scale[T]{C: c}, x) }
func vAddScalar[T tensor.Float](x *v[T], c T) *v[T] {
	return autograd.Apply[T](&AddScalar[T]{C: c}, x)
}
func vPow[T tensor.Float](x *v[T], p T) *v[T] { return autograd.Apply[T](&Pow[T]{P: p}, x) }

// vSum sums over axes (all when none), keeping them with size 1 when keep.
func vSum[T tensor.Float](x *v[T], keep bool, axes ...int) *v[T] {
	return autograd.Apply[T](&Sum[T]{Axes: axes, KeepDims: keep}, x)
}

// vMean averages over axes (all when none), keeping them when keep.
func vMean[T tensor.Float](x *v[T], keep bool, axes ...int) *v[T] {
	return autograd.Apply[T](&Mean[T]{Axes: axes, KeepDims: keep}, x)
}

func vReshape[T tensor.Float](x *v[T], shape ...int) *v[T] {
	if tensor.EqualShapes(x.Shape(), shape) {
		return x
	}
	return autograd.Apply[T](&Reshape[T]{Shape: shape}, x)
}

func vPermute[T tensor.Float](x *v[T], axes ...int) *v[T] {
	return autograd.Apply[T](&Permute[T]{Axes: axes}, x)
}

func vMatMul[T tensor.Float](a *v[T], transA bool, b *v[T], transB bool) *v[T] {
	return autograd.Apply[T](&MatMul[T]{TransA: transA, TransB: transB}, a, b)
}

// vExpand broadcasts x to shape; x itself when it has that shape.
func vExpand[T tensor.Float](x *v[T], shape ...int) *v[T] {
	if tensor.EqualShapes(x.Shape(), shape) {
		return x
	}
	return autograd.Apply[T](&Expand[T]{Shape: shape}, x)
}

// vSumTo sums x down to shape (the gradient of an operand broadcast to x's
// shape); x itself when it has that shape.
func vSumTo[T tensor.Float](x *v[T], shape ...int) *v[T] {
	if tensor.EqualShapes(x.Shape(), shape) {
		return x
	}
	return autograd.Apply[T](&SumTo[T]{Shape: shape}, x)
}

// vConst wraps a tensor as a constant: a mask or a kept value whose own
// derivative is zero (ReLU's y > 0, a max's position).
func vConst[T tensor.Float](t *tensor.Tensor[T]) *v[T] { return autograd.NewConst(t) }

// pickVar returns g if needed, else nil.
func pickVar[T tensor.Float](needed bool, g *v[T]) *v[T] {
	if needed {
		return g
	}
	return nil
}
