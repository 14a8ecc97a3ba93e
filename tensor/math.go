package tensor

import (
	"math"

	"github.com/tapegrad/tapegrad/internal/fmath"
	"github.com/tapegrad/tapegrad/internal/parallel"
)

// unary returns a new tensor of t's shape, its storage from the arena,
// filled by f, which maps a chunk of t's elements to the same chunk of the
// result. Large tensors are split into chunks handled in parallel;
// element-wise results do not depend on how. f is a kernel value rather
// than a closure: a kernel of no fields makes no allocation, where a
// closure in generic code would, escaping through the parallel branch.
func (ar *Arena[T]) unary(t *Tensor[T], f kernel[T]) *Tensor[T] {
	dst := ar.NewUninit(t.shape...)
	if parallel.Serial(len(t.data), parallel.Grain) {
		f.apply(dst.data, t.data) // without a closure that escapes
		return dst
	}
	parallel.Chunks(len(t.data), parallel.Grain, func(lo, hi int) { f.apply(dst.data[lo:hi], t.data[lo:hi]) })
	return dst
}

// A kernel maps a chunk of elements, src, to the same chunk of a result,
// dst (see unary).
type kernel[T Float] interface{ apply(dst, src []T) }

type (
	mapKernel[T Float]     struct{ f func(T) T }
	expKernel[T Float]     struct{}
	logKernel[T Float]     struct{}
	sqrtKernel[T Float]    struct{}
	powKernel[T Float]     struct{ p T }
	tanhKernel[T Float]    struct{}
	sigmoidKernel[T Float] struct{}
)

// Map returns a new tensor with f applied to every element of t.
func Map[T Float](t *Tensor[T], f func(T) T) *Tensor[T] { return heap[T]().Map(t, f) }

// Map is the package-level Map with the result's storage from the arena.
func (ar *Arena[T]) Map(t *Tensor[T], f func(T) T) *Tensor[T] {
	return ar.unary(t, mapKernel[T]{f})
}

func (k mapKernel[T]) apply(d, s []T) {
	for i, v := range s {
		d[i] = k.f(v)
	}
}

// Neg returns −t.
func Neg[T Float](t *Tensor[T]) *Tensor[T] { return Scale(t, -1) }

// Neg is the package-level Neg with the result's storage from the arena.
func (ar *Arena[T]) Neg(t *Tensor[T]) *Tensor[T] { return ar.Scale(t, -1) }

// Exp returns eˣ element by element, within 1 ulp over the whole range
// (fmath.Exp): in float64 it stays finite up to x = 709.782712893384 and
// reaches the subnormals down to −745.13, where package math on amd64 gives
// +Inf from 709.44.
func Exp[T Float](t *Tensor[T]) *Tensor[T] { return heap[T]().Exp(t) }

// Exp is the package-level Exp with the result's storage from the arena.
func (ar *Arena[T]) Exp(t *Tensor[T]) *Tensor[T] {
	return ar.unary(t, expKernel[T]{})
}

func (expKernel[T]) apply(d, s []T) {
	for i, v := range s {
		d[i] = T(fmath.Exp(float64(v)))
	}
}

// Log returns the natural logarithm element by element (−Inf at ±0, NaN
// below 0), within 1 ulp, subnormal inputs included (fmath.Log).
func Log[T Float](t *Tensor[T]) *Tensor[T] { return heap[T]().Log(t) }

// Log is the package-level Log with the result's storage from the arena.
func (ar *Arena[T]) Log(t *Tensor[T]) *Tensor[T] {
	return ar.unary(t, logKernel[T]{})
}

func (logKernel[T]) apply(d, s []T) {
	for i, v := range s {
		d[i] = T(fmath.Log(float64(v)))
	}
}

// Sqrt returns √x element by element (NaN below 0).
func Sqrt[T Float](t *Tensor[T]) *Tensor[T] { return heap[T]().Sqrt(t) }

