package ops

import (
	"math"

	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/tensor"
)

// The float32 paths of the activations: package vec's element-wise kernels
// (vec.GELU32 and the others), which compute in float64 lanes and round
// once to float32 like the scalar paths, within 1 ulp of them and almost
// always equal (see package vec's elem.go for the bounds), four or more
// times faster. float64 tensors keep the scalar paths.

// mapVec32 returns f over x's elements, in parallel chunks, when T is
// float32, and nil otherwise.
func mapVec32[T tensor.Float](ar *tensor.Arena[T], x *tensor.Tensor[T], f func(y, x []float32)) *tensor.Tensor[T] {
	xs, ok := any(x.Data()).([]float32)
	if !ok {
		return nil
	}
	y := ar.NewUninit(x.Shape()...)
	ys := any(y.Data()).([]float32)
	parallel.Chunks(len(xs), parallel.Grain, func(lo, hi int) { f(ys[lo:hi], xs[lo:hi]) })
	return y
}

// gradVec32 is mapVec32 for a gradient f(dx, dy, x).
func gradVec32[T tensor.Float](ar *tensor.Arena[T], dy, x *tensor.Tensor[T], f func(dx, dy, x []float32)) *tensor.Tensor[T] {
	xs, ok := any(x.Data()).([]float32)
	if !ok {
		return nil
	}
	g := any(dy.Data()).([]float32)
	dx := ar.NewUninit(dy.Shape()...)
	d := any(dx.Data()).([]float32)
	parallel.Chunks(len(xs), parallel.Grain, func(lo, hi int) { f(d[lo:hi], g[lo:hi], xs[lo:hi]) })
	return dx
}

// sigmoidInto writes σ(x) to y (of x's length, not overlapping it): by
// vec.Sigmoid32 for float32, by sigmoid64 rounded to T otherwise.
func sigmoidInto[T tensor.Float](y, x []T) {
	if x32, ok := any(x).([]float32); ok {
		vec.Sigmoid32(any(y).([]float32), x32)
		return
	}
	for i, v := range x {
		y[i] = T(sigmoid64(float64(v)))
	}
}

// tanhInto writes tanh(x) to y (of x's length, not overlapping it): by
// vec.Tanh32 for float32, by math.Tanh rounded to T otherwise.
func tanhInto[T tensor.Float](y, x []T) {
	if x32, ok := any(x).([]float32); ok {
		vec.Tanh32(any(y).([]float32), x32)
		return
	}
	for i, v := range x {
		y[i] = T(math.Tanh(float64(v)))
	}
}
