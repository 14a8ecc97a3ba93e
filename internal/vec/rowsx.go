package vec

// The row loops below are batch norm's passes that take x where the loops
// of rows.go take x̂: they recompute H[r][j] = T((X[r][j] − mu[j])·is[j])
// exactly as NormalizeRows writes it, so that the op keeps x rather than a
// copy of x̂, and give the bits the loops of rows.go give from that x̂.

// AffineRows writes Y[r][j] = g[j]·H[r][j] + b[j], computed in T (the
// product rounded before the sum), with H[r][j] = T((X[r][j] − mu[j])·is[j])
// as NormalizeRows computes it, the matrices laid out in y and x as X in x
// (see SumRows), width len(mu): NormalizeAffineRows without H. It panics if
// a matrix does not fit or a column vector's length is not mu's.
func AffineRows[T Float](y, x []T, mu, is []float64, g, b []T, rows, stride int) {
	w := len(mu)
	checkCols("AffineRows", w, len(is), len(g), len(b))
	checkRows("AffineRows", len(x), w, rows, stride)
	checkRows("AffineRows", len(y), w, rows, stride)
	if rows == 0 {
		return
	}
	done := affineRowsAsm(y, x, mu, is, g, b, rows, stride)
	for r := range rows {
		xr := x[r*stride+done : r*stride+w]
		yr := y[r*stride+done:][:len(xr)]
		m, s, gc, bc := mu[done:][:len(xr)], is[done:][:len(xr)], g[done:][:len(xr)], b[done:][:len(xr)]
		for j, v := range xr {
			hv := T((float64(v) - m[j]) * s[j])
			yr[j] = T(gc[j]*hv) + bc[j]
		}
	}
}

// SumDotNormRows adds the rows of DY to sa and those of DY ⊙ H to sab:
// sa[j] += Σᵣ DY[r][j] and sab[j] += Σᵣ DY[r][j]·H[r][j], with H[r][j] =
// T((X[r][j] − mu[j])·is[j]) as NormalizeRows computes it, DY and X laid
// out in dy and x as SumRows lays X out: SumDotRows(sa, sab, dy, h, …) of
// the h that NormalizeRows would write. It panics if a matrix does not fit
// or a column vector's length is not sa's.
func SumDotNormRows[T Float](sa, sab []float64, dy, x []T, mu, is []float64, rows, stride int) {
	w := len(sa)
	checkCols("SumDotNormRows", w, len(sab), len(mu), len(is))
	checkRows("SumDotNormRows", len(dy), w, rows, stride)
	checkRows("SumDotNormRows", len(x), w, rows, stride)
	if rows == 0 {
		return
	}
	done := sumDotNormRowsAsm(sa, sab, dy, x, mu, is, rows, stride)
	for r := range rows {
		gr := dy[r*stride+done : r*stride+w]
		xr := x[r*stride+done:][:len(gr)]
		s, p := sa[done:][:len(gr)], sab[done:][:len(gr)]
		m, sc := mu[done:][:len(gr)], is[done:][:len(gr)]
		for j, v := range gr {
			h := T((float64(xr[j]) - m[j]) * sc[j])
			s[j] += float64(v)
			p[j] += float64(float64(v) * float64(h))
		}
	}
}

// BatchNormGradNormRows writes DX[r][j] = T(k1[j]·DY[r][j] + k2[j]·H[r][j]
// + k3[j]), summed left to right in float64, with H[r][j] =
// T((X[r][j] − mu[j])·is[j]) as NormalizeRows computes it, the matrices
// laid out in dx, dy and x as X in x (see SumRows): BatchNormGradRows of
// the h that NormalizeRows would write. It panics if a matrix does not fit
// or a column vector's length is not mu's.
func BatchNormGradNormRows[T Float](dx, dy, x []T, mu, is, k1, k2, k3 []float64, rows, stride int) {
	w := len(mu)
	checkCols("BatchNormGradNormRows", w, len(is), len(k1), len(k2), len(k3))
	checkRows("BatchNormGradNormRows", len(dx), w, rows, stride)
	checkRows("BatchNormGradNormRows", len(dy), w, rows, stride)
	checkRows("BatchNormGradNormRows", len(x), w, rows, stride)
	if rows == 0 {
		return
	}
	done := gradNormRowsAsm(dx, dy, x, mu, is, k1, k2, k3, rows, stride)
	for r := range rows {
		gr := dy[r*stride+done : r*stride+w]
		xr, dr := x[r*stride+done:][:len(gr)], dx[r*stride+done:][:len(gr)]
		m, sc := mu[done:][:len(gr)], is[done:][:len(gr)]
		a, b, e := k1[done:][:len(gr)], k2[done:][:len(gr)], k3[done:][:len(gr)]
		for j, v := range gr {
			h := T((float64(xr[j]) - m[j]) * sc[j])
			dr[j] = T(float64(a[j]*float64(v)) + float64(b[j]*float64(h)) + e[j])
		}
	}
}
