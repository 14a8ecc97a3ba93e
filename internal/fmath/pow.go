package fmath

import "math"

// Pow returns x**y with math.Pow's special cases (those of C99's pow). For
// a subnormal x and a finite, non-integer y, which amd64's math.Pow gets
// wrong because its logarithm is (math.Pow(5e-324, 0.3) = 4.1e-93 there;
// the true value is 1.0189e-97), it computes e^(y·ln x) in double-double
// arithmetic, correctly rounded. Everywhere else it is math.Pow.
func Pow(x, y float64) float64 {
	if a := math.Abs(x); !(0 < a && a < 0x1p-1022) { // not subnormal
		return math.Pow(x, y)
	}
	return powSubnormal(x, y)
}

// powSubnormal is Pow for a subnormal x.
func powSubnormal(x, y float64) float64 {
	if math.IsInf(y, 0) || math.IsNaN(y) || y == math.Trunc(y) {
		return math.Pow(x, y) // by squaring, with math.Frexp: right
	}
	if x < 0 {
		return math.NaN()
	}
	t := mul(logDD(x), dd{y, 0})
	switch {
	case t.hi > ExpOverflow+1:
		return math.Inf(1)
	case t.hi < ExpUnderflow-1:
		return 0
	}
	return expDD(t)
}
