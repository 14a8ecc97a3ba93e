package fmath

import "math"

const (
	// ln2Hi + ln2Lo is ln 2 to 106 bits: ln2Hi is ln 2 rounded to float64
	// and ln2Lo the float64 nearest to the rest.
	ln2Hi = 0x1.62e42fefa39efp-01 // 0.6931471805599453
	ln2Lo = 0x1.abc9e3b39803fp-56 // 2.3190468138462996e-17
	log2e = 1 / math.Ln2

	// Between fastExpMin and fastExpMax math.Exp is right on every platform:
	// its results are normal and x·log₂e < 1023.5, so the power of two that
	// amd64's assembly scales by stays finite.
	fastExpMin = -708.39 // e^x > the smallest normal float64, 2^-1022
	fastExpMax = 709.43  // below 1023.5·ln2 ≈ 709.436

	// ExpOverflow is the largest float64 x whose e^x is finite:
	// e^709.782712893384 = 1.7976931348622732e308, while the next float64,
	// 709.7827128933841, lies above ln(MaxFloat64 + ½ulp) ≈
	// 709.78271289338399679 and gives +Inf.
	ExpOverflow = 709.782712893384

	// ExpUnderflow is the largest float64 x whose e^x rounds to 0: e^x is
	// then below 2^-1075, half the smallest subnormal (ln 2^-1075 ≈
	// −745.13321910194120762), and the next float64 up, −745.1332191019411,
	// gives 5e-324.
	ExpUnderflow = -745.1332191019412
)

// Exp returns e^x, within 1 ulp everywhere and correctly rounded where
// package math may be wrong: for x above 709.43, up to ExpOverflow (amd64's
// math.Exp returns +Inf from about 709.44), and for x below −708.39, whose
// results are subnormal. Exp(+Inf) = +Inf, Exp(−Inf) = 0, Exp(NaN) = NaN.
func Exp(x float64) float64 {
	if fastExpMin <= x && x <= fastExpMax {
		return math.Exp(x)
	}
	return expEdge(x)
}

// expEdge is Exp outside [fastExpMin, fastExpMax].
func expEdge(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return x
	case x > ExpOverflow:
		return math.Inf(1)
	case x <= ExpUnderflow:
		return 0
	}
	return expDD(dd{x, 0})
}

// expDD returns e^x correctly rounded for x.hi in [ExpUnderflow,
// ExpOverflow+ulp]: with x = k·ln2 + r, |r| ≤ ln2/2, it computes e^r to 106
// bits and scales it by 2^k.
func expDD(x dd) float64 {
	k := math.RoundToEven(x.hi * log2e)
	p, pe := twoProd(k, ln2Hi)
	q, qe := twoProd(k, ln2Lo)
	r := add(add(x, dd{-p, -pe}), dd{-q, -qe})
	return scale(expSmall(r), int(k))
}

// expSmall returns e^r for |r| ≤ 0.35 to about 106 bits, by the Taylor
// series in Horner's form, 1 + r(1 + r/2(1 + r/3(… (1 + r/24)))): the first
// term left out, r²⁵/25!, is below 2^-115.
func expSmall(r dd) dd {
	s := dd{1, 0}
	for n := 24; n >= 1; n-- {
		s = add(dd{1, 0}, divInt(mul(s, r), float64(n)))
	}
	return s
}

// scale returns (e.hi + e.lo)·2^k rounded once to float64, for e.hi in
// [0.7, 1.42]: exactly e.hi·2^k when that is normal (or +Inf when it
// overflows), else the nearest subnormal, ties to even, which a second
// rounding of e.hi would miss.
func scale(e dd, k int) float64 {
	if _, ex := math.Frexp(e.hi); k+ex-1 >= -1022 { // e.hi·2^k ≥ 2^-1022
		return math.Ldexp(e.hi, k)
	}
	// The result is n·2^-1074 for the integer n nearest to e·2^(k+1074),
	// which is below 2^52: sh and sl are exact, and so is sh − n.
	sh, sl := math.Ldexp(e.hi, k+1074), math.Ldexp(e.lo, k+1074)
	n := math.RoundToEven(sh)
	switch d := sh - n; {
	case d == 0.5 && sl > 0:
		n++
	case d == -0.5 && sl < 0:
		n--
	}
	return math.Ldexp(n, -1074)
}
