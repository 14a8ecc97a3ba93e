package vec

import "fmt"

// SoftmaxGrad32 writes to dx the gradient of a float32 log-softmax row
// with respect to its input, given the row's outputs y and the gradient g
// with respect to them, s = Σⱼ gⱼ:
//
//	dxⱼ = float32(gⱼ − e^yⱼ·s)
//
// computed in float64 (e^yⱼ as ExpSum32's exponentials, yⱼ limited to
// ≥ −700; the product and the difference each rounded on its own). It
// returns false when some yⱼ is NaN, where dx is not to be used. dx may
// be g or y. It panics unless dx, g and y have the same length.
func SoftmaxGrad32(dx, g, y []float32, s float64) bool {
	if len(g) != len(dx) || len(y) != len(dx) {
		panic(fmt.Sprintf("vec: SoftmaxGrad32 of %d and %d values into %d", len(g), len(y), len(dx)))
	}
	done, bad := softmaxGradAsm(dx, g, y, s)
	for j := done; j < len(dx); j++ {
		e, nan := expShift(y[j], 0)
		dx[j] = float32(float64(g[j]) - float64(e*s)) // the product rounded: never fused
		bad = bad || nan
	}
	return !bad
}
