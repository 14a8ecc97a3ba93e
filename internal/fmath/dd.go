package fmath

import "math"

// dd is the unevaluated sum hi + lo of two float64, with hi = fl(hi + lo):
// a number held to about 106 bits (Dekker's double-double arithmetic).
type dd struct{ hi, lo float64 }

// twoSum returns s = fl(a + b) and the error e = a + b − s, exactly
// (Knuth's branch-free sum).
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

// fastTwoSum is twoSum for |a| ≥ |b| or a = 0.
func fastTwoSum(a, b float64) (s, e float64) {
	s = a + b
	e = b - (s - a)
	return s, e
}

// twoProd returns p = fl(a·b) and the error e = a·b − p, exactly unless the
// product underflows, by one fused multiply-add. The conversion float64(…)
// makes p a rounded product even where the compiler fuses a product into a
// following sum (arm64, ppc64, s390x do, as the Go spec allows): without
// it, p + x could become fma(a, b, x), and the error terms of the sums
// built on p would be wrong.
func twoProd(a, b float64) (p, e float64) {
	p = float64(a * b)
	e = math.FMA(a, b, -p)
	return p, e
}

// add returns a + b.
func add(a, b dd) dd {
	s, e := twoSum(a.hi, b.hi)
	t, f := twoSum(a.lo, b.lo)
	s, e = fastTwoSum(s, e+t)
	s, e = fastTwoSum(s, e+f)
	return dd{s, e}
}

// mul returns a·b.
func mul(a, b dd) dd {
	p, e := twoProd(a.hi, b.hi)
	p, e = fastTwoSum(p, e+(a.hi*b.lo+a.lo*b.hi))
	return dd{p, e}
}

// divInt returns a/n for a small positive integer n.
func divInt(a dd, n float64) dd {
	q := a.hi / n
	p, e := twoProd(q, n)
	r := (a.hi - p - e) + a.lo // a − q·n; a.hi − p is exact
	q, r = fastTwoSum(q, r/n)
	return dd{q, r}
}

// twoSumDD returns a + b as a normalized dd, for |a| ≥ |b|.
func twoSumDD(a, b float64) dd {
	s, e := fastTwoSum(a, b)
	return dd{s, e}
}
