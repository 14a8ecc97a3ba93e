package ops

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/fmath"
	"github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/tensor"
)

// The activations of issue 18: GELU, SiLU, Softplus, Mish, Hardtanh,
// Hardswish, Hardsigmoid, LogSigmoid and PReLU, each an op with PyTorch's
// settings and its subgradients at the kinks. Softsign is a composite in
// package functional (x / (1 + |x|)), as in PyTorch.
//
// Element-wise functions are computed in float64 and rounded once to T;
// the float32 paths of GELU (both forms) and SiLU, forward and backward,
// take package vec's kernels, within 1 ulp of that and almost always equal
// to it.

// sigmoid64 is σ(x) without overflow.
func sigmoid64(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + fmath.Exp(-x))
	}
	e := fmath.Exp(x)
	return e / (1 + e)
}

const (
	invSqrt2    = 0.70710678118654752440084436210484903928483593768847 // 1/√2
	invSqrt2Pi  = 0.39894228040143267793994605993438186847585863116493 // 1/√(2π)
	sqrt2OverPi = 0.79788456080286535587989211986876373695171726232986 // √(2/π)
	geluKappa   = 0.044715
)

// normalCDF64 is Φ(x) = ½ erfc(−x/√2), accurate in both tails.
func normalCDF64(x float64) float64 { return 0.5 * math.Erfc(-x*invSqrt2) }

// normalPDF64 is φ(x) = e^(−x²/2)/√(2π).
func normalPDF64(x float64) float64 { return invSqrt2Pi * fmath.Exp(-0.5*x*x) }

// GELU is the Gaussian error linear unit, as torch.nn.functional.gelu, with
// Approximate "none" (or "", PyTorch's default) or "tanh". It keeps its
// input.
//
//	"none":  y  = x Φ(x),   Φ(x) = ½ erfc(−x/√2)
//	         dx = dy ⊙ (Φ(x) + x φ(x)),   φ(x) = e^(−x²/2)/√(2π)
//	"tanh":  y  = ½ x (1 + tanh u),   u = √(2/π) (x + 0.044715 x³)
//	         dx = dy ⊙ (½ (1 + tanh u) + ½ x (1 − tanh² u) √(2/π) (1 + 3·0.044715 x²))
//
// Φ is taken through erfc, so that y keeps its relative precision for
// large negative x (PyTorch's ½(1 + erf(x/√2)) rounds to 0 below about
// −8.3 in float64; the two differ there by less than 1e-15 absolutely).
// At x = ±Inf the output is ±Inf·Φ, NaN at −Inf, and the gradient NaN, as
// in PyTorch. Its backward is differentiable to any order: for "none"
// through Φ as an op of its own whose derivative is φ, for "tanh" with
// Tanh.
//
// It panics unless it is given exactly one input, or when Approximate is
// neither "none", "tanh" nor "".
type GELU[T tensor.Float] struct {
	arena[T]
	Approximate string
	x           *tensor.Tensor[T]
}

func (*GELU[T]) Name() string { return "GELU" }

func (op *GELU[T]) tanh() bool {
	switch op.Approximate {
	case "", "none":
		return false
	case "tanh":
		return true
	}
	return false
}

