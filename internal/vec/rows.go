package vec

import (
	"fmt"
	"slices"
)

// The row loops below are batch norm's passes. Each walks the rows of a
// matrix X of rows × width values, row r starting at r·stride in its slice,
// against per-column vectors of length width: column j's values are taken
// in row order, one at a time, so a column's result depends only on its own
// values, never on how the columns are split among goroutines or vector
// lanes. Values are converted to float64 and every operation is rounded on
// its own, in the order given; the assembly (float32 on amd64 with AVX)
// gives the bits of the Go loops. A contiguous run is a matrix too: rows of
// 16 values at stride 16, say, summed into 16 partial sums.

// checkRows panics unless a matrix of rows × width at the given stride fits
// in n values.
func checkRows(name string, n, width, rows, stride int) {
	if width < 0 || rows < 0 || (rows > 1 && stride < width) || (rows > 0 && width > 0 && (rows-1)*stride+width > n) {
		panic(fmt.Sprintf("vec: %s of %d rows of %d at stride %d over %d values", name, rows, width, stride, n))
	}
}

// checkCols panics unless every column vector has length width.
func checkCols(name string, width int, lens ...int) {
	for _, l := range lens {
		if l != width {
			panic(fmt.Sprintf("vec: %s with column vectors of lengths %v, want %d", name, slices.Clone(lens), width))
		}
	}
}

// SumDotRows adds the rows of A to sa and those of A ⊙ B to sab:
// sa[j] += Σᵣ A[r][j] and sab[j] += Σᵣ A[r][j]·B[r][j], A[r][j] being
// a[r·stride+j] and B laid out in b alike. It panics if A or B does not
// fit or the lengths of sa and sab differ.
func SumDotRows[T Float](sa, sab []float64, a, b []T, rows, stride int) {
	w := len(sa)
	checkCols("SumDotRows", w, len(sab))
	checkRows("SumDotRows", len(a), w, rows, stride)
	checkRows("SumDotRows", len(b), w, rows, stride)
	if rows == 0 {
		return
	}
	done := sumDotRowsAsm(sa, sab, a, b, rows, stride)
	for r := range rows {
		ar := a[r*stride+done : r*stride+w]
		br := b[r*stride+done:][:len(ar)]
		s, p := sa[done:][:len(ar)], sab[done:][:len(ar)]
		for j, v := range ar {
			s[j] += float64(v)
			p[j] += float64(float64(v) * float64(br[j]))
		}
	}
}
