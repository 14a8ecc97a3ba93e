package ops

import (
	"math"

	"github.com/tapegrad/tapegrad/internal/vec"
)

// The float32 passes of LayerNorm, RMSNorm and GroupNorm. The statistics
// are summed in float64: μ and σ² in one pass over the row, shifted by its
// first value (vec.RowMoments32: as that is one of the values, the
// subtraction loses at most log₂(D + 1) of float64's bits), Σ x² for
// RMSNorm (vec.RowSumSqDev32), and r = (σ² + Eps)^(−½) in
// float64. The element-wise passes then compute in float32, as PyTorch's
// and batch norm's do (package vec's norm32.go), each product fused into
// the sum it feeds (FMA), from d = x − m, where m is μ rounded to float32
// (the difference exact when x lies within a factor of 2 of m), or 0 when
// |μ| < σ (vec.Factors32); m − μ is folded into the passes' float32
// factors, computed in float64 and rounded once:
//
//	x̂ = d·r + c,                       c = (m − μ)·r
//	y = x̂·γ + β
//	dx = ĝ·r + (k − d·e),              e = r²·m₂, k = −r·m₁ − (m − μ)·e
//
// (m₁ = Σĝ/D, m₂ = Σ ĝ ⊙ x̂/D; group norm's forms likewise). The backward's
// row sums Σ ĝ and Σ ĝ ⊙ x̂ add their float32 terms in float32 partials of
// at most 4 terms each before float64 (vec.NormGradSums32), and the column
// sums of dγ and dβ add a row's terms in float32 over at most lnFlushRows
// rows of a block before float64 (vec.Flush32To64): float32 sums of at most
// 4 and lnFlushRows terms, where PyTorch's float32 sums run over whole rows
// and, for dγ and dβ, over every row. benchmarks/normbench/accuracy.py
// measures the errors of both against float64 on W6's shapes.

// lnFlushRows is the number of rows whose dγ and dβ terms normBackward32
// adds in float32 before adding them into the block's float64 sums.
const lnFlushRows = 8

// normForward32 is normForward for float32: each row's μ (0 for RMSNorm)
// and r, and y = x̂ ⊙ γ + β in float32 (vec.NormRow32; vec.ScaleShift32
// without γ).
func normForward32(y, x, g, b []float32, stats []float64, rows, d int, eps float64, rms bool) {
	if rows == 0 {
		return
	}
	ns := normStats(rms)
	normPieces(rows, d, func(lo, hi int) {
		vec.NormForwardRows32(y[lo*d:hi*d], x[lo*d:hi*d], g, b, d, stats[ns*lo:ns*hi], eps, rms)
	})
}

// normBackward32 is normBackward's row loop for float32: over the nb row
// blocks (vec.NormBackwardRows32), a row's Σ ĝ and Σ ĝ ⊙ x̂ and its
// float32 terms of dβ and dγ (vec.NormGradSums32), added into the block's
// float64 sums in part every lnFlushRows rows, then its dx
// (vec.NormGradRow32), if dx is not nil.
func normBackward32(dx, dy, g, x []float32, stats, part []float64, rows, d, nb int, rms bool) {
	ns := normStats(rms)
	params := part != nil
	normWorkers(nb, rows*d/nb, func() func(lo, hi int) {
		var sb, sbh []float32 // the float32 column sums of up to lnFlushRows rows
		if params {
			sb, sbh = make([]float32, d), make([]float32, d)
		}
		return func(blo, bhi int) {
			for b := blo; b < bhi; b++ {
				lo, hi := b*rows/nb, (b+1)*rows/nb
				var dxs []float32
				if dx != nil {
					dxs = dx[lo*d : hi*d]
				}
				var cb, cbh []float64
				if params {
					cb, cbh = part[2*b*d:][:d], part[(2*b+1)*d:][:d]
				}
				vec.NormBackwardRows32(dxs, dy[lo*d:hi*d], g, x[lo*d:hi*d], d, stats[ns*lo:ns*hi], rms, sb, sbh, cb, cbh, lnFlushRows)
			}
		}
	})
}

