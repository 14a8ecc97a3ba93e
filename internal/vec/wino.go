package vec

import "fmt"

// WinoWeights writes U = G g Gᵀ, the weight transform of Winograd's
// F(2×2, 3×3), for each of the n = len(w)/9 kernels g of w (3×3,
// row-major, one after another), with
//
//	    ⎡1    0    0⎤
//	G = ⎢½    ½    ½⎥
//	    ⎢½   −½    ½⎥
//	    ⎣0    0    1⎦
//
// Position ξ = 4i + j of kernel q's 4×4 transform goes to u[ξ·step + q].
// Each row (a, b, c) of g becomes (a, (a+c)/2 + b/2, (a+c)/2 − b/2, c),
// then each column of g Gᵀ likewise, every operation rounded on its own in
// that order. It panics unless len(w) is a multiple of 9 and u holds
// 15·step + n values with step ≥ n.
func WinoWeights[T Float](u []T, step int, w []T) {
	n := winoCheck("WinoWeights", len(u), step, len(w))
	done := winoWeightsAsm(u, step, w, n)
	winoWeightsGo(u[done:], step, w[9*done:], n-done)
}

// WinoWeightsAdjoint writes dW = Gᵀ dU G, the adjoint of WinoWeights, into
// the n = len(dw)/9 kernels of dw from du, laid out as WinoWeights's u:
// each row x of dU becomes
// (x0 + (x1+x2)/2, (x1−x2)/2, (x1+x2)/2 + x3), then each column of dU G
// likewise, every operation rounded on its own in that order. It panics
// unless len(dw) is a multiple of 9 and du holds 15·step + n values with
// step ≥ n.
func WinoWeightsAdjoint[T Float](dw, du []T, step int) {
	n := winoCheck("WinoWeightsAdjoint", len(du), step, len(dw))
	done := winoWeightsAdjAsm(dw, du, step, n)
	winoWeightsAdjGo(dw[9*done:], du[done:], step, n-done)
}

// winoCheck returns the kernels of a weight transform after checking the
// lengths of its slices: m values step apart, k values of kernels.
func winoCheck(name string, m, step, k int) int {
	n := k / 9
	if k%9 != 0 || step < n || m < 15*step+n {
		panic(fmt.Sprintf("vec: %s of %d values of kernels with %d values %d apart", name, k, m, step))
	}
	return n
}

// winoWeightsGo is WinoWeights in Go over n kernels.
func winoWeightsGo[T Float](u []T, step int, w []T, n int) {
	if n == 0 {
		return
	}
	// The n values of each of the 16 runs, as slices of exactly n values,
	// so that no store is checked.
	run := func(xi int) []T { return u[xi*step:][:n] }
	u0, u1, u2, u3 := run(0), run(1), run(2), run(3)
	u4, u5, u6, u7 := run(4), run(5), run(6), run(7)
	u8, u9, u10, u11 := run(8), run(9), run(10), run(11)
	u12, u13, u14, u15 := run(12), run(13), run(14), run(15)
	ks := w[:9*n]
	for q := range n {
		k := ks[9*q : 9*q+9 : 9*q+9]
		// g Gᵀ: each row (a, b, c) becomes (a, (a+c)/2 + b/2, (a+c)/2 − b/2, c).
		s0, s1, s2 := (k[0]+k[2])/2, (k[3]+k[5])/2, (k[6]+k[8])/2
		r00, r01, r02, r03 := k[0], s0+k[1]/2, s0-k[1]/2, k[2]
		r10, r11, r12, r13 := k[3], s1+k[4]/2, s1-k[4]/2, k[5]
		r20, r21, r22, r23 := k[6], s2+k[7]/2, s2-k[7]/2, k[8]
		// G (g Gᵀ): the same on each column (r0j, r1j, r2j).
		t0, t1, t2, t3 := (r00+r20)/2, (r01+r21)/2, (r02+r22)/2, (r03+r23)/2
		u0[q], u1[q], u2[q], u3[q] = r00, r01, r02, r03
		u4[q], u5[q], u6[q], u7[q] = t0+r10/2, t1+r11/2, t2+r12/2, t3+r13/2
		u8[q], u9[q], u10[q], u11[q] = t0-r10/2, t1-r11/2, t2-r12/2, t3-r13/2
		u12[q], u13[q], u14[q], u15[q] = r20, r21, r22, r23
	}
}

