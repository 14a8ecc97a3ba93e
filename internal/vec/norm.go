package vec

import "fmt"

// The norm loops below are layer and RMS norm's passes over one row x of n
// values. The reductions keep normLanes partial sums in float64, value i
// going to partial i mod normLanes in the order of i, and add them up at
// the end in a fixed tree (see addPartials), so their result depends on n
// alone, never on how the work is split; the element-wise passes compute
// each value alone. Every operation is rounded on its own, in the order
// given; the assembly (float32 on amd64 with AVX) gives the bits of the Go
// loops.

// normLanes is the number of partial sums of the norm reductions: four
// vectors of four float64s in the assembly.
const normLanes = 16

// addPartials returns the sum of the partial sums p, added in halves:
// p[k] + p[k+8] for k < 8, then the same with 4, 2 and 1 (written out, as
// it runs once a row).
func addPartials(p *[normLanes]float64) float64 {
	a0, a1, a2, a3 := p[0]+p[8], p[1]+p[9], p[2]+p[10], p[3]+p[11]
	a4, a5, a6, a7 := p[4]+p[12], p[5]+p[13], p[6]+p[14], p[7]+p[15]
	b0, b1, b2, b3 := a0+a4, a1+a5, a2+a6, a3+a7
	return (b0 + b2) + (b1 + b3)
}

// RowSum returns Σᵢ x[i], summed in float64 as the norm loops sum.
func RowSum[T Float](x []T) float64 {
	var p [normLanes]float64
	done := rowSumAsm(x, &p)
	for i, v := range x[done:] {
		p[i%normLanes] += float64(v)
	}
	return addPartials(&p)
}

// RowSumSqDev returns Σᵢ (x[i] − mu)², the difference and the square each
// rounded in float64, summed as RowSum sums.
func RowSumSqDev[T Float](x []T, mu float64) float64 {
	var p [normLanes]float64
	done := rowSumSqDevAsm(x, mu, &p)
	for i, v := range x[done:] {
		d := float64(v) - mu
		p[i%normLanes] += float64(d * d)
	}
	return addPartials(&p)
}

// NormRow writes h[i] = T((x[i] − mu)·is) and, if g is not nil,
// y[i] = g[i]·h[i] + b[i] computed in T, the product rounded before the
// sum (y[i] = g[i]·h[i] if b is nil). With g, h may be nil: then y alone
// is written. It panics if a slice given is not of x's length.
func NormRow[T Float](h, y, x []T, mu, is float64, g, b []T) {
	n := len(x)
	if (h == nil && g == nil) || (h != nil && len(h) != n) || (g != nil && (len(g) != n || len(y) != n)) || (b != nil && (g == nil || len(b) != n)) {
		panic(fmt.Sprintf("vec: NormRow of slices of lengths %d, %d, %d, %d and %d", len(h), len(y), n, len(g), len(b)))
	}
	if h == nil {
		normRowY(y, x, mu, is, g, b)
		return
	}
	done := normRowAsm(h, y, x, mu, is, g, b)
	h, x = h[done:], x[done:]
	for i, v := range x {
		h[i] = T((float64(v) - mu) * is)
	}
	if g == nil {
		return
	}
	y, g = y[done:][:len(x)], g[done:][:len(x)]
	if b == nil {
		for i, hv := range h {
			y[i] = g[i] * hv
		}
		return
	}
	b = b[done:][:len(x)]
	for i, hv := range h {
		y[i] = T(g[i]*hv) + b[i]
	}
}

// NormGradSums returns Σᵢ ĝᵢ and Σᵢ ĝᵢ·h[i], ĝᵢ = dy[i]·g[i] (dy[i] if g
// is nil), each product rounded in float64, summed as RowSum sums. It
// panics if the lengths differ.
func NormGradSums[T Float](dy, g, h []T) (sg, sgh float64) {
	n := len(dy)
	if len(h) != n || (g != nil && len(g) != n) {
		panic(fmt.Sprintf("vec: NormGradSums of slices of lengths %d, %d and %d", n, len(g), len(h)))
	}
	var p [2 * normLanes]float64
	done := normGradSumsAsm(dy, g, h, &p)
	a, c := (*[normLanes]float64)(p[:normLanes]), (*[normLanes]float64)(p[normLanes:])
	h = h[done:]
	for i, v := range dy[done:] {
		gv := float64(v)
		if g != nil {
			gv = float64(gv * float64(g[done+i]))
		}
		a[i%normLanes] += gv
		c[i%normLanes] += float64(gv * float64(h[i]))
	}
	return addPartials(a), addPartials(c)
}

