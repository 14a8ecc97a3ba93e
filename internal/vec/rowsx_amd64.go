//go:build amd64 && !purego

package vec

// The assembly of the loops of rowsx.go, chosen as the loops of rows.go
// choose theirs (asmCols).

func affineRowsAsm[T Float](y, x []T, mu, is []float64, g, b []T, rows, stride int) int {
	w, cm := asmCols(len(mu), rowsBlockElem)
	if !isF32[T]() || w == 0 {
		return 0
	}
	if cm {
		affineRowsPS(p32(y), p32(x), &mu[0], &is[0], p32(g), p32(b), w, rows, stride)
	} else {
		affineRowsRPS(p32(y), p32(x), &mu[0], &is[0], p32(g), p32(b), w, rows, stride)
	}
	return w
}

func sumDotNormRowsAsm[T Float](sa, sab []float64, dy, x []T, mu, is []float64, rows, stride int) int {
	w, cm := asmCols(len(sa), rowsBlock)
	if !isF32[T]() || w == 0 {
		return 0
	}
	if cm {
		sumDotNormRowsPS(&sa[0], &sab[0], p32(dy), p32(x), &mu[0], &is[0], w, rows, stride)
	} else {
		sumDotNormRowsRPS(&sa[0], &sab[0], p32(dy), p32(x), &mu[0], &is[0], w, rows, stride)
	}
	return w
}

func gradNormRowsAsm[T Float](dx, dy, x []T, mu, is, k1, k2, k3 []float64, rows, stride int) int {
	w, cm := asmCols(len(mu), rowsBlockElem)
	if !isF32[T]() || w == 0 {
		return 0
	}
	if cm {
		gradNormRowsPS(p32(dx), p32(dy), p32(x), &mu[0], &is[0], &k1[0], &k2[0], &k3[0], w, rows, stride)
	} else {
		gradNormRowsRPS(p32(dx), p32(dy), p32(x), &mu[0], &is[0], &k1[0], &k2[0], &k3[0], w, rows, stride)
	}
	return w
}

// sumRows2Asm sums the columns SumRows's kernels take (a multiple of the
// vector's lanes), column-major or row-major two rows at a time, and
// returns how many.
func sumRows2Asm[T Float](acc []float64, x []T, rows, stride int) int {
	w, cm := asmCols(len(acc), rowsBlock)
	if !isF32[T]() || w == 0 {
		return 0
	}
	if cm {
		sumRowsPS(&acc[0], p32(x), w, rows, stride)
	} else {
		sumRows2RPS(&acc[0], p32(x), w, rows, stride)
	}
	return w
}

// sumSqDevRows2Asm is sumRows2Asm for SumSqDevRows.
func sumSqDevRows2Asm[T Float](acc []float64, x []T, mu []float64, rows, stride int) int {
	w, cm := asmCols(len(acc), rowsBlock)
	if !isF32[T]() || w == 0 {
		return 0
	}
	if cm {
		sumSqDevRowsPS(&acc[0], p32(x), &mu[0], w, rows, stride)
	} else {
		sumSqDevRows2RPS(&acc[0], p32(x), &mu[0], w, rows, stride)
	}
	return w
}
