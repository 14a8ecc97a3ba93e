package vec

import (
	"fmt"
	"math"
)

// The float32 norm loops below are layer, RMS and group norm's passes over
// one float32 row x of n values for T = float32. The statistics are summed
// in float64 (RowMoments32, in one pass shifted by the row's first value;
// RowSumSqDev32 for RMS norm); the element-wise passes compute in float32,
// as batch norm's and PyTorch's do, each operation rounded to float32 on
// its own in the order given, every product fused into the sum it feeds
// (FMA; the Go loops emulate the float32 FMA exactly, fma32), so that the
// assembly (amd64 with AVX2) gives the bits of the Go loops. They take a
// shift m near the row's mean μ, μ rounded to float32 (or 0, Factors32),
// and compute from d = x − m, which is exact when x lies within a factor
// of 2 of m (Sterbenz) and otherwise rounded once; the caller folds m − μ
// into the factors it passes.

// ln32Chunk is the number of values over which NormGradSums32 adds its
// terms in float32 before adding them into its float64 partial sums: 4
// values in each of the normLanes partials.
const ln32Chunk = 4 * normLanes

// RowSumSqDev32 returns Σᵢ (float64(x[i]) − mu)², the difference rounded
// in float64 and the square fused into its partial sum, summed as RowSumTo
// sums: RowSumSqDev64 of x converted to float64.
func RowSumSqDev32(x []float32, mu float64) float64 {
	var p [normLanes]float64
	done, sum := rowSumSqDev32Asm(x, mu, &p)
	if done == len(x) && done > 0 {
		return sum
	}
	for i := done; i < len(x); i++ {
		d := float64(x[i]) - mu
		p[i%normLanes] = math.FMA(d, d, p[i%normLanes])
	}
	return addPartials(&p)
}

// RowSumShift32 returns Σᵢ dᵢ and Σᵢ dᵢ², dᵢ = float64(x[i]) − k rounded in
// float64 and the square fused into its partial sum, summed as RowSumTo
// sums: the shifted sums of a one-pass mean and variance (RowMoments32).
func RowSumShift32(x []float32, k float64) (s1, s2 float64) {
	var p [2 * normLanes]float64
	done, s1, s2 := rowSumShift32Asm(x, k, &p)
	if done == len(x) && done > 0 {
		return s1, s2
	}
	a, e := (*[normLanes]float64)(p[:normLanes]), (*[normLanes]float64)(p[normLanes:])
	for i := done; i < len(x); i++ {
		d := float64(x[i]) - k
		a[i%normLanes] += d
		e[i%normLanes] = math.FMA(d, d, e[i%normLanes])
	}
	return addPartials(a), addPartials(e)
}

// RowMoments32 returns the mean μ and the biased variance σ² of the n
// values of x in one pass, from their sums shifted by k = x[0]
// (RowSumShift32): μ = k + s₁/n and σ² = s₂/n − (s₁/n)², at least 0. As k
// is one of the values, (μ − k)² ≤ n·σ², so the subtraction loses at most
// log₂(n + 1) of float64's bits, far below float32's precision. It returns
// 0, 0 for an empty x.
func RowMoments32(x []float32) (mu, v float64) {
	n := len(x)
	if n == 0 {
		return 0, 0
	}
	k := float64(x[0])
	s1, s2 := RowSumShift32(x, k)
	return moments(k, s1, s2, n)
}

// moments returns RowMoments32's μ and σ² from the shift k and the sums.
func moments(k, s1, s2 float64, n int) (mu, v float64) {
	a := s1 / float64(n)
	return k + a, max(s2/float64(n)-a*a, 0)
}

// ScaleShift32 writes y[i] = (x[i] − m)·a + b in float32, the difference
// rounded and the product fused into the sum (fma32): group norm's y over a channel run (a = γ/σ, b = β + (m − μ)·a)
// and layer norm's without γ (a = 1/σ, b = (m − μ)/σ). It panics if the
// lengths differ.
func ScaleShift32(y, x []float32, m, a, b float32) {
	if len(y) != len(x) {
		panic(fmt.Sprintf("vec: ScaleShift32 of slices of lengths %d and %d", len(y), len(x)))
	}
	done := scaleShift32Asm(y, x, m, a, b)
	y = y[done:]
	for i, v := range x[done:] {
		y[i] = fma32(v-m, a, b)
	}
}