// NormGradRow writes dx[i] = T(is·((ĝᵢ − m1) − h[i]·m2)), ĝᵢ =
// dy[i]·g[i] (dy[i] if g is nil), in float64, each operation rounded in
// turn. It panics if the lengths differ.
func NormGradRow[T Float](dx, dy, g, h []T, m1, m2, is float64) {
	n := len(dx)
	if len(dy) != n || len(h) != n || (g != nil && len(g) != n) {
		panic(fmt.Sprintf("vec: NormGradRow of slices of lengths %d, %d, %d and %d", n, len(dy), len(g), len(h)))
	}
	done := normGradRowAsm(dx, dy, g, h, m1, m2, is)
	dx, h = dx[done:], h[done:]
	for i, v := range dy[done:] {
		gv := float64(v)
		if g != nil {
			gv = float64(gv * float64(g[done+i]))
		}
		t := gv - m1
		t -= float64(float64(h[i]) * m2)
		dx[i] = T(is * t)
	}
}

// NormRowScalar writes h[i] = T((x[i] − mu)·is) and y[i] = g·h[i] + b,
// computed in T, the product rounded before the sum: NormRow with one g
// and b for the whole row, as group norm's channel runs have. h may be nil:
// then y alone is written. It panics if the lengths differ.
func NormRowScalar[T Float](h, y, x []T, mu, is float64, g, b T) {
	n := len(x)
	if (h != nil && len(h) != n) || len(y) != n {
		panic(fmt.Sprintf("vec: NormRowScalar of slices of lengths %d, %d and %d", len(h), len(y), n))
	}
	if h == nil {
		done := normRowScalarYAsm(y, x, mu, is, g, b)
		y = y[done:]
		for i, v := range x[done:] {
			y[i] = T(g*T((float64(v)-mu)*is)) + b
		}
		return
	}
	done := normRowScalarAsm(h, y, x, mu, is, g, b)
	h, y = h[done:], y[done:]
	for i, v := range x[done:] {
		hv := T((float64(v) - mu) * is)
		h[i], y[i] = hv, T(g*hv)+b
	}
}

// NormGradRowScalar writes dx[i] = T((k1·dy[i] + k2·h[i]) + k3), in
// float64, each operation rounded in turn: the input's gradient of group
// norm over a channel run. It panics if the lengths differ.
func NormGradRowScalar[T Float](dx, dy, h []T, k1, k2, k3 float64) {
	n := len(dx)
	if len(dy) != n || len(h) != n {
		panic(fmt.Sprintf("vec: NormGradRowScalar of slices of lengths %d, %d and %d", n, len(dy), len(h)))
	}
	done := normGradRowScalarAsm(dx, dy, h, k1, k2, k3)
	dx, h = dx[done:], h[done:]
	for i, v := range dy[done:] {
		dx[i] = T(float64(k1*float64(v)) + float64(k2*float64(h[i])) + k3)
	}
}

// normRowY is NormRow without h: y[i] = g[i]·h + b[i] (g[i]·h if b is
// nil), h = T((x[i] − mu)·is) not stored.
func normRowY[T Float](y, x []T, mu, is float64, g, b []T) {
	done := normRowYAsm(y, x, mu, is, g, b)
	y, x, g = y[done:], x[done:], g[done:]
	if b == nil {
		for i, v := range x {
			y[i] = g[i] * T((float64(v)-mu)*is)
		}
		return
	}
	b = b[done:]
	for i, v := range x {
		y[i] = T(g[i]*T((float64(v)-mu)*is)) + b[i]
	}
}

// The loops below are the backward passes of ops that keep x, μ and
// 1/σ (is) rather than x̂: they recompute hᵢ = (x[i] − mu)·is in float64,
// unrounded.

