package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The element-wise math and activations of issue 18, with PyTorch's names,
// argument order and defaults (given in each doc comment, since Go has no
// default arguments).

// Clamp returns x limited to [min, max], as torch.clamp(x, min, max); see
// ops.Clamp. The gradient passes at the bounds (the interval is closed).
func Clamp[T tensor.Float](x *autograd.Var[T], min, max T) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Clamp[T]{Min: &min, Max: &max}, x)
}

// ClampMin returns max(x, min), as torch.clamp(x, min=min) (torch.clamp_min);
// see ops.Clamp.
func ClampMin[T tensor.Float](x *autograd.Var[T], min T) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Clamp[T]{Min: &min}, x)
}

// ClampMax returns min(x, max), as torch.clamp(x, max=max) (torch.clamp_max);
// see ops.Clamp.
func ClampMax[T tensor.Float](x *autograd.Var[T], max T) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Clamp[T]{Max: &max}, x)
}

// Abs returns |x| element by element, as torch.abs; the gradient at 0 is 0.
// See ops.Abs.
func Abs[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Abs[T]{}, x)
}

// Maximum returns the element-wise maximum of a and b, broadcast, as
// torch.maximum; ties split the gradient. See ops.Maximum.
func Maximum[T tensor.Float](a, b *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Maximum[T]{}, a, b)
}

// Minimum returns the element-wise minimum of a and b, broadcast, as
// torch.minimum; ties split the gradient. See ops.Minimum.
func Minimum[T tensor.Float](a, b *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Minimum[T]{}, a, b)
}

// Square returns x² element by element, as torch.square; see ops.Square.
func Square[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Square[T]{}, x)
}

// Rsqrt returns 1/√x element by element, as torch.rsqrt; see ops.Rsqrt.
func Rsqrt[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Rsqrt[T]{}, x)
}

// Log1p returns ln(1 + x) element by element, exact near 0, as
// torch.log1p; see ops.Log1p.
func Log1p[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Log1p[T]{}, x)
}

// Expm1 returns eˣ − 1 element by element, exact near 0, as torch.expm1;
// see ops.Expm1.
func Expm1[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Expm1[T]{}, x)
}

// GELU returns x Φ(x), as F.gelu(x, approximate=approximate): approximate
// is "none" (PyTorch's default) or "tanh". See ops.GELU.
func GELU[T tensor.Float](x *autograd.Var[T], approximate string) *autograd.Var[T] {
	return autograd.Apply[T](&ops.GELU[T]{Approximate: approximate}, x)
}

// SiLU returns x σ(x), as F.silu; see ops.SiLU.
func SiLU[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.SiLU[T]{}, x)
}

// Softplus returns ln(1 + e^(beta·x))/beta, and x where beta·x >
// threshold, as F.softplus(x, beta, threshold); PyTorch's defaults are
// beta 1 and threshold 20. See ops.Softplus.
func Softplus[T tensor.Float](x *autograd.Var[T], beta, threshold T) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Softplus[T]{Beta: beta, Threshold: threshold}, x)
}

// Mish returns x tanh(ln(1 + eˣ)), as F.mish; see ops.Mish.
func Mish[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Mish[T]{}, x)
}

// Hardtanh returns x clamped to [minVal, maxVal], as F.hardtanh(x, minVal,
// maxVal); PyTorch's defaults are −1 and 1. Unlike Clamp's, its gradient
// is 0 at the bounds. See ops.Hardtanh.
func Hardtanh[T tensor.Float](x *autograd.Var[T], minVal, maxVal T) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Hardtanh[T]{MinVal: minVal, MaxVal: maxVal}, x)
}

// ReLU6 returns min(max(x, 0), 6), as F.relu6, which is Hardtanh(x, 0, 6):
// the gradient is 0 at 0 and at 6.
func ReLU6[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] { return Hardtanh(x, 0, 6) }

// Hardswish returns x·relu6(x + 3)/6, as F.hardswish; see ops.Hardswish.
func Hardswish[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Hardswish[T]{}, x)
}

// Hardsigmoid returns relu6(x + 3)/6, as F.hardsigmoid; see ops.Hardsigmoid.
func Hardsigmoid[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Hardsigmoid[T]{}, x)
}

// Softsign returns x / (1 + |x|), as F.softsign.
//
// It is a composite of Abs, AddScalar and Div, as PyTorch's own softsign
// is (input / (input.abs() + 1)): so its values, gradients and second
// derivatives at the edges are PyTorch's — NaN at ±Inf (Inf/Inf), gradient
// 1 at 0 and second derivative 0 there — and an op of its own would save
// only the tensor |x| + 1 that Div keeps.
func Softsign[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return Div(x, AddScalar(Abs(x), 1))
}

// LogSigmoid returns ln σ(x), stable for large |x|, as F.logsigmoid; see
// ops.LogSigmoid.
func LogSigmoid[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.LogSigmoid[T]{}, x)
}

// PRelu returns x where x > 0 and weight·x elsewhere, as F.prelu(x,
// weight): weight holds one slope, or one per channel (axis 1 of x),
// broadcast along the other axes. See ops.PReLU.
func PRelu[T tensor.Float](x, weight *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.PReLU[T]{}, x, weight)
}