// NormRow32 writes y[i] = hᵢ·g[i] + b[i], hᵢ = (x[i] − m)·r + c, in
// float32, the difference rounded and each product fused into its sum
// (fma32; hᵢ·g[i], rounded, if b is nil): layer and RMS norm's y
// with γ (and β), r = 1/σ and c = (m − μ)/σ. Without γ it is ScaleShift32.
// It panics if g is nil or a slice given is not of y's length.
func NormRow32(y, x []float32, m, r, c float32, g, b []float32) {
	n := len(y)
	if len(x) != n || len(g) != n || (b != nil && len(b) != n) {
		panic(fmt.Sprintf("vec: NormRow32 of slices of lengths %d, %d, %d and %d", n, len(x), len(g), len(b)))
	}
	done := normRow32Asm(y, x, m, r, c, g, b)
	y, x, g = y[done:], x[done:], g[done:]
	if b == nil {
		for i, v := range x {
			y[i] = float32(ln32H(v, m, r, c) * g[i])
		}
		return
	}
	b = b[done:]
	for i, v := range x {
		y[i] = fma32(ln32H(v, m, r, c), g[i], b[i])
	}
}

// fma32 returns a·b + c rounded once to float32, as the FMA instructions
// compute it. The product is exact in float64; the sum, rounded to float64
// by rounding to odd (the error of the rounded sum, from TwoSum, decides
// the last bit), then rounds correctly to float32, which has fewer than
// 53 − 2 bits (Boldo and Melquiond, "When double rounding is odd", 2005).
func fma32(a, b, c float32) float32 {
	p, q := float64(a)*float64(b), float64(c)
	s := p + q
	t := s - p
	e := (p - (s - t)) + (q - t) // s + e = p + q exactly
	if e != 0 && math.Abs(s) <= math.MaxFloat64 {
		if bits := math.Float64bits(s); bits&1 == 0 { // round to odd: toward e
			if (e > 0) == (s > 0) {
				bits++
			} else {
				bits--
			}
			s = math.Float64frombits(bits)
		}
	}
	return float32(s)
}

// ln32H returns (v − m)·r + c in float32, the difference rounded and the
// product fused into the sum.
func ln32H(v, m, r, c float32) float32 { return fma32(v-m, r, c) }

// NormGradSums32 returns Σᵢ ĝᵢ and Σᵢ ĝᵢ·hᵢ in float64, ĝᵢ = dy[i]·g[i]
// (dy[i] if g is nil) and hᵢ = (x[i] − m)·r + c (fused), in float32. The
// terms ĝᵢ and ĝᵢ·hᵢ are added in float32 (ĝᵢ·hᵢ fused into the partial)
// over chunks of 64 values, term i into partial i mod 16 (so that a
// float32 partial adds at most 4 terms), and each chunk's 16 partials into
// normLanes float64 partials, added up as RowSumTo's. If sb is not nil it
// also adds dy[i] to sb[i] and dy[i]·hᵢ (fused) to sbh[i], in float32: the
// column sums of dβ and dγ over a few rows, which the caller adds into
// float64 (Flush32To64). It panics if the lengths differ.
func NormGradSums32(dy, g, x []float32, m, r, c float32, sb, sbh []float32) (sg, sgh float64) {
	n := len(dy)
	if len(x) != n || (g != nil && len(g) != n) || (sb == nil) != (sbh == nil) || (sb != nil && (len(sb) != n || len(sbh) != n)) {
		panic(fmt.Sprintf("vec: NormGradSums32 of slices of lengths %d, %d, %d, %d and %d", n, len(g), len(x), len(sb), len(sbh)))
	}
	var p [2 * normLanes]float64
	done, sg, sgh := normGradSums32Asm(dy, g, x, m, r, c, &p, sb, sbh)
	if done == n && done > 0 {
		return sg, sgh
	}
	a, e := (*[normLanes]float64)(p[:normLanes]), (*[normLanes]float64)(p[normLanes:])
	for lo := done; lo < n; lo += ln32Chunk {
		var qg, qh [normLanes]float32
		for i := lo; i < min(lo+ln32Chunk, n); i++ {
			d := dy[i]
			h := ln32H(x[i], m, r, c)
			gv := d
			if g != nil {
				gv = float32(d * g[i])
			}
			qg[i%normLanes] += gv
			qh[i%normLanes] = fma32(gv, h, qh[i%normLanes])
			if sb != nil {
				sb[i] += d
				sbh[i] = fma32(d, h, sbh[i])
			}
		}
		for k := range normLanes {
			a[k] += float64(qg[k])
			e[k] += float64(qh[k])
		}
	}
	return addPartials(a), addPartials(e)
}

