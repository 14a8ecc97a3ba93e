package vec

import (
	"fmt"
	"math"
)

// The norm loops below are layer, RMS and group norm's passes over one row
// x of n values. The reductions keep normLanes partial sums in float64,
// value i going to partial i mod normLanes in the order of i, and add them
// up at the end in a fixed tree (see addPartials), so their result depends
// on n alone, never on how the work is split; the element-wise passes
// compute each value alone. Every operation is rounded on its own, in the
// order given. The ops call these for T = float64; float32 rows take the
// float32 loops of norm32.go. Only RowSumSqDev64, on float64 rows, has
// assembly (amd64 with AVX2), which gives the bits of its Go loop.
//
// The forward converts a row to float64 once, into a scratch row s
// (RowSumTo), which its later passes (RowSumSqDev64, NormRow64,
// NormRowScalar64) read while it is in the cache. The ops keep x, μ and
// 1/σ rather than x̂, so the backward passes (NormGradSumsX, NormGradRowX,
// NormGradRowScalarX) recompute hᵢ = (x[i] − mu)·is in float64, unrounded.

// Where a product goes into a sum, the loops fuse the two (math.FMA, one
// rounding; VFMADD in RowSumSqDev64's assembly, which therefore needs the
// AVX2 level with its FMA): the sums of squares and products, y = x̂·γ + β and the
// input gradients' affine forms. A fused step is at least as accurate as
// the two it replaces.

// normLanes is the number of partial sums of the norm reductions: four
// vectors of four float64s in RowSumSqDev64's assembly.
const normLanes = 16

// addPartials returns the sum of the partial sums p, added in halves:
// p[k] + p[k+8] for k < 8, then the same with 4, 2 and 1 (written out, as
// it runs once a row). RowSumSqDev64's assembly, which also stores its
// partials, returns their sum added in this order, which stands when the
// Go loop has no values left to add.
func addPartials(p *[normLanes]float64) float64 {
	a0, a1, a2, a3 := p[0]+p[8], p[1]+p[9], p[2]+p[10], p[3]+p[11]
	a4, a5, a6, a7 := p[4]+p[12], p[5]+p[13], p[6]+p[14], p[7]+p[15]
	b0, b1, b2, b3 := a0+a4, a1+a5, a2+a6, a3+a7
	return (b0 + b2) + (b1 + b3)
}

// RowSumTo sets s[i] = float64(x[i]) and returns Σᵢ s[i], summed in the
// normLanes partial sums. It panics if the lengths differ.
func RowSumTo[T Float](x []T, s []float64) float64 {
	if len(s) != len(x) {
		panic(fmt.Sprintf("vec: RowSumTo of slices of lengths %d and %d", len(x), len(s)))
	}
	var p [normLanes]float64
	for i := range x {
		s[i] = float64(x[i])
		p[i%normLanes] += s[i]
	}
	return addPartials(&p)
}

// RowSumSqDev64 returns Σᵢ (s[i] − mu)², the difference rounded and the
// square fused into its partial sum, summed as RowSumTo sums.
func RowSumSqDev64(s []float64, mu float64) float64 {
	var p [normLanes]float64
	done, sum := rowSumSqDev64Asm(s, mu, &p)
	if done == len(s) && done > 0 {
		return sum
	}
	for i := done; i < len(s); i++ {
		d := s[i] - mu
		p[i%normLanes] = math.FMA(d, d, p[i%normLanes])
	}
	return addPartials(&p)
}

