//go:build amd64 && !purego

package vec

// RowSumSqDev64's assembly takes whole blocks of normLanes values and needs
// AVX2 with FMA; it returns the values it did, the Go loop doing the rest,
// and the sum of its partials.

// rowSumSqDev64Asm takes a float64 row, with AVX2.
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