// NormGradRow32 writes dx[i] = ĝᵢ·a + (k − (x[i] − m)·e), ĝᵢ =
// dy[i]·g[i] (dy[i] if g is nil), in float32, both products fused: layer and
// RMS norm's input gradient r·(ĝ − m₁ − x̂·m₂) with a = r, e = r²·m₂ and
// k = −r·m₁ − (m − μ)·e. It panics if the lengths differ.
func NormGradRow32(dx, dy, g, x []float32, m, a, e, k float32) {
	n := len(dx)
	if len(dy) != n || len(x) != n || (g != nil && len(g) != n) {
		panic(fmt.Sprintf("vec: NormGradRow32 of slices of lengths %d, %d, %d and %d", n, len(dy), len(g), len(x)))
	}
	for i := normGradRow32Asm(dx, dy, g, x, m, a, e, k); i < n; i++ {
		gv := dy[i]
		if g != nil {
			gv = float32(gv * g[i])
		}
		dx[i] = fma32(gv, a, fma32(-(x[i]-m), e, k))
	}
}

// GradShift32 writes dx[i] = k1·dy[i] + ((x[i] − m)·k2 + k3) in float32,
// both products fused: group norm's input gradient over a channel run.
// It panics if the lengths differ.
func GradShift32(dx, dy, x []float32, m, k1, k2, k3 float32) {
	n := len(dx)
	if len(dy) != n || len(x) != n {
		panic(fmt.Sprintf("vec: GradShift32 of slices of lengths %d, %d and %d", n, len(dy), len(x)))
	}
	for i := gradShift32Asm(dx, dy, x, m, k1, k2, k3); i < n; i++ {
		dx[i] = fma32(k1, dy[i], fma32(x[i]-m, k2, k3))
	}
}

// Flush32To64 adds float64(s[i]) to d[i] and sets s[i] to 0. It panics if
// the lengths differ.
func Flush32To64(d []float64, s []float32) {
	if len(d) != len(s) {
		panic(fmt.Sprintf("vec: Flush32To64 of slices of lengths %d and %d", len(d), len(s)))
	}
	for i := flush32To64Asm(d, s); i < len(s); i++ {
		d[i] += float64(s[i])
		s[i] = 0
	}
}

// Factors32 returns the float32 factors of x̂ = (x − m)·r + c for a row of
// mean mu and 1/σ = is, r = float32(is): m = float32(mu) and c = (m −
// mu)·is rounded to float32, the error of rounding μ folded into c, or,
// when |mu|·is < 1 (the mean within a σ of 0), m = 0 and c = −mu·is
// rounded, which, the passes fusing x·r + c, rounds x̂ fewer times.
func Factors32(mu, is float64) (m, r, c float32) {
	if math.Abs(mu)*is < 1 {
		return 0, float32(is), float32(-mu * is)
	}
	m = float32(mu)
	return m, float32(is), float32((float64(m) - mu) * is)
}

// NormForwardRow32 is layer norm's (RMS norm's, if rms) forward pass over
// one float32 row: μ, σ² = RowMoments32(x) (μ = 0 and σ² =
// RowSumSqDev32(x, 0)/n if rms), r = 1/√(σ² + eps), and with m, r₃₂, c = Factors32(μ, r), NormRow32(y, x, m,
// r₃₂, c, g, b), or ScaleShift32(y, x, m, r₃₂, c) if g is nil, with the
// bits of those calls; it returns μ and r. It makes the checks and the
// choice of loops once for the row. It panics if the lengths differ.
func NormForwardRow32(y, x, g, b []float32, eps float64, rms bool) (mu, is float64) {
	n := len(x)
	if len(y) != n || (g != nil && len(g) != n) || (b != nil && (g == nil || len(b) != n)) {
		panic(fmt.Sprintf("vec: NormForwardRow32 of slices of lengths %d, %d, %d and %d", n, len(y), len(g), len(b)))
	}
	if rowFast32(n, 16) {
		return normForwardRow32Asm(y, x, g, b, eps, rms)
	}
	var v float64
	if rms {
		v = RowSumSqDev32(x, 0) / float64(n)
	} else {
		mu, v = RowMoments32(x)
	}
	is = 1 / math.Sqrt(v+eps)
	m, r, c := Factors32(mu, is)
	if g == nil {
		ScaleShift32(y, x, m, r, c)
	} else {
		NormRow32(y, x, m, r, c, g, b)
	}
	return mu, is
}

