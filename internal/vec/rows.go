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

// SumRows adds the rows of X to acc: acc[j] += Σᵣ X[r][j], X[r][j] being
// x[r·stride+j] and width len(acc). It panics if X does not fit in x.
func SumRows[T Float](acc []float64, x []T, rows, stride int) {
	w := len(acc)
	checkRows("SumRows", len(x), w, rows, stride)
	if rows == 0 {
		return
	}
	done := sumRows2Asm(acc, x, rows, stride)
	for r := range rows {
		xr := x[r*stride+done : r*stride+w]
		a := acc[done:][:len(xr)]
		for j, v := range xr {
			a[j] += float64(v)
		}
	}
}

// SumSqDevRows adds the squared deviations of the rows of X from mu to acc:
// acc[j] += Σᵣ (X[r][j] − mu[j])², as SumRows lays X out. It panics if X
// does not fit in x or mu's length is not acc's.
func SumSqDevRows[T Float](acc []float64, x []T, mu []float64, rows, stride int) {
	w := len(acc)
	checkCols("SumSqDevRows", w, len(mu))
	checkRows("SumSqDevRows", len(x), w, rows, stride)
	if rows == 0 {
		return
	}
	done := sumSqDevRows2Asm(acc, x, mu, rows, stride)
	for r := range rows {
		xr := x[r*stride+done : r*stride+w]
		a, m := acc[done:][:len(xr)], mu[done:][:len(xr)]
		for j, v := range xr {
			d := float64(v) - m[j]
			a[j] += float64(d * d)
		}
	}
}

// SumDotRows adds the rows of A to sa and those of A ⊙ B to sab:
// sa[j] += Σᵣ A[r][j] and sab[j] += Σᵣ A[r][j]·B[r][j], A and B laid out
// in a and b as SumRows lays X out. It panics if A or B does not fit or the
// lengths of sa and sab differ.
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

// NormalizeRows writes H[r][j] = T((X[r][j] − mu[j])·is[j]), H laid out in
// h as X in x (see SumRows), width len(mu). It panics if H or X does not
// fit or is's length is not mu's.
func NormalizeRows[T Float](h, x []T, mu, is []float64, rows, stride int) {
	w := len(mu)
	checkCols("NormalizeRows", w, len(is))
	checkRows("NormalizeRows", len(x), w, rows, stride)
	checkRows("NormalizeRows", len(h), w, rows, stride)
	if rows == 0 {
		return
	}
	done := normRowsAsm(h, x, mu, is, rows, stride)
	for r := range rows {
		xr := x[r*stride+done : r*stride+w]
		hr := h[r*stride+done:][:len(xr)]
		m, s := mu[done:][:len(xr)], is[done:][:len(xr)]
		for j, v := range xr {
			hr[j] = T((float64(v) - m[j]) * s[j])
		}
	}
}

// NormalizeAffineRows is NormalizeRows that also writes
// Y[r][j] = g[j]·H[r][j] + b[j], computed in T (the product rounded before
// the sum), Y laid out in y as X in x. It panics if a matrix does not fit
// or a column vector's length is not mu's.
func NormalizeAffineRows[T Float](h, y, x []T, mu, is []float64, g, b []T, rows, stride int) {
	w := len(mu)
	checkCols("NormalizeAffineRows", w, len(is), len(g), len(b))
	checkRows("NormalizeAffineRows", len(x), w, rows, stride)
	checkRows("NormalizeAffineRows", len(h), w, rows, stride)
	checkRows("NormalizeAffineRows", len(y), w, rows, stride)
	if rows == 0 {
		return
	}
	done := normAffineRowsAsm(h, y, x, mu, is, g, b, rows, stride)
	for r := range rows {
		xr := x[r*stride+done : r*stride+w]
		hr, yr := h[r*stride+done:][:len(xr)], y[r*stride+done:][:len(xr)]
		m, s, gc, bc := mu[done:][:len(xr)], is[done:][:len(xr)], g[done:][:len(xr)], b[done:][:len(xr)]
		for j, v := range xr {
			hv := T((float64(v) - m[j]) * s[j])
			hr[j], yr[j] = hv, T(gc[j]*hv)+bc[j]
		}
	}
}

// BatchNormGradRows writes DX[r][j] = T(k1[j]·DY[r][j] + k2[j]·H[r][j] +
// k3[j]), summed left to right in float64, the matrices laid out in dx, dy
// and h as X in x (see SumRows), width len(k1). It panics if a matrix does
// not fit or a column vector's length is not k1's.
func BatchNormGradRows[T Float](dx, dy, h []T, k1, k2, k3 []float64, rows, stride int) {
	w := len(k1)
	checkCols("BatchNormGradRows", w, len(k2), len(k3))
	checkRows("BatchNormGradRows", len(dx), w, rows, stride)
	checkRows("BatchNormGradRows", len(dy), w, rows, stride)
	checkRows("BatchNormGradRows", len(h), w, rows, stride)
	if rows == 0 {
		return
	}
	done := gradRowsAsm(dx, dy, h, k1, k2, k3, rows, stride)
	for r := range rows {
		gr := dy[r*stride+done : r*stride+w]
		hr, dr := h[r*stride+done:][:len(gr)], dx[r*stride+done:][:len(gr)]
		a, b, e := k1[done:][:len(gr)], k2[done:][:len(gr)], k3[done:][:len(gr)]
		for j, v := range gr {
			dr[j] = T(float64(a[j]*float64(v)) + float64(b[j]*float64(hr[j])) + e[j])
		}
	}
}
