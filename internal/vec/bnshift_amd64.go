//go:build amd64 && !purego

package vec

// The assembly of the loops of bnshift.go. The element-wise passes walk
// rows outer, two at a time, 8 columns at a time. SumDotShiftRows takes
// narrow matrices (contiguous runs seen as rows of 16) through a
// column-block kernel and wider ones two rows at a time, as the loops of
// rows.go (asmCols); SumShiftSqRows walks groups of 8 rows outer and,
// within a group, 32 columns at a time down the group's rows (then 16,
// then 8), the partial sums in registers.

func scaleShiftRowsAsm[T Float](y, x, m, a, b []T, rows, stride int) int {
	w := len(m) - len(m)%rowsBlockR
	if !isF32[T]() || w == 0 {
		return 0
	}
	scaleShiftRowsPS(p32(y), p32(x), p32(m), p32(a), p32(b), w, rows, stride)
	return w
}

func gradShiftRowsAsm[T Float](dx, dy, x, m, k1, k2, k3 []T, rows, stride int) int {
	w := len(m) - len(m)%rowsBlockR
	if !isF32[T]() || w == 0 {
		return 0
	}
	gradShiftRowsPS(p32(dx), p32(dy), p32(x), p32(m), p32(k1), p32(k2), p32(k3), w, rows, stride)
	return w
}

func sumDotShiftRowsAsm[T Float](sa, sab []float64, dy, x, m []T, rows, stride int) int {
	w, cm := asmCols(len(sa), rowsBlock)
	if !isF32[T]() || w == 0 {
		return 0
	}
	if cm {
		sumDotShiftRowsPS(&sa[0], &sab[0], p32(dy), p32(x), p32(m), w, rows, stride)
	} else {
		sumDotShiftRowsRPS(&sa[0], &sab[0], p32(dy), p32(x), p32(m), w, rows, stride)
	}
	return w
}

func sumShiftSqRowsAsm[T Float](s1, s2 []float64, x, k []T, rows, stride int) int {
	w := len(s1) - len(s1)%rowsBlockR
	if !isF32[T]() || w == 0 {
		return 0
	}
	sumShiftSqRowsPS(&s1[0], &s2[0], p32(x), p32(k), w, rows, stride)
	return w
}