// NormBackwardRow32 is layer norm's (RMS norm's, if rms) backward pass
// over one float32 row of mean mu (0 if rms) and 1/σ = is: with m, r, c =
// Factors32(mu, is), NormGradSums32(dy, g, x, m, r, c, sb, sbh) followed,
// if dx is not nil, by NormGradRow32(dx, dy, g, x, m, r, e, k), e = is·m₂
// and k = −is·m₁ − (m − mu)·e rounded to float32, m₁ = Σĝ/n (0 if rms) and
// m₂ = is·(Σĝ⊙h/n), with the bits of those calls. It makes the checks and
// the choice of loops once for the row. It panics if the lengths differ.
func NormBackwardRow32(dx, dy, g, x []float32, mu, is float64, sb, sbh []float32, rms bool) {
	n := len(dy)
	if len(x) != n || (dx != nil && len(dx) != n) || (g != nil && len(g) != n) || (sb == nil) != (sbh == nil) || (sb != nil && (len(sb) != n || len(sbh) != n)) {
		panic(fmt.Sprintf("vec: NormBackwardRow32 of slices of lengths %d, %d, %d, %d, %d and %d", len(dx), n, len(g), len(x), len(sb), len(sbh)))
	}
	if rowFast32(n, ln32Chunk) {
		normBackwardRow32Asm(dx, dy, g, x, mu, is, sb, sbh, rms)
		return
	}
	m, r, c := Factors32(mu, is)
	sg, sgh := NormGradSums32(dy, g, x, m, r, c, sb, sbh)
	if dx == nil {
		return
	}
	e32, k32 := gradFactors32(sg, sgh, mu, is, m, n, rms)
	NormGradRow32(dx, dy, g, x, m, r, e32, k32)
}

// gradFactors32 returns NormBackwardRow32's e and k rounded to float32.
func gradFactors32(sg, sgh, mu, is float64, m float32, n int, rms bool) (e32, k32 float32) {
	if rms {
		sg = 0
	}
	k := float64(n)
	m1, m2 := sg/k, is*(sgh/k)
	e := is * m2
	return float32(e), float32(-is*m1 - (float64(m)-mu)*e)
}

// The Runs32 functions below are group norm's passes over a block of
// len(k) runs of equal length (a sample's group: one run per channel),
// each run with its own factor; they make the checks and the choice of
// loops once for the block.

// runLen returns the length of each of k runs of n values, panicking
// (for name) unless k divides n.
func runLen(name string, n, k int) int {
	if k == 0 || n%k != 0 {
		panic(fmt.Sprintf("vec: %s of %d values in %d runs", name, n, k))
	}
	return n / k
}

// ScaleShiftRuns32 is ScaleShift32(y_k, x_k, m, a[k], b[k]) over the
// len(a) runs y_k, x_k of y and x. It panics if the lengths differ or
// len(a) does not divide them.
func ScaleShiftRuns32(y, x []float32, m float32, a, b []float32) {
	if len(y) != len(x) || len(b) != len(a) {
		panic(fmt.Sprintf("vec: ScaleShiftRuns32 of slices of lengths %d, %d, %d and %d", len(y), len(x), len(a), len(b)))
	}
	in := runLen("ScaleShiftRuns32", len(x), len(a))
	if rowFast32(in, 16) {
		scaleShiftRuns32Asm(y, x, m, a, b, in)
		return
	}
	for k := range a {
		ys, xs := y[k*in:][:in], x[k*in:][:in]
		if scaleShift32Asm(ys, xs, m, a[k], b[k]) < in {
			ScaleShift32(ys, xs, m, a[k], b[k])
		}
	}
}

// SumsRuns32 sets sd[k], sdh[k] = NormGradSums32(dy_k, nil, x_k, m, r, c,
// nil, nil) over the len(sd) runs dy_k, x_k of dy and x. It panics if the
// lengths differ or len(sd) does not divide them.
func SumsRuns32(sd, sdh []float64, dy, x []float32, m, r, c float32) {
	if len(dy) != len(x) || len(sdh) != len(sd) {
		panic(fmt.Sprintf("vec: SumsRuns32 of slices of lengths %d, %d, %d and %d", len(sd), len(sdh), len(dy), len(x)))
	}
	in := runLen("SumsRuns32", len(x), len(sd))
	if rowFast32(in, ln32Chunk) {
		sumsRuns32Asm(sd, sdh, dy, x, m, r, c, in)
		return
	}
	for k := range sd {
		sd[k], sdh[k] = NormGradSums32(dy[k*in:][:in], nil, x[k*in:][:in], m, r, c, nil, nil)
	}
}

