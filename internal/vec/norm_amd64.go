//go:build amd64 && !purego

package vec

// The norm loops' assembly takes float32 rows (and float64 scratch rows)
// with AVX: the reductions whole blocks of normLanes values, the
// element-wise passes whole vectors of 8. Each returns the values it did,
// the Go loops doing the rest.

// normCount returns the values of an n-value row the assembly does in
// steps of step, none unless T is float32 with AVX.
func normCount[T Float](n, step int) int {
	if !isF32[T]() {
		return 0
	}
	return n - n%step
}

func rowSumToAsm[T Float](x []T, s []float64, p *[normLanes]float64) int {
	n := normCount[T](len(x), normLanes)
	if n > 0 {
		lnSumStorePS(n, p32(x), &s[0], p)
	}
	return n
}

// rowSumSqDev64Asm takes a float64 row: with AVX, whatever T the op's is.
func rowSumSqDev64Asm(s []float64, mu float64, p *[normLanes]float64) int {
	if !hasAVX {
		return 0
	}
	n := len(s) - len(s)%normLanes
	if n > 0 {
		lnSumSqDevPD(n, &s[0], mu, p)
	}
	return n
}

func normRow64Asm[T Float](y []T, s []float64, mu, is float64, g, b []T) int {
	n := normCount[T](len(y), 8)
	switch {
	case n == 0:
	case g == nil:
		lnNormPD(n, p32(y), &s[0], mu, is)
	case b == nil:
		lnNormScalePD(n, p32(y), &s[0], mu, is, p32(g))
	default:
		lnNormAffinePD(n, p32(y), &s[0], mu, is, p32(g), p32(b))
	}
	return n
}

func normRowScalar64Asm[T Float](y []T, s []float64, mu, is float64, g, b T) int {
	n := normCount[T](len(y), 8)
	if n > 0 {
		lnNormScalarPD(n, p32(y), &s[0], mu, is, float32(g), float32(b))
	}
	return n
}

func normGradSumsXAsm[T Float](dy []T, g []float64, x []T, mu, is float64, p *[2 * normLanes]float64, sb, sbh []float64) int {
	n := normCount[T](len(dy), normLanes)
	switch {
	case n == 0:
	case g == nil && sb == nil:
		lnGradSumsXNoGPS(n, p32(dy), p32(x), mu, is, p)
	case g == nil:
		lnGradSumsXNoGColsPS(n, p32(dy), p32(x), mu, is, p, &sb[0], &sbh[0])
	case sb == nil:
		lnGradSumsXPS(n, p32(dy), &g[0], p32(x), mu, is, p)
	default:
		lnGradSumsXColsPS(n, p32(dy), &g[0], p32(x), mu, is, p, &sb[0], &sbh[0])
	}
	return n
}

func normGradRowXAsm[T Float](dx, dy []T, g []float64, x []T, mu, is, m1, m2 float64) int {
	n := normCount[T](len(dx), 8)
	switch {
	case n == 0:
	case g == nil:
		lnGradXNoGPS(n, p32(dx), p32(dy), p32(x), mu, is, m1, m2)
	default:
		lnGradXPS(n, p32(dx), p32(dy), &g[0], p32(x), mu, is, m1, m2)
	}
	return n
}

func normGradRowScalarXAsm[T Float](dx, dy, x []T, mu, k1, k2, k3 float64) int {
	n := normCount[T](len(dx), 8)
	if n > 0 {
		lnGradScalarXPS(n, p32(dx), p32(dy), p32(x), mu, k1, k2, k3)
	}
	return n
}
