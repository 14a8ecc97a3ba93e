package vec

// The row loops below are batch norm's element-wise passes and its two
// reductions, written in T as PyTorch writes them: the normalization of a
// column is folded into a shift m and a scale, x̂ = (x − m)·a + b, so that
// a pass costs a subtraction, a multiplication and an addition per value,
// with no conversion to float64 and back; the forward pass's reduction
// adds a few rows at a time in T and those partial sums in float64, the
// backward pass's adds in float64. Every operation is rounded to T on its
// own, in the order given (no fused multiply-add), so that the assembly
// (float32 on amd64 with AVX) gives the bits of the Go loops. The matrices
// are laid out as rows.go lays X out.

// ScaleShiftRows writes Y[r][j] = T(T(X[r][j] − m[j])·a[j]) + b[j], the
// matrices laid out in y and x as X in x (see rows.go), width len(m). It
// panics if a matrix does not fit or a column vector's length is not m's.
func ScaleShiftRows[T Float](y, x, m, a, b []T, rows, stride int) {
	w := len(m)
	checkCols("ScaleShiftRows", w, len(a), len(b))
	checkRows("ScaleShiftRows", len(x), w, rows, stride)
	checkRows("ScaleShiftRows", len(y), w, rows, stride)
	if rows == 0 {
		return
	}
	done := scaleShiftRowsAsm(y, x, m, a, b, rows, stride)
	for r := range rows {
		xr := x[r*stride+done : r*stride+w]
		yr := y[r*stride+done:][:len(xr)]
		mc, ac, bc := m[done:][:len(xr)], a[done:][:len(xr)], b[done:][:len(xr)]
		for j, v := range xr {
			yr[j] = T(T(v-mc[j])*ac[j]) + bc[j]
		}
	}
}

// GradShiftRows writes DX[r][j] = T(T(k1[j]·DY[r][j]) + T(k2[j]·T(X[r][j] −
// m[j]))) + k3[j], the matrices laid out in dx, dy and x as X in x (see
// rows.go), width len(m). It panics if a matrix does not fit or a column
// vector's length is not m's.
func GradShiftRows[T Float](dx, dy, x, m, k1, k2, k3 []T, rows, stride int) {
	w := len(m)
	checkCols("GradShiftRows", w, len(k1), len(k2), len(k3))
	checkRows("GradShiftRows", len(dx), w, rows, stride)
	checkRows("GradShiftRows", len(dy), w, rows, stride)
	checkRows("GradShiftRows", len(x), w, rows, stride)
	if rows == 0 {
		return
	}
	done := gradShiftRowsAsm(dx, dy, x, m, k1, k2, k3, rows, stride)
	for r := range rows {
		gr := dy[r*stride+done : r*stride+w]
		xr, dr := x[r*stride+done:][:len(gr)], dx[r*stride+done:][:len(gr)]
		mc, a, b, e := m[done:][:len(gr)], k1[done:][:len(gr)], k2[done:][:len(gr)], k3[done:][:len(gr)]
		for j, v := range gr {
			dr[j] = T(T(a[j]*v)+T(b[j]*T(xr[j]-mc[j]))) + e[j]
		}
	}
}

// shiftGroup is the number of rows SumShiftSqRows adds in T before adding
// the partial sums into its float64 sums.
const shiftGroup = 8

// SumDotShiftRows adds the rows of DY to sa and those of DY ⊙ D to sab,
// D[r][j] = T(X[r][j] − m[j]): sa[j] += Σᵣ DY[r][j] and sab[j] +=
// Σᵣ DY[r][j]·D[r][j], in float64, DY and X laid out in dy and x as rows.go
// lays X out. With m = 0 it is SumDotRows(sa, sab, dy, x, …). It panics if
// a matrix does not fit or a column vector's length is not sa's.
func SumDotShiftRows[T Float](sa, sab []float64, dy, x, m []T, rows, stride int) {
	w := len(sa)
	checkCols("SumDotShiftRows", w, len(sab), len(m))
	checkRows("SumDotShiftRows", len(dy), w, rows, stride)
	checkRows("SumDotShiftRows", len(x), w, rows, stride)
	if rows == 0 {
		return
	}
	done := sumDotShiftRowsAsm(sa, sab, dy, x, m, rows, stride)
	for r := range rows {
		gr := dy[r*stride+done : r*stride+w]
		xr := x[r*stride+done:][:len(gr)]
		s, p, mc := sa[done:][:len(gr)], sab[done:][:len(gr)], m[done:][:len(gr)]
		for j, v := range gr {
			s[j] += float64(v)
			p[j] += float64(float64(v) * float64(T(xr[j]-mc[j])))
		}
	}
}

// SumShiftSqRows adds the deviations D[r][j] = T(X[r][j] − k[j]) of the
// rows of X from k to s1 and their squares to s2, X laid out in x as
// rows.go lays it out: s1[j] += Σᵣ D[r][j] and s2[j] += Σᵣ D[r][j]², the
// rows taken in groups of shiftGroup (the last group shorter), each
// group's terms added in T in row order starting from 0, each square
// rounded on its own, and each group's partial sums then added into the
// float64 sums: both sums of the shifted-data variance in one pass. Over
// at most 8 terms the error of a partial is at most about 8 of T's
// roundings of its magnitude, however many rows there are, and float32
// vectors do in one instruction what float64 ones do in two and a
// conversion. It panics if X does not fit or a column vector's length is
// not s1's.
func SumShiftSqRows[T Float](s1, s2 []float64, x, k []T, rows, stride int) {
	w := len(s1)
	checkCols("SumShiftSqRows", w, len(s2), len(k))
	checkRows("SumShiftSqRows", len(x), w, rows, stride)
	if rows == 0 {
		return
	}
	done := sumShiftSqRowsAsm(s1, s2, x, k, rows, stride)
	if done == w {
		return
	}
	a, q, kc := s1[done:], s2[done:], k[done:]
	for g := 0; g < rows; g += shiftGroup {
		for j := range a {
			var p1, p2 T
			for r := g; r < min(g+shiftGroup, rows); r++ {
				d := x[r*stride+done+j] - kc[j]
				p1 += d
				p2 += T(d * d)
			}
			a[j] += float64(p1)
			q[j] += float64(p2)
		}
	}
}