// NormGradSumsX returns Σᵢ ĝᵢ and Σᵢ ĝᵢ·hᵢ, ĝᵢ = dy[i]·g[i] (dy[i] if g is
// nil; γ given in float64) and hᵢ = (x[i] − mu)·is, each operation rounded in float64, summed
// as RowSum sums. If sb is not nil it also adds dy[i] to sb[i] and
// dy[i]·hᵢ to sbh[i], the column sums of dβ and dγ. It panics if the
// lengths differ.
func NormGradSumsX[T Float](dy []T, g []float64, x []T, mu, is float64, sb, sbh []float64) (sg, sgh float64) {
	n := len(dy)
	if len(x) != n || (g != nil && len(g) != n) || (sb == nil) != (sbh == nil) || (sb != nil && (len(sb) != n || len(sbh) != n)) {
		panic(fmt.Sprintf("vec: NormGradSumsX of slices of lengths %d, %d, %d, %d and %d", n, len(g), len(x), len(sb), len(sbh)))
	}
	var p [2 * normLanes]float64
	done := normGradSumsXAsm(dy, g, x, mu, is, &p, sb, sbh)
	a, c := (*[normLanes]float64)(p[:normLanes]), (*[normLanes]float64)(p[normLanes:])
	for i := done; i < n; i++ {
		d := float64(dy[i])
		h := float64((float64(x[i]) - mu) * is)
		gv := d
		if g != nil {
			gv = float64(d * g[i])
		}
		a[i%normLanes] += gv
		c[i%normLanes] += float64(gv * h)
		if sb != nil {
			sb[i] += d
			sbh[i] += float64(d * h)
		}
	}
	return addPartials(a), addPartials(c)
}

// NormGradRowX writes dx[i] = T(is·((ĝᵢ − m1) − (x[i] − mu)·m2)), ĝᵢ =
// dy[i]·g[i] (dy[i] if g is nil; γ given in float64), in float64, each operation rounded in
// turn. It panics if the lengths differ.
func NormGradRowX[T Float](dx, dy []T, g []float64, x []T, mu, is, m1, m2 float64) {
	n := len(dx)
	if len(dy) != n || len(x) != n || (g != nil && len(g) != n) {
		panic(fmt.Sprintf("vec: NormGradRowX of slices of lengths %d, %d, %d and %d", n, len(dy), len(g), len(x)))
	}
	for i := normGradRowXAsm(dx, dy, g, x, mu, is, m1, m2); i < n; i++ {
		gv := float64(dy[i])
		if g != nil {
			gv = float64(gv * g[i])
		}
		t := gv - m1
		t -= float64((float64(x[i]) - mu) * m2)
		dx[i] = T(is * t)
	}
}

// NormGradRowScalarX writes dx[i] = T((k1·dy[i] + k2·(x[i] − mu)) + k3),
// in float64, each operation rounded in turn: group norm's input gradient
// over a channel run, from x. It panics if the lengths differ.
func NormGradRowScalarX[T Float](dx, dy, x []T, mu, k1, k2, k3 float64) {
	n := len(dx)
	if len(dy) != n || len(x) != n {
		panic(fmt.Sprintf("vec: NormGradRowScalarX of slices of lengths %d, %d and %d", n, len(dy), len(x)))
	}
	for i := normGradRowScalarXAsm(dx, dy, x, mu, k1, k2, k3); i < n; i++ {
		dx[i] = T(float64(k1*float64(dy[i])) + float64(k2*float64(float64(x[i])-mu)) + k3)
	}
}

// The loops below convert a row to float64 once: the first pass of the
// forward (RowSumTo) and of the backward (NormGradSumsTo) store the row's
// float64 values in scratch rows, which the later passes read while they
// are in the cache, converting nothing.

// RowSumTo sets s[i] = float64(x[i]) and returns Σᵢ s[i], summed as RowSum
// sums. It panics if the lengths differ.
func RowSumTo[T Float](x []T, s []float64) float64 {
	if len(s) != len(x) {
		panic(fmt.Sprintf("vec: RowSumTo of slices of lengths %d and %d", len(x), len(s)))
	}
	var p [normLanes]float64
	done := rowSumToAsm(x, s, &p)
	for i := done; i < len(x); i++ {
		s[i] = float64(x[i])
		p[i%normLanes] += s[i]
	}
	return addPartials(&p)
}

// RowSumSqDev64 is RowSumSqDev of a float64 row: Σᵢ (s[i] − mu)².
func RowSumSqDev64(s []float64, mu float64) float64 {
	var p [normLanes]float64
	for i := rowSumSqDev64Asm(s, mu, &p); i < len(s); i++ {
		d := s[i] - mu
		p[i%normLanes] += float64(d * d)
	}
	return addPartials(&p)
}