// NormRow64 writes y[i] = T(hᵢ), hᵢ = (s[i] − mu)·is in float64, or, if g
// is not nil, y[i] = T(hᵢ·g[i] + b[i]), the product and sum fused, in
// float64 (T(hᵢ·g[i]) if b is nil): x̂ times γ plus β rounded once, γ and β
// given in float64. It panics if a slice given is not of y's length.
func NormRow64[T Float](y []T, s []float64, mu, is float64, g, b []float64) {
	n := len(y)
	if len(s) != n || (g != nil && len(g) != n) || (b != nil && (g == nil || len(b) != n)) {
		panic(fmt.Sprintf("vec: NormRow64 of slices of lengths %d, %d, %d and %d", n, len(s), len(g), len(b)))
	}
	switch {
	case g == nil:
		for i, v := range s {
			y[i] = T((v - mu) * is)
		}
	case b == nil:
		g = g[:len(s)]
		for i, v := range s {
			h := float64((v - mu) * is)
			y[i] = T(h * g[i])
		}
	default:
		g, b = g[:len(s)], b[:len(s)]
		for i, v := range s {
			y[i] = T(math.FMA(float64((v-mu)*is), g[i], b[i]))
		}
	}
}

// NormRowScalar64 writes y[i] = T((s[i] − mu)·a + b), in float64, the
// product and sum fused: group norm's y over a channel run, a = γ/σ and
// b = β for the channel. It panics if the lengths differ.
func NormRowScalar64[T Float](y []T, s []float64, mu, a, b float64) {
	if len(s) != len(y) {
		panic(fmt.Sprintf("vec: NormRowScalar64 of slices of lengths %d and %d", len(y), len(s)))
	}
	for i, v := range s {
		y[i] = T(math.FMA(v-mu, a, b))
	}
}

// NormGradSumsX returns Σᵢ ĝᵢ and Σᵢ ĝᵢ·hᵢ, ĝᵢ = dy[i]·g[i] (dy[i] if g is
// nil; γ given in float64) and hᵢ = (x[i] − mu)·is, each operation rounded
// in float64 and the products ĝᵢ·hᵢ fused into their partial sums, summed
// as RowSumTo sums. If sb is not nil it also adds dy[i] to sb[i] and
// dy[i]·hᵢ (fused) to sbh[i], the column sums of dβ and dγ. It panics if
// the lengths differ.
func NormGradSumsX[T Float](dy []T, g []float64, x []T, mu, is float64, sb, sbh []float64) (sg, sgh float64) {
	n := len(dy)
	if len(x) != n || (g != nil && len(g) != n) || (sb == nil) != (sbh == nil) || (sb != nil && (len(sb) != n || len(sbh) != n)) {
		panic(fmt.Sprintf("vec: NormGradSumsX of slices of lengths %d, %d, %d, %d and %d", n, len(g), len(x), len(sb), len(sbh)))
	}
	var a, c [normLanes]float64
	for i := range n {
		d := float64(dy[i])
		h := float64((float64(x[i]) - mu) * is)
		gv := d
		if g != nil {
			gv = float64(d * g[i])
		}
		a[i%normLanes] += gv
		c[i%normLanes] = math.FMA(gv, h, c[i%normLanes])
		if sb != nil {
			sb[i] += d
			sbh[i] = math.FMA(d, h, sbh[i])
		}
	}
	return addPartials(&a), addPartials(&c)
}

// NormGradRowX writes dx[i] = T((ĝᵢ·a + c) − (x[i] − mu)·e), ĝᵢ =
// dy[i]·g[i] (dy[i] if g is nil; γ given in float64), in float64, the
// products fused into the sums: layer and RMS norm's input gradient
// r·(ĝ − m₁ − x̂·m₂) with a = r, c = −r·m₁ and e = r²·m₂. It panics if the
// lengths differ.
func NormGradRowX[T Float](dx, dy []T, g []float64, x []T, mu, a, c, e float64) {
	n := len(dx)
	if len(dy) != n || len(x) != n || (g != nil && len(g) != n) {
		panic(fmt.Sprintf("vec: NormGradRowX of slices of lengths %d, %d, %d and %d", n, len(dy), len(g), len(x)))
	}
	for i := range n {
		gv := float64(dy[i])
		if g != nil {
			gv = float64(gv * g[i])
		}
		t := math.FMA(gv, a, c)
		dx[i] = T(math.FMA(-(float64(x[i]) - mu), e, t))
	}
}

