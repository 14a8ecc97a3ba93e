package functional

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// LayerNorm is PyTorch's F.layer_norm(input, normalized_shape, weight,
// bias, eps): it normalizes x (shape …×S, S = normalizedShape) over its
// last len(S) axes, with the biased variance, then scales by weight and
// shifts by bias (both of shape S):
//
//	μ, σ² = mean and variance of x over the last len(S) axes
//	y = γ ⊙ (x − μ)/√(σ² + eps) + β
//
// weight and bias may each be nil, as PyTorch's None: a missing γ is 1 and
// a missing β is 0. It is the fused op ops.LayerNorm, whose backward is
// derived by hand and which is differentiable to any order (its BackwardVar
// recomputes the statistics with ops). It panics if normalizedShape is
// empty, if x does not end in it, or if weight or bias is not of that shape.
func LayerNorm[T tensor.Float](x *autograd.Var[T], normalizedShape []int, weight, bias *autograd.Var[T], eps T) *autograd.Var[T] {
	checkNorm("LayerNorm", x, normalizedShape, weight, bias)
	op := &ops.LayerNorm[T]{Shape: normalizedShape, Eps: eps}
	switch {
	case weight == nil && bias == nil:
		return autograd.Apply[T](op, x)
	case bias == nil:
		return autograd.Apply[T](op, x, weight)
	case weight == nil:
		// A constant 1 for γ, which asks for no gradient.
		weight = autograd.NewConst(tensor.Ones[T](normalizedShape...))
	}
	return autograd.Apply[T](op, x, weight, bias)
}

// LayerNormComposed computes the same as LayerNorm with tape primitives
// only — MeanKeepDims, Sub, Mul, AddScalar, Rsqrt, Add — so that the tape
// derives its backward. It is the reference the fused op is checked
// against, and keeps more memory for the backward pass (x − μ, its square's
// mean, x̂ and the products, where the fused op keeps x and two numbers per
// row). It panics as LayerNorm.
func LayerNormComposed[T tensor.Float](x *autograd.Var[T], normalizedShape []int, weight, bias *autograd.Var[T], eps T) *autograd.Var[T] {
	checkNorm("LayerNormComposed", x, normalizedShape, weight, bias)
	axes := trailingAxes(len(x.Shape()), len(normalizedShape))
	xc := Sub(x, MeanKeepDims(x, axes...))
	y := Mul(xc, Rsqrt(AddScalar(MeanKeepDims(Mul(xc, xc), axes...), eps)))
	if weight != nil {
		y = Mul(y, weight)
	}
	if bias != nil {
		y = Add(y, bias)
	}
	return y
}

// RMSNorm is root-mean-square normalization over the last len(S) axes of x
// (S = normalizedShape), as PyTorch 2.x's F.rms_norm, scaled by weight (of
// shape S, or nil for none):
//
//	y = γ ⊙ x/√(mean(x²) + eps)
//
// PyTorch 2.x's eps=None means the machine epsilon of the dtype; Go has no
// None for a float, so eps is always given (nn.NewRMSNorm defaults it to
// that epsilon). It is the fused op ops.RMSNorm, differentiable to any
// order. It panics if normalizedShape is empty, if x does not end in it, or
// if weight is not of that shape.
func RMSNorm[T tensor.Float](x *autograd.Var[T], normalizedShape []int, weight *autograd.Var[T], eps T) *autograd.Var[T] {
	checkNorm("RMSNorm", x, normalizedShape, weight, nil)
	op := &ops.RMSNorm[T]{Shape: normalizedShape, Eps: eps}
	if weight == nil {
		return autograd.Apply[T](op, x)
	}
	return autograd.Apply[T](op, x, weight)
}

// RMSNormComposed computes the same as RMSNorm with tape primitives only
// (Mul, MeanKeepDims, AddScalar, Rsqrt), the reference the fused op is
// checked against. It panics as RMSNorm.
func RMSNormComposed[T tensor.Float](x *autograd.Var[T], normalizedShape []int, weight *autograd.Var[T], eps T) *autograd.Var[T] {
	checkNorm("RMSNormComposed", x, normalizedShape, weight, nil)
	axes := trailingAxes(len(x.Shape()), len(normalizedShape))
	y := Mul(x, Rsqrt(AddScalar(MeanKeepDims(Mul(x, x), axes...), eps)))
	if weight != nil {
		y = Mul(y, weight)
	}
	return y
}

// checkNorm panics unless x ends in the non-empty shape s and weight and
// bias, where given, have shape s.
func checkNorm[T tensor.Float](name string, x *autograd.Var[T], s []int, weight, bias *autograd.Var[T]) {
	xs := x.Shape()
	if len(s) == 0 || len(s) > len(xs) || !tensor.EqualShapes(xs[len(xs)-len(s):], s) {
		panic(fmt.Sprintf(errLNShape, name, xs, s))
	}
	if weight != nil && !tensor.EqualShapes(weight.Shape(), s) {
		panic(fmt.Sprintf(errLNParam, name, "weight", weight.Shape(), s, xs))
	}
	if bias != nil && !tensor.EqualShapes(bias.Shape(), s) {
		panic(fmt.Sprintf(errLNParam, name, "bias", bias.Shape(), s, xs))
	}
}

// trailingAxes lists the last k axes of a rank-r input.
func trailingAxes(r, k int) []int {
	axes := make([]int, k)
	for i := range axes {
		axes[i] = r - k + i
	}
	return axes
}