func (op *GELU[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("GELU", in, 1)
	if a := op.Approximate; a != "" && a != "none" && a != "tanh" {
		panic(fmt.Sprintf(errGELUApprox, a, in[0].Shape()))
	}
	op.x = in[0]
	if op.tanh() {
		if y := mapVec32(op.ar, op.x, vec.GELUTanh32); y != nil {
			return y
		}
		return op.ar.Map(op.x, func(v T) T {
			x := float64(v)
			u := sqrt2OverPi * (x + geluKappa*x*x*x)
			return T(0.5 * x * (1 + math.Tanh(u)))
		})
	}
	if y := mapVec32(op.ar, op.x, vec.GELU32); y != nil {
		return y
	}
	return op.ar.Map(op.x, func(v T) T { x := float64(v); return T(x * normalCDF64(x)) })
}

func (op *GELU[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	if op.tanh() {
		if dx := gradVec32(op.ar, dy, op.x, vec.GELUTanhGrad32); dx != nil {
			return []*tensor.Tensor[T]{dx}
		}
		return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, v T) T {
			x := float64(v)
			t := math.Tanh(sqrt2OverPi * (x + geluKappa*x*x*x))
			left := 0.5 * (1 + t)
			right := 0.5 * x * (1 - t*t) * sqrt2OverPi * (1 + 3*geluKappa*x*x)
			return g * T(left+right)
		})}
	}
	if dx := gradVec32(op.ar, dy, op.x, vec.GELUGrad32); dx != nil {
		return []*tensor.Tensor[T]{dx}
	}
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, v T) T {
		x := float64(v)
		return g * T(normalCDF64(x)+x*normalPDF64(x))
	})}
}

