package fmath

import "math"

// Pow returns x**y with math.Pow's special cases (those of C99's pow), more
// accurately than math.Pow where y is not an integer:
//
//   - for a positive normal x and a finite non-integer y (other than ±½,
//     which math.Pow takes as a square root), it computes e^(y·ln x) with
//     y·ln x to about 106 bits, from ln x = e·ln2 + ln f, x = f·2^e: within
//     1 ulp for |y| ≤ 3 (within about 0.25·|y| ulp beyond, from the 1-ulp
//     error of math.Log(f)), where math.Pow, which takes e^(y_f·ln x) with
//     the whole of ln x in float64, is off by up to 400 ulps for large or
//     small x;
//   - for a subnormal x, where amd64's math.Pow goes through its wrong
//     logarithm (math.Pow(5e-324, 0.3) = 4.1e-93 there; the true value is
//     1.0189e-97), it computes e^(y·ln x) in double-double arithmetic,
//     correctly rounded.
//
// Everywhere else (integer y, by repeated squaring, exact when the result
// is representable; x ≤ 0; infinities and NaN) it is math.Pow.
func Pow(x, y float64) float64 {
	if 0 < x && x <= math.MaxFloat64 && math.Abs(y) < 1<<52 && y != math.Trunc(y) && y != 0.5 && y != -0.5 {
		if x < 0x1p-1022 {
			return powSubnormal(x, y)
		}
		return powNormal(x, y)
	}
	return math.Pow(x, y)
}

// powNormal is Pow for a positive normal x and a finite non-integer y.
func powNormal(x, y float64) float64 {
	f, e := math.Frexp(x)
	if f < math.Sqrt2/2 {
		f, e = 2*f, e-1
	}
	p, pe := twoProd(float64(e), ln2Hi)
	q, qe := twoProd(float64(e), ln2Lo)
	l := add(add(dd{p, pe}, dd{q, qe}), dd{math.Log(f), 0}) // |ln f| ≤ ln2/2
	t := mul(l, dd{y, 0})
	switch {
	case t.hi > ExpOverflow+1:
		return math.Inf(1)
	case t.hi < ExpUnderflow-1:
		return 0
	}
	// e^t = 2^k·e^r with r = t − k·ln2 in double-double, and
	// e^r = e^r.hi·(1 + r.lo) to well below an ulp.
	k := math.RoundToEven(t.hi * log2e)
	a, ae := twoProd(k, ln2Hi)
	b, be := twoProd(k, ln2Lo)
	r := add(add(t, dd{-a, -ae}), dd{-b, -be})
	er := math.Exp(r.hi) // |r.hi| ≤ 0.35: right on every platform
	return scale(twoSumDD(er, er*r.lo), int(k))
}

// powSubnormal is Pow for a positive subnormal x and a finite non-integer
// y: e^(y·ln x) with ln x from logDD, correctly rounded.
func powSubnormal(x, y float64) float64 {
	t := mul(logDD(x), dd{y, 0})
	switch {
	case t.hi > ExpOverflow+1:
		return math.Inf(1)
	case t.hi < ExpUnderflow-1:
		return 0
	}
	return expDD(t)
}
