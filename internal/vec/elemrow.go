package vec

import (
	"fmt"
	"math"
)

// The softmax rows' exponentials: e^(x − m) for the float32 scores x of a
// row and its maximum m, computed in float64 as exp1 (within 2 ulp of e^d
// in float64), d limited to ≥ −700 (so a score of −Inf, or one more than
// 700 below m, gives e^−700 ≈ 1e-304 rather than 0: nothing in a sum that
// holds e^0 = 1, and 0 once scaled and rounded to float32).

// expShift returns e^max(float64(v) − m, −700) and whether v − m is NaN.
func expShift(v float32, m float64) (float64, bool) {
	d := float64(v) - m
	return exp1(math.Max(d, -expClamp)), d != d
}

// ExpSum32 returns Σⱼ e^(xⱼ − m) as above, for m ≥ every xⱼ, and false
// when some xⱼ − m is NaN (a NaN score, or +Inf with m = +Inf), where the
// sum is not to be used. The sum runs in a fixed order whatever the
// platform: four partial sums over the first len(x) − len(x) mod 4
// values, value j into partial j mod 4, then (p₀ + p₁) + (p₂ + p₃), then
// the rest in order.
func ExpSum32(x []float32, m float64) (float64, bool) {
	n := len(x) - len(x)%4
	var p [4]float64
	done, bad := expSumAsm(x[:n], m, &p)
	for j := done; j < n; j += 4 {
		for k := range 4 {
			e, nan := expShift(x[j+k], m)
			p[k] += e
			bad = bad || nan
		}
	}
	sum := (p[0] + p[1]) + (p[2] + p[3])
	for _, v := range x[n:] {
		e, nan := expShift(v, m)
		sum += e
		bad = bad || nan
	}
	return sum, !bad
}

// ExpScale32 writes float32(e^(xⱼ − m)·inv) to y, the same e^(xⱼ − m) as
// ExpSum32's; y may be x. It returns false when some xⱼ − m is NaN, where
// y is not to be used. It panics unless y and x have the same length.
func ExpScale32(y, x []float32, m, inv float64) bool {
	if len(y) != len(x) {
		panic(fmt.Sprintf("vec: ExpScale32 of %d values into %d", len(x), len(y)))
	}
	done, bad := expScaleAsm(y, x, m, inv)
	for j := done; j < len(x); j++ {
		e, nan := expShift(x[j], m)
		y[j] = float32(e * inv)
		bad = bad || nan
	}
	return !bad
}
