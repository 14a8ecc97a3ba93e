package manual

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/internal/fmath"
	"github.com/tapegrad/tapegrad/tensor"
)

// ReLU is the rectified linear unit with its hand-derived backward; the
// gradient at 0 is 0.
//
//	y  = max(x, 0)
//	dx = dy ⊙ [x > 0]
type ReLU[T tensor.Float] struct {
	y *tensor.Tensor[T] // output of the last Forward: y > 0 exactly where x > 0
}

// Forward returns max(x, 0).
func (r *ReLU[T]) Forward(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	r.y = tensor.Map(x, func(v T) T { return max(v, 0) })
	return r.y
}

// Backward returns dy ⊙ [x > 0].
func (r *ReLU[T]) Backward(dy *tensor.Tensor[T]) *tensor.Tensor[T] {
	if r.y == nil {
		panic(fmt.Sprintf(errNoForward, "ReLU"))
	}
	checkGradShape("ReLU", dy, r.y)
	dx := tensor.New[T](dy.Shape()...)
	d, y := dx.Data(), r.y.Data()
	for i, g := range dy.Data() {
		if y[i] > 0 {
			d[i] = g
		}
	}
	return dx
}

// ELU is the exponential linear unit with scale Alpha (PyTorch's default is
// 1) and its hand-derived backward:
//
//	y  = x              if x > 0,   α·(eˣ − 1) otherwise
//	dx = dy             if x > 0,   dy ⊙ α·eˣ otherwise
//
// The course reads the negative branch's derivative off the output as
// y + α, which is the same number in exact arithmetic but cancels to 0
// below x ≈ −37 in float64, where α·eˣ is still a normal number; like
// PyTorch, Backward computes α·eˣ.
type ELU[T tensor.Float] struct {
	Alpha T
	x, y  *tensor.Tensor[T]
}

// Forward returns ELU(x).
func (e *ELU[T]) Forward(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	e.x = x
	e.y = tensor.Map(x, func(v T) T {
		if v > 0 {
			return v
		}
		return e.Alpha * T(math.Expm1(float64(v)))
	})
	return e.y
}

// Backward returns dy where x > 0 and dy ⊙ α·eˣ elsewhere.
func (e *ELU[T]) Backward(dy *tensor.Tensor[T]) *tensor.Tensor[T] {
	if e.y == nil {
		panic(fmt.Sprintf(errNoForward, "ELU"))
	}
	checkGradShape("ELU", dy, e.y)
	dx := tensor.New[T](dy.Shape()...)
	d, x := dx.Data(), e.x.Data()
	for i, g := range dy.Data() {
		if x[i] > 0 {
			d[i] = g
		} else {
			d[i] = g * e.Alpha * T(fmath.Exp(float64(x[i])))
		}
	}
	return dx
}

func checkGradShape[T tensor.Float](name string, dy, y *tensor.Tensor[T]) {
	if !tensor.SameShape(dy, y) {
		panic(fmt.Sprintf(errGradShape, name, dy.Shape(), y.Shape()))
	}
}