// winoWeightsAdjGo is WinoWeightsAdjoint in Go over n kernels.
func winoWeightsAdjGo[T Float](dw, du []T, step int, n int) {
	for p := range n {
		// dU G: each row x becomes Gᵀx = (x0 + (x1+x2)/2, (x1−x2)/2, (x1+x2)/2 + x3).
		var r [12]T
		for i := range 4 {
			x0, x1, x2, x3 := du[4*i*step+p], du[(4*i+1)*step+p], du[(4*i+2)*step+p], du[(4*i+3)*step+p]
			s := (x1 + x2) / 2
			r[3*i], r[3*i+1], r[3*i+2] = x0+s, (x1-x2)/2, s+x3
		}
		// Gᵀ (dU G): the same on each column.
		k := dw[9*p : 9*p+9]
		for j := range 3 {
			x0, x1, x2, x3 := r[j], r[3+j], r[6+j], r[9+j]
			s := (x1 + x2) / 2
			k[j], k[3+j], k[6+j] = x0+s, (x1-x2)/2, s+x3
		}
	}
}

// WinoInputStride returns the row stride of the padded planes and strips
// of WinoInputRows for tw tiles a row: 2·tw + 8 rounded up to a multiple
// of 8, room for the 2·tw + 2 columns the tiles read and for whole vectors.
func WinoInputStride(tw int) int { return (2*tw + 15) &^ 7 }

// WinoInputRows writes V = Bᵀ d B, the input transform of Winograd's
// F(2×2, 3×3), for the th×tw tiles d of one channel plane, with
//
//	     ⎡1  0 −1  0⎤
//	Bᵀ = ⎢0  1  1  0⎥
//	     ⎢0 −1  1  0⎥
//	     ⎣0  1  0 −1⎦
//
// buf is the plane with its padding, 2·th + 2 rows of 2·tw + 2 columns
// (the rest zero or anything), row r at buf[r·wps:] with wps =
// WinoInputStride(tw); tile (ty, tx) is its 4×4 block at row 2·ty, column
// 2·tx. Position ξ = 4i + j of the tile's transform goes to
// v[ξ·vstep + ty·tw + tx]. For each row of tiles, Bᵀa = (a0−a2, a1+a2,
// a2−a1, a1−a3) goes down the columns of the 4 rows the tiles share, into
// strip (4 rows wps apart), then along each tile's rows, each operation
// rounded on its own. It panics unless the slices are that long.
func WinoInputRows[T Float](v []T, vstep int, buf, strip []T, tw, th int) {
	wps := WinoInputStride(tw)
	if tw < 1 || th < 1 || vstep < th*tw || len(v) < 15*vstep+th*tw || len(buf) < (2*th+2)*wps || len(strip) < 4*wps {
		panic(fmt.Sprintf("vec: WinoInputRows of %d×%d tiles with %d values of v %d apart, %d of buf and %d of strip", th, tw, len(v), vstep, len(buf), len(strip)))
	}
	if !winoInputRowsAsm(v, vstep, buf, strip, wps, tw, th) {
		winoInputRowsGo(v, vstep, buf, strip, wps, tw, th)
	}
}

// winoInputRowsGo is WinoInputRows in Go.
func winoInputRowsGo[T Float](v []T, vstep int, buf, strip []T, wps, tw, th int) {
	wp := 2*tw + 2
	p0, p1, p2, p3 := strip[:wp], strip[wps:wps+wp], strip[2*wps:2*wps+wp], strip[3*wps:3*wps+wp]
	for ty := range th {
		d := buf[2*ty*wps:]
		d0, d1, d2, d3 := d[:wp], d[wps:wps+wp], d[2*wps:2*wps+wp], d[3*wps:3*wps+wp]
		for x := range p0 {
			p0[x], p1[x], p2[x], p3[x] = d0[x]-d2[x], d1[x]+d2[x], d2[x]-d1[x], d1[x]-d3[x]
		}
		for i, pi := range [4][]T{p0, p1, p2, p3} {
			at := 4*i*vstep + ty*tw
			v0 := v[at : at+tw]
			v1 := v[at+vstep : at+vstep+tw]
			v2 := v[at+2*vstep : at+2*vstep+tw]
			v3 := v[at+3*vstep : at+3*vstep+tw]
			for tx := range v0 {
				a := pi[2*tx : 2*tx+4]
				v0[tx], v1[tx], v2[tx], v3[tx] = a[0]-a[2], a[1]+a[2], a[2]-a[1], a[1]-a[3]
			}
		}
	}
}

