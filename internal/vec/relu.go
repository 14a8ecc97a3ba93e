package vec

import "math"

// ReLU sets y[i] = max(x[i], 0) for the len(y) values of y, keeping NaNs
// and turning −0 into +0, by masking x's bits: all ones unless x ≤ 0, which
// the compiler makes a conditional move, so that the loop has no branch per
// element (random signs would mispredict every other one). It takes half
// the time of the built-in max, whose NaN and signed-zero rules cost
// branches. y and x may be the same slice. It panics if x is shorter than y.
func ReLU[T Float](y, x []T) {
	switch y := any(y).(type) {
	case []float32:
		relu32(y, any(x).([]float32))
	case []float64:
		relu64(y, any(x).([]float64))
	}
}

// relu32 and relu64 are ReLU's loops, non-generic: in a generic one
// math.Float32frombits is not inlined, and the loop costs twice as much.
func relu32(y, x []float32) {
	x = x[:len(y)]
	for i, v := range x {
		var m uint32
		if !(v <= 0) { // v > 0 or NaN
			m = ^uint32(0)
		}
		y[i] = math.Float32frombits(math.Float32bits(v) & m)
	}
}

func relu64(y, x []float64) {
	x = x[:len(y)]
	for i, v := range x {
		var m uint64
		if !(v <= 0) {
			m = ^uint64(0)
		}
		y[i] = math.Float64frombits(math.Float64bits(v) & m)
	}
}
