package fmath

import "math"

// Log returns the natural logarithm of x, within 1 ulp everywhere and
// correctly rounded for subnormal x, which amd64's math.Log gets wrong
// (math.Log(5e-324) = −709.09 there; ln 5e-324 = −744.44). Log(+Inf) = +Inf,
// Log(±0) = −Inf, Log(x < 0) = NaN, Log(NaN) = NaN.
func Log(x float64) float64 {
	if x >= 0x1p-1022 { // normal, or +Inf
		return math.Log(x)
	}
	return logEdge(x)
}

// logEdge is Log below the smallest normal float64.
func logEdge(x float64) float64 {
	switch {
	case x == 0:
		return math.Inf(-1)
	case !(x > 0): // negative or NaN
		return math.NaN()
	}
	return logDD(x).hi
}

// logDD returns ln x to about 106 bits for a finite x > 0: with x = f·2^e,
// f in [√½, √2), it is e·ln2 + ln f, where ln f is math.Log(f) refined by
// one Newton step on e^y = f, y ← y + (f − e^y)/e^y, which doubles its
// correct bits.
func logDD(x float64) dd {
	f, e := math.Frexp(x)
	if f < math.Sqrt2/2 {
		f, e = 2*f, e-1
	}
	y0 := math.Log(f)
	ey := expSmall(dd{y0, 0})
	d := add(dd{f, 0}, dd{-ey.hi, -ey.lo})
	h, l := fastTwoSum(y0, d.hi/ey.hi)
	p, pe := twoProd(float64(e), ln2Hi)
	q, qe := twoProd(float64(e), ln2Lo)
	return add(add(dd{p, pe}, dd{q, qe}), dd{h, l})
}
