package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// RandN returns a tensor of the given shape whose elements are drawn from the
// standard normal distribution N(0, 1) using rng. The same source state gives
// the same tensor.
func RandN[T Float](rng *rand.Rand, shape ...int) *Tensor[T] {
	t := New[T](shape...)
	for i := range t.data {
		t.data[i] = T(rng.NormFloat64())
	}
	return t
}

// RandU returns a tensor of the given shape whose elements are drawn
// uniformly from [lo, hi) using rng. It panics unless lo < hi.
func RandU[T Float](rng *rand.Rand, lo, hi T, shape ...int) *Tensor[T] {
	if !(lo < hi) {
		panic(fmt.Sprintf(errUniformBounds, lo, hi))
	}
	t := New[T](shape...)
	w := float64(hi) - float64(lo)
	for i := range t.data {
		v := T(float64(lo) + w*rng.Float64())
		if v >= hi { // rounding to float32 can land on hi itself
			v = lo
		}
		t.data[i] = v
	}
	return t
}

// Arange returns the 1-d tensor start, start+step, … of the values below stop
// (above stop for a negative step), as NumPy's arange does. It panics if step
// is 0.
func Arange[T Float](start, stop, step T) *Tensor[T] {
	if step == 0 {
		panic(errArangeStep)
	}
	n := int(math.Ceil((float64(stop) - float64(start)) / float64(step)))
	n = max(n, 0)
	t := New[T](n)
	for i := range t.data {
		t.data[i] = start + T(i)*step
	}
	return t
}