// GradShiftRuns32 is GradShift32(dx_k, dy_k, x_k, m, k1[k], k2, k3) over
// the len(k1) runs dx_k, dy_k, x_k of dx, dy and x. It panics if the
// lengths differ or len(k1) does not divide them.
func GradShiftRuns32(dx, dy, x []float32, m float32, k1 []float32, k2, k3 float32) {
	if len(dy) != len(dx) || len(x) != len(dx) {
		panic(fmt.Sprintf("vec: GradShiftRuns32 of slices of lengths %d, %d and %d", len(dx), len(dy), len(x)))
	}
	in := runLen("GradShiftRuns32", len(x), len(k1))
	if rowFast32(in, 16) {
		gradShiftRuns32Asm(dx, dy, x, m, k1, k2, k3, in)
		return
	}
	for k, a := range k1 {
		dxs, dys, xs := dx[k*in:][:in], dy[k*in:][:in], x[k*in:][:in]
		if gradShift32Asm(dxs, dys, xs, m, a, k2, k3) < in {
			GradShift32(dxs, dys, xs, m, a, k2, k3)
		}
	}
}

// NormForwardRows32 is NormForwardRow32 over the rows of d values of x and
// y, writing row i's μ (but if rms) and r to stats[ns·i] and
// stats[ns·i+ns−1], ns = 2 (1 if rms): the forward of layer and RMS norm
// over a range of rows, with the checks made once. It panics if the
// lengths do not fit.
func NormForwardRows32(y, x, g, b []float32, d int, stats []float64, eps float64, rms bool) {
	ns := 2
	if rms {
		ns = 1
	}
	if d <= 0 || len(x)%d != 0 || len(y) != len(x) || len(stats) != ns*(len(x)/d) || (g != nil && len(g) != d) || (b != nil && (g == nil || len(b) != d)) {
		panic(fmt.Sprintf("vec: NormForwardRows32 of slices of lengths %d, %d, %d, %d and %d for rows of %d", len(y), len(x), len(g), len(b), len(stats), d))
	}
	rows := len(x) / d
	if rowFast32(d, 16) {
		normForwardRows32Asm(y, x, g, b, d, rows, stats, ns, eps, rms)
		return
	}
	for i := range rows {
		mu, is := NormForwardRow32(y[i*d:][:d], x[i*d:][:d], g, b, eps, rms)
		if !rms {
			stats[2*i] = mu
		}
		stats[ns*i+ns-1] = is
	}
}

// NormBackwardRows32 is NormBackwardRow32 over the rows of d values of dy
// and x (and dx, if not nil), row i's μ and r read from stats as
// NormForwardRows32 writes them, with the column sums sb and sbh, if not
// nil, added into cb and cbh (Flush32To64) after every flush rows and
// after the last: the backward of layer and RMS norm over a block of
// rows, with the checks made once. It panics if the lengths do not fit.
func NormBackwardRows32(dx, dy, g, x []float32, d int, stats []float64, rms bool, sb, sbh []float32, cb, cbh []float64, flush int) {
	ns := 2
	if rms {
		ns = 1
	}
	cols := sb != nil
	if d <= 0 || len(x)%d != 0 || len(dy) != len(x) || (dx != nil && len(dx) != len(x)) || len(stats) != ns*(len(x)/d) || (g != nil && len(g) != d) ||
		(cols && (len(sb) != d || len(sbh) != d || len(cb) != d || len(cbh) != d || flush <= 0)) {
		panic(fmt.Sprintf("vec: NormBackwardRows32 of slices of lengths %d, %d, %d, %d, %d, %d and %d for rows of %d", len(dx), len(dy), len(g), len(x), len(stats), len(sb), len(cb), d))
	}
	rows := len(x) / d
	if rowFast32(d, ln32Chunk) {
		normBackwardRows32Asm(dx, dy, g, x, d, rows, stats, ns, rms, sb, sbh, cb, cbh, flush)
		return
	}
	for i := range rows {
		mu, is := 0.0, stats[ns*i+ns-1]
		if !rms {
			mu = stats[2*i]
		}
		var dxs []float32
		if dx != nil {
			dxs = dx[i*d:][:d]
		}
		NormBackwardRow32(dxs, dy[i*d:][:d], g, x[i*d:][:d], mu, is, sb, sbh, rms)
		if cols && (i%flush == flush-1 || i == rows-1) {
			Flush32To64(cb, sb)
			Flush32To64(cbh, sbh)
		}
	}
}