// NormRow64 writes y[i] = hᵢ, hᵢ = T((s[i] − mu)·is), or, if g is not
// nil, y[i] = g[i]·hᵢ + b[i] computed in T, the product rounded before the
// sum (g[i]·hᵢ if b is nil): NormRow from a float64 row, without x̂. It
// panics if a slice given is not of y's length.
func NormRow64[T Float](y []T, s []float64, mu, is float64, g, b []T) {
	n := len(y)
	if len(s) != n || (g != nil && len(g) != n) || (b != nil && (g == nil || len(b) != n)) {
		panic(fmt.Sprintf("vec: NormRow64 of slices of lengths %d, %d, %d and %d", n, len(s), len(g), len(b)))
	}
	done := normRow64Asm(y, s, mu, is, g, b)
	y, s = y[done:], s[done:][:len(y)-done]
	switch {
	case g == nil:
		for i, v := range s {
			y[i] = T((v - mu) * is)
		}
	case b == nil:
		g = g[done:][:len(s)]
		for i, v := range s {
			y[i] = g[i] * T((v-mu)*is)
		}
	default:
		g, b = g[done:][:len(s)], b[done:][:len(s)]
		for i, v := range s {
			y[i] = T(g[i]*T((v-mu)*is)) + b[i]
		}
	}
}

// NormGradSumsTo returns Σᵢ ĝᵢ and Σᵢ ĝᵢ·hᵢ, with d = float64(dy[i]),
// hᵢ = (float64(x[i]) − mu)·is and ĝᵢ = d·g[i] (d if g is nil), each
// operation rounded in float64, summed as RowSum sums; it stores ĝᵢ in t[i]
// and hᵢ in hs[i] for NormGradRow64. If sb is not nil it also adds d to
// sb[i] and d·hᵢ to sbh[i], the column sums of dβ and dγ. It panics if the
// lengths differ.
func NormGradSumsTo[T Float](dy, x []T, g []float64, mu, is float64, t, hs, sb, sbh []float64) (sg, sgh float64) {
	n := len(dy)
	if len(x) != n || (g != nil && len(g) != n) || len(t) != n || len(hs) != n || (sb == nil) != (sbh == nil) || (sb != nil && (len(sb) != n || len(sbh) != n)) {
		panic(fmt.Sprintf("vec: NormGradSumsTo of slices of lengths %d, %d, %d, %d, %d, %d and %d", n, len(x), len(g), len(t), len(hs), len(sb), len(sbh)))
	}
	var p [2 * normLanes]float64
	done := normGradSumsToAsm(dy, x, g, mu, is, &p, t, hs, sb, sbh)
	a, c := (*[normLanes]float64)(p[:normLanes]), (*[normLanes]float64)(p[normLanes:])
	for i := done; i < n; i++ {
		d := float64(dy[i])
		h := float64((float64(x[i]) - mu) * is)
		gv := d
		if g != nil {
			gv = float64(d * g[i])
		}
		t[i], hs[i] = gv, h
		a[i%normLanes] += gv
		c[i%normLanes] += float64(gv * h)
		if sb != nil {
			sb[i] += d
			sbh[i] += float64(d * h)
		}
	}
	return addPartials(a), addPartials(c)
}

// NormGradRow64 writes dx[i] = T(is·((t[i] − m1) − hs[i]·m2)), in float64,
// each operation rounded in turn: NormGradRow from NormGradSumsTo's ĝ and
// x̂. It panics if the lengths differ.
func NormGradRow64[T Float](dx []T, t, hs []float64, m1, m2, is float64) {
	n := len(dx)
	if len(t) != n || len(hs) != n {
		panic(fmt.Sprintf("vec: NormGradRow64 of slices of lengths %d, %d and %d", n, len(t), len(hs)))
	}
	for i := normGradRow64Asm(dx, t, hs, m1, m2, is); i < n; i++ {
		v := t[i] - m1
		v -= float64(hs[i] * m2)
		dx[i] = T(is * v)
	}
}

// NormRowScalar64 writes y[i] = g·hᵢ + b, hᵢ = T((s[i] − mu)·is),
// computed in T, the product rounded before the sum: NormRowScalar from a
// float64 row, without x̂. It panics if the lengths differ.
func NormRowScalar64[T Float](y []T, s []float64, mu, is float64, g, b T) {
	if len(s) != len(y) {
		panic(fmt.Sprintf("vec: NormRowScalar64 of slices of lengths %d and %d", len(y), len(s)))
	}
	done := normRowScalar64Asm(y, s, mu, is, g, b)
	y = y[done:]
	for i, v := range s[done:] {
		y[i] = T(g*T((v-mu)*is)) + b
	}
}