// WinoInputAdjointRows adds into buf, laid out as WinoInputRows's, the
// adjoint of WinoInputRows: B dV Bᵀ of each of the th×tw tiles, placed
// where the tile was read, with
//
//	    ⎡ 1  0  0  0⎤
//	B = ⎢ 0  1 −1  1⎥
//	    ⎢−1  1  1  0⎥
//	    ⎣ 0  0  0 −1⎦
//
// from dv, laid out as WinoInputRows's v. For each row of tiles in turn,
// Ba = (a0, (a1−a2)+a3, (a1+a2)−a0, −a3) goes along each tile's rows, the
// tiles added in order into strip (4 rows wps apart, cleared first) where
// neighbours overlap, then down the strip's columns, added into buf's 4
// rows; what it adds to the columns of buf past the tiles' 2·tw + 2 is
// not specified. It panics unless the slices are long enough.
func WinoInputAdjointRows[T Float](buf, dv []T, vstep int, strip []T, tw, th int) {
	wps := WinoInputStride(tw)
	if tw < 1 || th < 1 || vstep < th*tw || len(dv) < 15*vstep+th*tw || len(buf) < (2*th+2)*wps || len(strip) < 4*wps {
		panic(fmt.Sprintf("vec: WinoInputAdjointRows of %d×%d tiles with %d values of dv %d apart, %d of buf and %d of strip", th, tw, len(dv), vstep, len(buf), len(strip)))
	}
	if !winoInputAdjRowsAsm(buf, dv, vstep, strip, wps, tw, th) {
		winoInputAdjRowsGo(buf, dv, vstep, strip, wps, tw, th)
	}
}

// winoInputAdjRowsGo is WinoInputAdjointRows in Go.
func winoInputAdjRowsGo[T Float](buf, dv []T, vstep int, strip []T, wps, tw, th int) {
	wp := 2*tw + 2
	q0, q1, q2, q3 := strip[:wp], strip[wps:wps+wp], strip[2*wps:2*wps+wp], strip[3*wps:3*wps+wp]
	for ty := range th {
		for _, q := range [4][]T{q0, q1, q2, q3} {
			clear(q)
		}
		for i, qi := range [4][]T{q0, q1, q2, q3} {
			at := 4*i*vstep + ty*tw
			v0 := dv[at : at+tw]
			v1 := dv[at+vstep : at+vstep+tw]
			v2 := dv[at+2*vstep : at+2*vstep+tw]
			v3 := dv[at+3*vstep : at+3*vstep+tw]
			for tx := range v0 {
				a0, a1, a2, a3 := v0[tx], v1[tx], v2[tx], v3[tx]
				q := qi[2*tx : 2*tx+4]
				q[0] += a0
				q[1] += a1 - a2 + a3
				q[2] += a1 + a2 - a0
				q[3] -= a3
			}
		}
		d := buf[2*ty*wps:]
		d0, d1, d2, d3 := d[:wp], d[wps:wps+wp], d[2*wps:2*wps+wp], d[3*wps:3*wps+wp]
		for x := range q0 {
			a0, a1, a2, a3 := q0[x], q1[x], q2[x], q3[x]
			d0[x] += a0
			d1[x] += a1 - a2 + a3
			d2[x] += a1 + a2 - a0
			d3[x] -= a3
		}
	}
}

// WinoOutputAdjointRows writes dM = A dY Aᵀ, the output transform's
// adjoint of Winograd's F(2×2, 3×3), for the th×tw 2×2 tiles of one plane
// dY, with
//
//	    ⎡1  0⎤
//	A = ⎢1  1⎥
//	    ⎢1 −1⎥
//	    ⎣0 −1⎦
//
// buf is the plane, 2·th rows of 2·tw columns (zero where the output was
// cropped), row r at buf[r·wps:] with wps = WinoInputStride(tw), tile
// (ty, tx) its 2×2 block at row 2·ty, column 2·tx. Position ξ = 4i + j of
// the tile's dM goes to dm[ξ·mstep + ty·tw + tx]. Column j of dY Aᵀ, (a, b)
// = (y0, y1) of the tile's first column, the sum of its columns, their
// difference, or the negated second column, becomes (a, a+b, a−b, −b)
// down A. It panics unless the slices are that long.
func WinoOutputAdjointRows[T Float](dm []T, mstep int, buf []T, tw, th int) {
	wps := WinoInputStride(tw)
	if tw < 1 || th < 1 || mstep < th*tw || len(dm) < 15*mstep+th*tw || len(buf) < 2*th*wps {
		panic(fmt.Sprintf("vec: WinoOutputAdjointRows of %d×%d tiles with %d values of dm %d apart and %d of buf", th, tw, len(dm), mstep, len(buf)))
	}
	if !winoOutputAdjRowsAsm(dm, mstep, buf, wps, tw, th) {
		winoOutputAdjRowsGo(dm, mstep, buf, wps, tw, th)
	}
}

