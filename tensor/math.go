package tensor

import "math"

// Map returns a new tensor with f applied to every element of t.
func Map[T Float](t *Tensor[T], f func(T) T) *Tensor[T] {
	dst := New[T](t.shape...)
	for i, v := range t.data {
		dst.data[i] = f(v)
	}
	return dst
}

// Neg returns −t.
func Neg[T Float](t *Tensor[T]) *Tensor[T] { return Scale(t, -1) }

// Exp returns eˣ element by element.
func Exp[T Float](t *Tensor[T]) *Tensor[T] {
	dst := New[T](t.shape...)
	for i, v := range t.data {
		dst.data[i] = T(math.Exp(float64(v)))
	}
	return dst
}

// Log returns the natural logarithm element by element (−Inf at 0, NaN below).
func Log[T Float](t *Tensor[T]) *Tensor[T] {
	dst := New[T](t.shape...)
	for i, v := range t.data {
		dst.data[i] = T(math.Log(float64(v)))
	}
	return dst
}

// Sqrt returns √x element by element (NaN below 0).
func Sqrt[T Float](t *Tensor[T]) *Tensor[T] {
	dst := New[T](t.shape...)
	for i, v := range t.data {
		dst.data[i] = T(math.Sqrt(float64(v)))
	}
	return dst
}

// Pow returns xᵖ element by element, with math.Pow's special cases. The
// exponents 1, 2 and −1 take exact shortcuts.
func Pow[T Float](t *Tensor[T], p T) *Tensor[T] {
	dst := New[T](t.shape...)
	d := dst.data
	switch p {
	case 1:
		copy(d, t.data)
	case 2:
		for i, v := range t.data {
			d[i] = v * v
		}
	case -1:
		for i, v := range t.data {
			d[i] = 1 / v
		}
	default:
		for i, v := range t.data {
			d[i] = T(math.Pow(float64(v), float64(p)))
		}
	}
	return dst
}

// Tanh returns the hyperbolic tangent element by element.
func Tanh[T Float](t *Tensor[T]) *Tensor[T] {
	dst := New[T](t.shape...)
	for i, v := range t.data {
		dst.data[i] = T(math.Tanh(float64(v)))
	}
	return dst
}

// Sigmoid returns the logistic function σ(x) = 1/(1+e⁻ˣ) element by element,
// computed without overflow for large |x|.
func Sigmoid[T Float](t *Tensor[T]) *Tensor[T] {
	dst := New[T](t.shape...)
	for i, v := range t.data {
		x := float64(v)
		if x >= 0 {
			dst.data[i] = T(1 / (1 + math.Exp(-x)))
		} else {
			e := math.Exp(x)
			dst.data[i] = T(e / (1 + e))
		}
	}
	return dst
}
