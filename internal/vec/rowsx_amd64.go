//go:build amd64 && !purego

package vec

// The two-row kernels of SumRows and SumSqDevRows (rows.go), chosen as the
// other loops of rows.go choose theirs (asmCols).

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
