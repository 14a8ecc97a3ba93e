// Package fmath holds the float64 elementary functions that tapegrad takes
// from here rather than from package math, because package math is not
// right everywhere on every platform: on amd64 its assembly Exp returns +Inf
// from x ≈ 709.44 although e^x stays finite up to x ≈ 709.7827, and its
// assembly Log ignores subnormal inputs (math.Log(5e-324) is −709.09, not
// −744.44), which also spoils math.Pow of a subnormal x with a fractional
// exponent.
//
// Exp and Log take package math's result where that is right on every
// platform (one comparison decides it, so ordinary inputs cost what they
// cost before) and compute the rare edge inputs themselves, in pure Go, in
// double-double arithmetic: argument reduction x = k·ln2 + r with ln2 held
// to 106 bits, e^r by its Taylor series, scaling by 2^k with a single
// rounding even into the subnormal range; for Log of a subnormal, x = f·2^e
// and ln f refined by a Newton step. The edge results are correctly rounded
// (their error before the last rounding is below 2^-100 relative);
// elsewhere the results are package math's, within 1 ulp. Pow computes
// y·ln x in double-double for every positive x and non-integer y, which
// brings math.Pow's errors of up to 400 ulps within 1 ulp for |y| ≤ 3.
//
// The edges are exactly the ranges where the platforms differ, so the tests
// pin them to constants computed in high precision, never to package math.
package fmath
