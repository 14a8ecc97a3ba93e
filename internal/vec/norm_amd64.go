//go:build amd64 && !purego

package vec

import "math"

// The norm loops' assembly takes float32 rows (and float64 scratch rows):
// the reductions whole blocks of normLanes values, the element-wise passes
// whole vectors of 8. RowSumTo's needs AVX, the others, which fuse
// products into sums, AVX2 with FMA. Each returns the values it did, the
// Go loops doing the rest, and the reductions also the sums of their
// partials.

// normCount returns the values of an n-value row the assembly does in
// steps of step, none unless T is float32 with AVX (and fma is false) or
// with AVX2 and FMA.
func normCount[T Float](n, step int, fma bool) int {
	if !isF32[T]() || (fma && !hasAVX2) {
		return 0
	}
	return n - n%step
}

func rowSumToAsm[T Float](x []T, s []float64, p *[normLanes]float64) (done int, sum float64) {
	n := normCount[T](len(x), normLanes, false)
	if n > 0 {
		sum = lnSumStorePS(n, p32(x), &s[0], p)
	}
	return n, sum
}

// rowSumSqDev64Asm takes a float64 row: with AVX2, whatever T the op's is.
func rowSumSqDev64Asm(s []float64, mu float64, p *[normLanes]float64) (done int, sum float64) {
	if !hasAVX2 {
		return 0, 0
	}
	n := len(s) - len(s)%normLanes
	if n > 0 {
		sum = lnSumSqDevPD(n, &s[0], mu, p)
	}
	return n, sum
}

func normRow64Asm[T Float](y []T, s []float64, mu, is float64, g, b []float64) int {
	n := normCount[T](len(y), 8, true)
	switch {
	case n == 0:
	case g == nil:
		lnNormPD(n, p32(y), &s[0], mu, is)
	case b == nil:
		lnNormScalePD(n, p32(y), &s[0], mu, is, &g[0])
	default:
		lnNormAffinePD(n, p32(y), &s[0], mu, is, &g[0], &b[0])
	}
	return n
}

func normRowScalar64Asm[T Float](y []T, s []float64, mu, a, b float64) int {
	n := normCount[T](len(y), 8, true)
	if n > 0 {
		lnNormScalarPD(n, p32(y), &s[0], mu, a, b)
	}
	return n
}

func normGradSumsXAsm[T Float](dy []T, g []float64, x []T, mu, is float64, p *[2 * normLanes]float64, sb, sbh []float64) (done int, sg, sgh float64) {
	n := normCount[T](len(dy), normLanes, true)
	switch {
	case n == 0:
	case g == nil && sb == nil:
		sg, sgh = lnGradSumsXNoGPS(n, p32(dy), p32(x), mu, is, p)
	case g == nil:
		sg, sgh = lnGradSumsXNoGColsPS(n, p32(dy), p32(x), mu, is, p, &sb[0], &sbh[0])
	case sb == nil:
		sg, sgh = lnGradSumsXPS(n, p32(dy), &g[0], p32(x), mu, is, p)
	default:
		sg, sgh = lnGradSumsXColsPS(n, p32(dy), &g[0], p32(x), mu, is, p, &sb[0], &sbh[0])
	}
	return n, sg, sgh
}

func normGradRowXAsm[T Float](dx, dy []T, g []float64, x []T, mu, a, c, e float64) int {
	n := normCount[T](len(dx), 8, true)
	switch {
	case n == 0:
	case g == nil:
		lnGradXNoGPS(n, p32(dx), p32(dy), p32(x), mu, a, c, e)
	default:
		lnGradXPS(n, p32(dx), p32(dy), &g[0], p32(x), mu, a, c, e)
	}
	return n
}

func normGradRowScalarXAsm[T Float](dx, dy, x []T, mu, k1, k2, k3 float64) int {
	n := normCount[T](len(dx), 8, true)
	if n > 0 {
		lnGradScalarXPS(n, p32(dx), p32(dy), p32(x), mu, k1, k2, k3)
	}
	return n
}

func rowSumDotDevAsm[T Float](dy, x []T, mu float64, p *[2 * normLanes]float64) (done int, sd, sdd float64) {
	n := normCount[T](len(dy), normLanes, true)
	if n > 0 {
		sd, sdd = lnSumDotDevPS(n, p32(dy), p32(x), mu, p)
	}
	return n, sd, sdd
}

// normRowFast reports whether NormForwardRow and NormBackwardRow take an
// n-value row in the assembly alone: float32 with AVX2 and FMA, n a
// positive multiple of normLanes.
func normRowFast[T Float](n int) bool {
	return n > 0 && n%normLanes == 0 && hasAVX2 && isF32[T]()
}

// normForwardRowAsm is NormForwardRow's assembly path.
func normForwardRowAsm[T Float](y, x []T, s, g, b []float64, k, eps float64, rms bool) (mu, is float64) {
	var p [normLanes]float64
	n := len(x)
	mu = lnSumStorePS(n, p32(x), &s[0], &p) / k
	if rms {
		mu = 0
	}
	is = 1 / math.Sqrt(lnSumSqDevPD(n, &s[0], mu, &p)/k+eps)
	normRow64Asm(y, s, mu, is, g, b)
	return mu, is
}

// normGradSumsRowAsm is NormBackwardRow's assembly path for the sums.
func normGradSumsRowAsm[T Float](dy []T, g []float64, x []T, mu, is float64, sb, sbh []float64) (sg, sgh float64) {
	var p [2 * normLanes]float64
	_, sg, sgh = normGradSumsXAsm(dy, g, x, mu, is, &p, sb, sbh)
	return sg, sgh
}