// Sqrt is the package-level Sqrt with the result's storage from the arena.
func (ar *Arena[T]) Sqrt(t *Tensor[T]) *Tensor[T] {
	return ar.unary(t, sqrtKernel[T]{})
}

func (sqrtKernel[T]) apply(d, s []T) {
	for i, v := range s {
		d[i] = T(math.Sqrt(float64(v)))
	}
}

// Pow returns xᵖ element by element as PyTorch's torch.pow with a scalar
// exponent computes it: eight exponents take shortcuts, rounded in T,
//
//	p:   0   1   2     3       −1    −2        ½    −½
//	xᵖ:  1   x   x·x   x·x·x   1/x   1/(x·x)   √x   1/√x
//
// and the others are fmath.Pow: math.Pow's (C99's) special cases, and
// within 1 ulp for positive x and non-integer exponents |p| ≤ 3, subnormal
// x included (math.Pow is off by up to 400 ulps there, and far off for
// subnormal x on amd64). The shortcuts fix the edge cases: x⁰ = 1
// even for NaN, (−0)^½ = −0, (−0)^−½ = −Inf and (−Inf)^½ = NaN, where C's
// pow gives +0, +Inf and +Inf.
func Pow[T Float](t *Tensor[T], p T) *Tensor[T] { return heap[T]().Pow(t, p) }

// Pow is the package-level Pow with the result's storage from the arena.
func (ar *Arena[T]) Pow(t *Tensor[T], p T) *Tensor[T] {
	return ar.unary(t, powKernel[T]{p})
}

func (k powKernel[T]) apply(d, s []T) {
	switch p := k.p; p {
	case 0:
		for i := range d {
			d[i] = 1
		}
	case 1:
		copy(d, s)
	case 2:
		for i, v := range s {
			d[i] = v * v
		}
	case 3:
		for i, v := range s {
			d[i] = v * v * v
		}
	case -1:
		for i, v := range s {
			d[i] = 1 / v
		}
	case -2:
		for i, v := range s {
			d[i] = 1 / (v * v)
		}
	case 0.5:
		for i, v := range s {
			d[i] = T(math.Sqrt(float64(v)))
		}
	case -0.5:
		for i, v := range s {
			d[i] = 1 / T(math.Sqrt(float64(v)))
		}
	default:
		for i, v := range s {
			d[i] = T(fmath.Pow(float64(v), float64(p)))
		}
	}
}

// Tanh returns the hyperbolic tangent element by element.
func Tanh[T Float](t *Tensor[T]) *Tensor[T] { return heap[T]().Tanh(t) }

// Tanh is the package-level Tanh with the result's storage from the arena.
func (ar *Arena[T]) Tanh(t *Tensor[T]) *Tensor[T] {
	return ar.unary(t, tanhKernel[T]{})
}

func (tanhKernel[T]) apply(d, s []T) {
	for i, v := range s {
		d[i] = T(math.Tanh(float64(v)))
	}
}

// Sigmoid returns the logistic function σ(x) = 1/(1+e⁻ˣ) element by element,
// computed without overflow for large |x|: eˣ/(1+eˣ) below 0, which keeps
// the relative precision of σ's tail down to the subnormals.
func Sigmoid[T Float](t *Tensor[T]) *Tensor[T] { return heap[T]().Sigmoid(t) }

// Sigmoid is the package-level Sigmoid with the result's storage from the
// arena.
func (ar *Arena[T]) Sigmoid(t *Tensor[T]) *Tensor[T] {
	return ar.unary(t, sigmoidKernel[T]{})
}

func (sigmoidKernel[T]) apply(d, s []T) {
	for i, v := range s {
		x := float64(v)
		if x >= 0 {
			d[i] = T(1 / (1 + fmath.Exp(-x)))
		} else {
			e := fmath.Exp(x)
			d[i] = T(e / (1 + e))
		}
	}
}