// winoOutputAdjRowsGo is WinoOutputAdjointRows in Go.
func winoOutputAdjRowsGo[T Float](dm []T, mstep int, buf []T, wps, tw, th int) {
	wp := 2 * tw
	for ty := range th {
		y0, y1 := buf[2*ty*wps:][:wp], buf[(2*ty+1)*wps:][:wp]
		for j := range 4 {
			at := j*mstep + ty*tw
			m0 := dm[at : at+tw]
			m1 := dm[at+4*mstep : at+4*mstep+tw]
			m2 := dm[at+8*mstep : at+8*mstep+tw]
			m3 := dm[at+12*mstep : at+12*mstep+tw]
			for tx := range m0 {
				// Column j of dY Aᵀ, then A down it.
				var a, b T
				switch j {
				case 0:
					a, b = y0[2*tx], y1[2*tx]
				case 1:
					a, b = y0[2*tx]+y0[2*tx+1], y1[2*tx]+y1[2*tx+1]
				case 2:
					a, b = y0[2*tx]-y0[2*tx+1], y1[2*tx]-y1[2*tx+1]
				default:
					a, b = -y0[2*tx+1], -y1[2*tx+1]
				}
				m0[tx], m1[tx], m2[tx], m3[tx] = a, a+b, a-b, -b
			}
		}
	}
}

// WinoOutputRows writes the output tiles Aᵀ M A + bias of one plane of
// Winograd's F(2×2, 3×3), with
//
//	Aᵀ = ⎡1  1  1  0⎤
//	     ⎣0  1 −1 −1⎦
//
// into dst, 2·th rows of 2·tw values: position ξ = 4i + j of tile (ty, tx)'s
// M is m[ξ·mstep + ty·tw + tx], and its 2×2 outputs go to rows 2·ty and
// 2·ty + 1, columns 2·tx and 2·tx + 1. Aᵀa = ((a0+a1)+a2, (a1−a2)−a3)
// goes along each tile's rows, then down its columns, the bias added
// last, each operation rounded on its own. It panics unless the slices are
// that long.
func WinoOutputRows[T Float](dst, m []T, mstep int, bias T, tw, th int) {
	if tw < 1 || th < 1 || mstep < th*tw || len(m) < 15*mstep+th*tw || len(dst) < 4*th*tw {
		panic(fmt.Sprintf("vec: WinoOutputRows of %d×%d tiles with %d values of m %d apart into %d", th, tw, len(m), mstep, len(dst)))
	}
	if !winoOutputRowsAsm(dst, m, mstep, bias, tw, th) {
		winoOutputRowsGo(dst, m, mstep, bias, tw, th)
	}
}

// winoOutputRowsGo is WinoOutputRows in Go.
func winoOutputRowsGo[T Float](dst, m []T, mstep int, bias T, tw, th int) {
	n := tw * th
	run := func(xi int) []T { return m[xi*mstep:][:n] }
	m0, m1, m2, m3 := run(0), run(1), run(2), run(3)
	m4, m5, m6, m7 := run(4), run(5), run(6), run(7)
	m8, m9, m10, m11 := run(8), run(9), run(10), run(11)
	m12, m13, m14, m15 := run(12), run(13), run(14), run(15)
	w := 2 * tw
	at, tx := 0, 0 // the tile's top-left output in dst, and its column
	for t := range m0 {
		// M A, row by row of the tile: (a0+a1+a2, a1−a2−a3).
		r00, r01 := m0[t]+m1[t]+m2[t], m1[t]-m2[t]-m3[t]
		r10, r11 := m4[t]+m5[t]+m6[t], m5[t]-m6[t]-m7[t]
		r20, r21 := m8[t]+m9[t]+m10[t], m9[t]-m10[t]-m11[t]
		r30, r31 := m12[t]+m13[t]+m14[t], m13[t]-m14[t]-m15[t]
		// Aᵀ down the columns.
		d := dst[at : at+w+2]
		d[0], d[1] = r00+r10+r20+bias, r01+r11+r21+bias
		d[w], d[w+1] = r10-r20-r30+bias, r11-r21-r31+bias
		at += 2
		if tx++; tx == tw {
			tx, at = 0, at+w
		}
	}
}

// PadRows copies h rows of w values, one after another in src, to rows of
// dst dstride apart, and sets the values of each row of dst past its w
// values to zero up to a multiple of 8: a plane copied into the padded
// buffer of WinoInputRows or WinoOutputAdjointRows, whose rows have room
// for them. It panics unless dstride ≥ w rounded up to a multiple of 8
// and the slices are that long.
func PadRows[T Float](dst []T, dstride int, src []T, w, h int) {
	w8 := (w + 7) &^ 7
	if w < 1 || h < 1 || dstride < w8 || len(src) < w*h || len(dst) < (h-1)*dstride+w8 {
		panic(fmt.Sprintf("vec: PadRows of %d rows of %d values from %d into %d, rows %d apart", h, w, len(src), len(dst), dstride))
	}
	if !padRowsAsm(dst, dstride, src, w, h) {
		padRowsGo(dst, dstride, src, w, h)
	}
}

// padRowsGo is PadRows in Go.
func padRowsGo[T Float](dst []T, dstride int, src []T, w, h int) {
	w8 := (w + 7) &^ 7
	for y := range h {
		d := dst[y*dstride : y*dstride+w8]
		copy(d, src[y*w:(y+1)*w])
		clear(d[w:])
	}
}