func (op *GELU[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

// BackwardVar writes the derivative with Φ (normalCDF), Exp and Tanh, so
// that it differentiates again.
func (op *GELU[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	x := in[0]
	if op.tanh() {
		x2 := vMul(x, x)
		u := vScale(vAdd(x, vScale(vMul(x2, x), geluKappa)), sqrt2OverPi)
		t := vTanh(u)
		left := vScale(vAddScalar(t, 1), 0.5)
		sech2 := vMul(vAddScalar(vNeg(t), 1), vAddScalar(t, 1))
		du := vScale(vAddScalar(vScale(x2, 3*geluKappa), 1), sqrt2OverPi)
		right := vMul(vScale(x, 0.5), vMul(sech2, du))
		return []*v[T]{vMul(dy, vAdd(left, right))}
	}
	cdf := autograd.Apply[T](&normalCDF[T]{}, x)
	return []*v[T]{vMul(dy, vAdd(cdf, vMul(x, normalPDF(x))))}
}

// normalPDF returns φ(x) = e^(−x²/2)/√(2π) of a Var, differentiably.
func normalPDF[T tensor.Float](x *v[T]) *v[T] {
	return vScale(vExp(vScale(vMul(x, x), -0.5)), invSqrt2Pi)
}

// normalCDF is the standard normal distribution function, the Φ of GELU's
// differentiable backward pass. It keeps its input.
//
//	y  = Φ(x) = ½ erfc(−x/√2)
//	dx = dy ⊙ φ(x)
//
// It panics unless it is given exactly one input.
type normalCDF[T tensor.Float] struct {
	arena[T]
	x *tensor.Tensor[T]
}

func (*normalCDF[T]) Name() string { return "normalCDF" }

func (op *normalCDF[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("normalCDF", in, 1)
	op.x = in[0]
	return op.ar.Map(op.x, func(v T) T { return T(normalCDF64(float64(v))) })
}

func (op *normalCDF[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, v T) T { return g * T(normalPDF64(float64(v))) })}
}

func (op *normalCDF[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

func (*normalCDF[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vMul(dy, normalPDF(in[0]))}
}

// SiLU is the sigmoid linear unit (swish), as torch.nn.functional.silu. It
// keeps its input.
//
//	y  = x σ(x)
//	dx = dy ⊙ σ(x) (1 + x (1 − σ(x)))
//
// At x = −Inf the output is −Inf·0 = NaN and at ±Inf the gradient is NaN,
// as in PyTorch.
//
// It panics unless it is given exactly one input.
type SiLU[T tensor.Float] struct {
	arena[T]
	x *tensor.Tensor[T]
}

func (*SiLU[T]) Name() string { return "SiLU" }

func (op *SiLU[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("SiLU", in, 1)
	op.x = in[0]
	if y := mapVec32(op.ar, op.x, vec.SiLU32); y != nil {
		return y
	}
	return op.ar.Map(op.x, func(v T) T { x := float64(v); return T(x * sigmoid64(x)) })
}

func (op *SiLU[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	if dx := gradVec32(op.ar, dy, op.x, vec.SiLUGrad32); dx != nil {
		return []*tensor.Tensor[T]{dx}
	}
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, v T) T {
		x := float64(v)
		s := sigmoid64(x)
		return g * T(s*(1+x*(1-s)))
	})}
}

func (op *SiLU[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

func (*SiLU[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	x := in[0]
	s := vSigmoid(x)
	return []*v[T]{vMul(dy, vMul(s, vAddScalar(vMul(x, vAddScalar(vNeg(s), 1)), 1)))}
}

// Softplus is a smooth ReLU, as torch.nn.functional.softplus, linear where
// Beta·x exceeds Threshold (PyTorch's defaults are Beta 1 and Threshold
// 20; functional.Softplus and nn.NewSoftplus give them). It keeps its
// input.
//
//	y  = x                      where βx > Threshold
//	     ln(1 + e^(βx)) / β     elsewhere
//	dx = dy                     where βx > Threshold
//	     dy ⊙ σ(βx)             elsewhere
//
// NaN gives NaN in both; −Inf gives 0 and 0, +Inf gives +Inf and dy, as in
// PyTorch. The second derivative is β σ(βx)(1 − σ(βx)) below the threshold
// and 0 above it.
//
// It panics unless it is given exactly one input.
type Softplus[T tensor.Float] struct {
	arena[T]
	Beta, Threshold T
	x               *tensor.Tensor[T]
}

func (*Softplus[T]) Name() string { return "Softplus" }

func (op *Softplus[T]) linear(x T) bool { return float64(x)*float64(op.Beta) > float64(op.Threshold) }

func (op *Softplus[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Softplus", in, 1)
	op.x = in[0]
	b := float64(op.Beta)
	return op.ar.Map(op.x, func(v T) T {
		if op.linear(v) {
			return v
		}
		return T(math.Log1p(fmath.Exp(b*float64(v))) / b)
	})
}

func (op *Softplus[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	b := float64(op.Beta)
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, v T) T {
		if op.linear(v) {
			return g
		}
		return g * T(sigmoid64(b*float64(v)))
	})}
}

func (op *Softplus[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

// BackwardVar writes dx = dy ⊙ s with s = 1 on the linear branch and
// σ(βx) elsewhere, taking σ of x with its linear elements masked to 0; the
// branches are constants.
func (op *Softplus[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	x := in[0]
	curved := maskWhere(x.Value(), func(v T) bool { return !op.linear(v) })
	xc := autograd.Apply[T](&branchScale[T]{mask: curved}, x)
	s := autograd.Apply[T](&branchScale[T]{mask: curved}, vSigmoid(vScale(xc, op.Beta)))
	one := constOf(x, func(v T) T {
		if op.linear(v) {
			return 1
		}
		return 0
	})
	return []*v[T]{vMul(dy, vAdd(s, one))}
}

// Mish is x tanh(softplus(x)), as torch.nn.functional.mish (whose softplus
// has no threshold). It keeps its input.
//
//	y  = x tanh(sp(x)),   sp(x) = ln(1 + eˣ)
//	dx = dy ⊙ (tanh(sp(x)) + x σ(x) (1 − tanh²(sp(x))))
//
// sp is computed as max(x, 0) + ln(1 + e^−|x|), without overflow. At
// x = −Inf the output is NaN, and at ±Inf the gradient, as in PyTorch.
// Its backward is differentiable through Softplus (β = 1, threshold 20:
// above 20, tanh(sp(x)) is 1 in float64 with or without the threshold, and
// its derivative 0), Tanh and Sigmoid.
//
// It panics unless it is given exactly one input.
type Mish[T tensor.Float] struct {
	arena[T]
	x *tensor.Tensor[T]
}

func (*Mish[T]) Name() string { return "Mish" }

// softplus64 is ln(1 + eˣ) without overflow.
func softplus64(x float64) float64 { return max(x, 0) + math.Log1p(fmath.Exp(-math.Abs(x))) }

func (op *Mish[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Mish", in, 1)
	op.x = in[0]
	return op.ar.Map(op.x, func(v T) T { x := float64(v); return T(x * math.Tanh(softplus64(x))) })
}

func (op *Mish[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, v T) T {
		x := float64(v)
		t := math.Tanh(softplus64(x))
		return g * T(t+x*sigmoid64(x)*(1-t*t))
	})}
}

func (op *Mish[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

func (*Mish[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	x := in[0]
	t := vTanh(autograd.Apply[T](&Softplus[T]{Beta: 1, Threshold: 20}, x))
	sech2 := vMul(vAddScalar(vNeg(t), 1), vAddScalar(t, 1))
	return []*v[T]{vMul(dy, vAdd(t, vMul(vMul(x, vSigmoid(x)), sech2)))}
}

// Hardtanh clamps to [MinVal, MaxVal], as torch.nn.functional.hardtanh
// (PyTorch's defaults −1 and 1; ReLU6 is Hardtanh(0, 6)). It keeps its
// input.
//
//	y  = min(max(x, MinVal), MaxVal)
//	dx = dy ⊙ [MinVal < x < MaxVal]
//
// The interval of the gradient is open, as PyTorch's hardtanh_backward
// has it: the gradient at MinVal and MaxVal is 0 (unlike Clamp's). A NaN
// input gives NaN and a zero gradient, as PyTorch's vectorized kernel
// does (its scalar loop, which only the last few elements of a tensor
// take, passes the gradient). The second derivative is 0.
//
// It panics unless it is given exactly one input.
type Hardtanh[T tensor.Float] struct {
	arena[T]
	MinVal, MaxVal T
	x              *tensor.Tensor[T]
}

func (*Hardtanh[T]) Name() string { return "Hardtanh" }

func (op *Hardtanh[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Hardtanh", in, 1)
	op.x = in[0]
	return op.ar.Map(op.x, func(x T) T {
		if x < op.MinVal {
			x = op.MinVal
		}
		if x > op.MaxVal {
			x = op.MaxVal
		}
		return x
	})
}

func (op *Hardtanh[T]) inside(x T) bool { return x > op.MinVal && x < op.MaxVal }

func (op *Hardtanh[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, x T) T {
		if op.inside(x) {
			return g
		}
		return 0
	})}
}

func (op *Hardtanh[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

// BackwardVar masks dy with [MinVal < x < MaxVal], a constant.
func (op *Hardtanh[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&branchScale[T]{mask: maskWhere(in[0].Value(), op.inside)}, dy)}
}

// Hardswish is x·relu6(x + 3)/6, as torch.nn.functional.hardswish. It
// keeps its input.
//
//	y  = x min(max(x + 3, 0), 6) / 6
//	dx = 0                  where x < −3
//	     dy ⊙ (x/3 + ½)     where −3 ≤ x < 3
//	     dy                 where x ≥ 3
//
// The kinks take PyTorch's vectorized kernel's values: −½ dy at x = −3,
// dy at x = 3, and NaN for a NaN input (PyTorch's scalar loop, which only
// the last few elements of a tensor take, gives 1.5 dy at 3 and dy for
// NaN). At −Inf the output is −Inf·0 = NaN, as in PyTorch. The second
// derivative is 1/3 on the open interval (−3, 3) and 0 elsewhere, kinks
// included, as PyTorch's.
//
// It panics unless it is given exactly one input.
type Hardswish[T tensor.Float] struct {
	arena[T]
	x *tensor.Tensor[T]
}

func (*Hardswish[T]) Name() string { return "Hardswish" }

func (op *Hardswish[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Hardswish", in, 1)
	op.x = in[0]
	return op.ar.Map(op.x, func(v T) T {
		x := float64(v)
		return T(x * min(max(x+3, 0), 6) / 6)
	})
}

// hardswishSlope is Hardswish's derivative at x.
func hardswishSlope[T tensor.Float](x T) T {
	switch {
	case x < -3:
		return 0
	case x >= 3:
		return 1
	}
	return x/3 + 0.5 // NaN for NaN
}

func (op *Hardswish[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, x T) T {
		if s := hardswishSlope(x); s != 0 {
			return g * s
		}
		return 0
	})}
}

func (op *Hardswish[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

// BackwardVar writes the slope as x/3 on the open interval (−3, 3) (x
// masked, the mask a constant) plus a constant: ½ there, and the slope's
// value elsewhere, so that its derivative is PyTorch's.
func (*Hardswish[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	x := in[0]
	open := func(x T) bool { return x > -3 && x < 3 }
	lin := autograd.Apply[T](&branchScale[T]{mask: maskWhere(x.Value(), open)}, vScale(x, 1.0/3))
	c := constOf(x, func(x T) T {
		if open(x) {
			return 0.5
		}
		return hardswishSlope(x)
	})
	return []*v[T]{vMul(dy, vAdd(lin, c))}
}

// Hardsigmoid is relu6(x + 3)/6, as torch.nn.functional.hardsigmoid. It
// keeps its input.
//
//	y  = min(max(x + 3, 0), 6) / 6
//	dx = dy / 6 ⊙ [−3 < x < 3]
//
// The gradient is 0 at ±3 and for NaN, as in PyTorch. Its slope is 1/6
// exactly: PyTorch 1.13 multiplies by 1/6 rounded to float32 in float64
// too (0.16666667163…, 3e-8 off). The second derivative is 0 (PyTorch
// 1.13 does not implement it).
//
// It panics unless it is given exactly one input.
type Hardsigmoid[T tensor.Float] struct {
	arena[T]
	x *tensor.Tensor[T]
}

func (*Hardsigmoid[T]) Name() string { return "Hardsigmoid" }

func (op *Hardsigmoid[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Hardsigmoid", in, 1)
	op.x = in[0]
	return op.ar.Map(op.x, func(v T) T { return T(min(max(float64(v)+3, 0), 6) / 6) })
}

func hardsigmoidOpen[T tensor.Float](x T) bool { return x > -3 && x < 3 }

func (op *Hardsigmoid[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, x T) T {
		if hardsigmoidOpen(x) {
			return g / 6
		}
		return 0
	})}
}

func (op *Hardsigmoid[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

// BackwardVar masks dy/6 with [−3 < x < 3], a constant.
func (*Hardsigmoid[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	m := maskWhere(in[0].Value(), hardsigmoidOpen[T])
	return []*v[T]{autograd.Apply[T](&branchScale[T]{mask: m}, vScale(dy, 1.0/6))}
}

// LogSigmoid is ln σ(x), as torch.nn.functional.logsigmoid, stable for
// large |x|. It keeps its input.
//
//	y  = min(x, 0) − ln(1 + e^−|x|)
//	dx = dy ⊙ σ(−x)
//
// −Inf gives −Inf and gradient dy; +Inf gives 0 and 0; NaN gives NaN, as
// in PyTorch. The second derivative is −σ(x)σ(−x).
//
// It panics unless it is given exactly one input.
type LogSigmoid[T tensor.Float] struct {
	arena[T]
	x *tensor.Tensor[T]
}

func (*LogSigmoid[T]) Name() string { return "LogSigmoid" }

func (op *LogSigmoid[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("LogSigmoid", in, 1)
	op.x = in[0]
	return op.ar.Map(op.x, func(v T) T {
		x := float64(v)
		return T(min(x, 0) - math.Log1p(fmath.Exp(-math.Abs(x))))
	})
}

func (op *LogSigmoid[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{mapGrad(op.ar, dy, op.x, func(g, v T) T { return g * T(sigmoid64(-float64(v))) })}
}

func (op *LogSigmoid[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

func (*LogSigmoid[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vMul(dy, vSigmoid(vNeg(in[0])))}
}

// PReLU is the parametric ReLU, as torch.nn.functional.prelu: inputs x and
// weight, a slope for negative inputs, one (weight of one element) or one
// per channel (weight of C elements, C = x's axis 1). It keeps both.
//
//	y  = x          where x > 0,   w_c x elsewhere
//	dx = dy         where x > 0,   w_c dy elsewhere
//	dw_c = Σ dy ⊙ x over the elements of channel c with x ≤ 0
//
// The gradient at 0 is w_c, and dw takes 0 from it, as in PyTorch; a NaN
// input takes the negative branch (NaN output, dx = w_c dy, NaN in dw).
// The second derivatives: ∂²/∂x∂w couples the two (dx depends on w, dw on
// x), and ∂²/∂x² is 0.
//
// It panics unless it is given exactly two inputs, or when the weight is
// not 0-d or 1-d with one element or x's number of channels.
type PReLU[T tensor.Float] struct {
	arena[T]
	x, w *tensor.Tensor[T]
}

func (*PReLU[T]) Name() string { return "PReLU" }

// preluGeom returns the number of channels the weight has and the number
// of elements of each channel's run (the product of x's axes after 1).
func preluGeom[T tensor.Float](x, w *tensor.Tensor[T]) (channels, inner int) {
	if w.Size() == 1 {
		return 1, x.Size()
	}
	sh := x.Shape()
	return sh[1], tensor.NumElems(sh[2:])
}

func (op *PReLU[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("PReLU", in, 2)
	x, w := in[0], in[1]
	switch {
	case w.NDim() > 1:
		panic(fmt.Sprintf(errPReLUWeight, w.Shape(), x.Shape(), "the weight must be 0-d or 1-d"))
	case w.Size() != 1 && (x.NDim() < 2 || x.Shape()[1] != w.Size()):
		panic(fmt.Sprintf(errPReLUWeight, w.Shape(), x.Shape(), "the weight must have 1 element or one per channel (axis 1 of the input)"))
	}
	op.x, op.w = x, w
	y := op.ar.NewUninit(x.Shape()...)
	c, inner := preluGeom(x, w)
	d, xs, ws := y.Data(), x.Data(), w.Data()
	for i, v := range xs {
		if v > 0 {
			d[i] = v
		} else {
			d[i] = ws[(i/inner)%c] * v
		}
	}
	return y
}

func (op *PReLU[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	c, inner := preluGeom(op.x, op.w)
	g, xs, ws := dy.Data(), op.x.Data(), op.w.Data()
	out := make([]*tensor.Tensor[T], 2)
	if needs[0] {
		dx := op.ar.NewUninit(dy.Shape()...)
		d := dx.Data()
		for i, v := range xs {
			if v > 0 {
				d[i] = g[i]
			} else {
				d[i] = ws[(i/inner)%c] * g[i]
			}
		}
		out[0] = dx
	}
	if needs[1] {
		dw := op.ar.New(op.w.Shape()...)
		d := dw.Data()
		for i, v := range xs {
			if !(v > 0) {
				d[(i/inner)%c] += g[i] * v
			}
		}
		out[1] = dw
	}
	return out
}

func (op *PReLU[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x, op.w} }

// BackwardVar writes dx = [x > 0] dy + [x ≤ 0] dy ⊙ w (w reshaped to
// 1×C×1… and broadcast) and dw = Σ [x ≤ 0] dy ⊙ x summed to 1×C×1… and
// reshaped back, the masks constants.
func (*PReLU[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	x, w := in[0], in[1]
	pos := maskWhere(x.Value(), func(v T) bool { return v > 0 })
	nonPos := make([]bool, len(pos))
	for i, p := range pos {
		nonPos[i] = !p
	}
	wShape := make([]int, x.Value().NDim())
	for i := range wShape {
		wShape[i] = 1
	}
	if w.Value().Size() != 1 {
		wShape[1] = w.Value().Size()
	}
	negDy := autograd.Apply[T](&branchScale[T]{mask: nonPos}, dy)
	g := make([]*v[T], 2)
	if needs[0] {
		wb := vExpand(vReshape(w, wShape...), x.Shape()...)
		g[0] = vAdd(autograd.Apply[T](&branchScale[T]{mask: pos}, dy), vMul(negDy, wb))
	}
	if needs[1] {
		g[1] = vReshape(vSumTo(vMul(negDy, x), wShape...), w.Shape()...)
	}
	return g
}
