package vec

import (
	"math"
	"testing"
)

// ReLU keeps positives and NaNs, zeroes negatives and −0 (to +0), works in
// place, and writes only len(y) values.
func TestReLU(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	x := []float64{1.5, -2, math.Copysign(0, -1), 0, nan, -inf, inf, 7}
	want := []float64{1.5, 0, 0, 0, nan, 0, inf}
	y := make([]float64, len(want))
	ReLU(y, x)
	for i := range want {
		if math.Float64bits(y[i]) != math.Float64bits(want[i]) {
			t.Errorf("float64: ReLU(%v) = %v, want %v", x[i], y[i], want[i])
		}
	}
	x32 := make([]float32, len(x))
	for i, v := range x {
		x32[i] = float32(v)
	}
	ReLU(x32, x32) // in place
	for i, v := range append(want, 7) {
		if math.Float32bits(x32[i]) != math.Float32bits(float32(v)) {
			t.Errorf("float32 in place: [%d] = %v, want %v", i, x32[i], v)
		}
	}
}