// gnForward32 is GroupNorm's forward for float32: each block's μ and 1/σ
// in st, its μ and σ² rounded to float32 in md and vd, and y, channel run
// by channel run, as ((x − m)·a) + b in float32 (vec.ScaleShiftRuns32),
// with a = γ/σ and b = β + (m − μ)·a rounded from float64 (a = 1/σ and
// b = (m − μ)/σ without γ and β).
func gnForward32(y, x, g, b, md, vd []float32, st []float64, blocks, m, groups, cg, inner int, eps float64) {
	normWorkers(blocks, m, func() func(lo, hi int) {
		fa, fb := make([]float32, cg), make([]float32, cg) // a block's a and b
		return func(lo, hi int) {
			for bl := lo; bl < hi; bl++ {
				xs, ys := x[bl*m:][:m], y[bl*m:][:m]
				mu, vr := vec.RowMoments32(xs)
				if m == 0 { // an empty mean, as the float64 passes'
					mu, vr = math.NaN(), math.NaN()
				}
				is := 1 / math.Sqrt(vr+eps)
				md[bl], vd[bl] = float32(mu), float32(vr)
				st[2*bl], st[2*bl+1] = mu, is
				mm, _, _ := vec.Factors32(mu, is)
				dm := float64(mm) - mu
				if g == nil {
					vec.ScaleShift32(ys, xs, mm, float32(is), float32(dm*is))
					continue
				}
				ch0 := bl % groups * cg
				for c := range cg {
					a := is * float64(g[ch0+c])
					fa[c], fb[c] = float32(a), float32(float64(b[ch0+c])+dm*a)
				}
				vec.ScaleShiftRuns32(ys, xs, mm, fa, fb)
			}
		}
	})
}

// gnBackward32 is GroupNorm's backward for float32: per sample and channel
// c (index i), Σ dy and Σ dy ⊙ x̂ over the channel's inner values into
// sdy[i] and sdyh[i] (vec.SumsRuns32: vec.NormGradSums32 without γ, x̂ =
// (x − m)·r + c from vec.Factors32), and, if dx is not nil, dx over the
// channel's run as k1·dy + ((x − m)·k2 + k3) in float32
// (vec.GradShiftRuns32), k1 = γ_c/σ, k2 = −(1/σ)²·Σ a ⊙ x̂/M and
// k3 = −(1/σ)·Σ a/M + k2·(m − μ), rounded from float64, a = γ ⊙ dy summed
// over the group.
func gnBackward32(dx, dy, g, x []float32, st, sdy, sdyh []float64, blocks, groups, cg, inner int) {
	m := cg * inner
	k := float64(m)
	normWorkers(blocks, m, func() func(lo, hi int) {
		k1 := make([]float32, cg)
		return func(lo, hi int) {
			for bl := lo; bl < hi; bl++ {
				ch0 := bl % groups * cg
				mu, is := st[2*bl], st[2*bl+1]
				mm, r, c := vec.Factors32(mu, is)
				sd, sdh := sdy[bl*cg:][:cg], sdyh[bl*cg:][:cg]
				dys, xs := dy[bl*m:][:m], x[bl*m:][:m]
				vec.SumsRuns32(sd, sdh, dys, xs, mm, r, c)
				sa, sah := 0.0, 0.0
				for j := range cg {
					gk := 1.0
					if g != nil {
						gk = float64(g[ch0+j])
					}
					sa += gk * sd[j]
					sah += gk * sdh[j]
					k1[j] = float32(is * gk)
				}
				if dx == nil {
					continue
				}
				k2 := -is * is * sah / k
				k3 := float32(-is*sa/k + k2*(float64(mm)-mu))
				vec.GradShiftRuns32(dx[bl*m:][:m], dys, xs, mm, k1, float32(k2), k3)
			}
		}
	})
}