// NormGradRowScalarX writes dx[i] = T(k2·(x[i] − mu) + (k1·dy[i] + k3)),
// in float64, the products fused into the sums: group norm's input
// gradient over a channel run, from x. It panics if the lengths differ.
func NormGradRowScalarX[T Float](dx, dy, x []T, mu, k1, k2, k3 float64) {
	n := len(dx)
	if len(dy) != n || len(x) != n {
		panic(fmt.Sprintf("vec: NormGradRowScalarX of slices of lengths %d, %d and %d", n, len(dy), len(x)))
	}
	for i := range n {
		t := math.FMA(k1, float64(dy[i]), k3)
		dx[i] = T(math.FMA(k2, float64(x[i])-mu, t))
	}
}

// RowSumDotDev returns Σᵢ dy[i] and Σᵢ dy[i]·(x[i] − mu), the difference
// rounded in float64 and the product fused into its partial sum, summed as
// RowSumTo sums: group norm's sums over a channel run, Σ dy ⊙ x̂ being
// the second times 1/σ. It panics if the lengths differ.
func RowSumDotDev[T Float](dy, x []T, mu float64) (sd, sdd float64) {
	n := len(dy)
	if len(x) != n {
		panic(fmt.Sprintf("vec: RowSumDotDev of slices of lengths %d and %d", n, len(x)))
	}
	var a, c [normLanes]float64
	for i := range n {
		d := float64(dy[i])
		a[i%normLanes] += d
		c[i%normLanes] = math.FMA(d, float64(x[i])-mu, c[i%normLanes])
	}
	return addPartials(&a), addPartials(&c)
}

// NormForwardRow is layer norm's (RMS norm's, if rms) forward pass over one
// row: μ = RowSumTo(x, s)/n (0 if rms), r = 1/√(RowSumSqDev64(s, μ)/n + eps)
// and NormRow64(y, s, μ, r, g, b), with the bits of those three calls; it
// returns μ and r. s is a scratch row of n float64s. It panics if the lengths differ.
func NormForwardRow[T Float](y, x []T, s, g, b []float64, eps float64, rms bool) (mu, is float64) {
	n := len(x)
	if len(y) != n || len(s) != n || (g != nil && len(g) != n) || (b != nil && (g == nil || len(b) != n)) {
		panic(fmt.Sprintf("vec: NormForwardRow of slices of lengths %d, %d, %d, %d and %d", n, len(y), len(s), len(g), len(b)))
	}
	k := float64(n)
	mu = RowSumTo(x, s) / k
	if rms {
		mu = 0
	}
	is = 1 / math.Sqrt(RowSumSqDev64(s, mu)/k+eps)
	NormRow64(y, s, mu, is, g, b)
	return mu, is
}

// NormBackwardRow is layer norm's (RMS norm's, if rms) backward pass over
// one row, with the bits of NormGradSumsX(dy, g, x, mu, is, sb, sbh)
// followed, if dx is not nil, by NormGradRowX(dx, dy, g, x, mu, is, −is·m₁,
// is·m₂), m₁ = Σĝ/n (0 if rms) and m₂ = is·(Σĝ⊙h/n). It panics if the
// lengths differ.
func NormBackwardRow[T Float](dx, dy []T, g []float64, x []T, mu, is float64, sb, sbh []float64, rms bool) {
	n := len(dy)
	if len(x) != n || (dx != nil && len(dx) != n) || (g != nil && len(g) != n) || (sb == nil) != (sbh == nil) || (sb != nil && (len(sb) != n || len(sbh) != n)) {
		panic(fmt.Sprintf("vec: NormBackwardRow of slices of lengths %d, %d, %d, %d, %d and %d", len(dx), n, len(g), len(x), len(sb), len(sbh)))
	}
	sg, sgh := NormGradSumsX(dy, g, x, mu, is, sb, sbh)
	if dx == nil {
		return
	}
	if rms {
		sg = 0
	}
	k := float64(n)
	m1, m2 := sg/k, is*(sgh/k)
	NormGradRowX(dx, dy, g, x, mu, is, -is*m1, is*m2)
}
