package tensor

import "math"

// AllClose reports whether a and b have the same shape and every pair of
// elements satisfies |a−b| ≤ atol + rtol·|b|, NumPy's allclose rule. NaN is
// close to nothing, not even NaN; infinities are close only to themselves.
func AllClose[T Float](a, b *Tensor[T], rtol, atol float64) bool {
	if !SameShape(a, b) {
		return false
	}
	for i, v := range a.data {
		x, y := float64(v), float64(b.data[i])
		if x == y {
			continue // equal infinities, and the exact case
		}
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
			return false
		}
		if math.Abs(x-y) > atol+rtol*math.Abs(y) {
			return false
		}
	}
	return true
}

// MaxAbsDiff returns the largest |a−b| over the elements of two tensors of
// equal shape; NaN if any difference is NaN.
func MaxAbsDiff[T Float](a, b *Tensor[T]) float64 {
	mustSameShape("MaxAbsDiff", a, b)
	m := 0.0
	for i, v := range a.data {
		d := math.Abs(float64(v) - float64(b.data[i]))
		if math.IsNaN(d) {
			return d
		}
		m = max(m, d)
	}
	return m
}
