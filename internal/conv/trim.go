package conv

import (
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/tensor"
)

// TrimTaps returns the geometry of the convolution g computed with only the
// kernel taps that read the image for at least one output position: rows
// [kh0, kh0+t.KH) and columns [kw0, kw0+t.KW) of the kernel, and true, when
// that drops a row or a column of taps; g itself, 0, 0 and false
// otherwise. Tap ky is dead when, for every output row oy,
//
//	oy·SH − PH + ky·DH ∉ [0, H)        (columns likewise)
//
// so that it multiplies only padding. Dropping the leading kh0 rows moves
// the kernel's origin by kh0·DH: the trimmed geometry has
//
//	t.KH = kh1 − kh0,  t.PH = PH − kh0·DH      (t.KW, t.PW likewise)
//
// and the same output plane, HOut×WOut, which it keeps rather than derive
// from the (then possibly asymmetric, or negative) padding. The im2col
// kernels (Im2col, Col2im, ForwardBySamples) take such a geometry as it
// stands; the trimmed convolution of the trimmed weights (CopyTaps) is the
// convolution, less the products by the padding's zeros.
//
// A 3×3 kernel with padding 1 on a 1×1 plane keeps its centre tap alone:
// a 1×1 convolution without padding, K = C rather than 9·C. Where an axis
// has no live tap at all, the output is the bias alone; TrimTaps leaves
// that geometry as it is (false), for the untrimmed kernels to compute.
func TrimTaps(g *Geom) (t Geom, kh0, kw0 int, ok bool) {
	kh0, kh1 := liveTaps(g.H, g.HOut, g.SH, g.PH, g.DH, g.KH)
	kw0, kw1 := liveTaps(g.W, g.WOut, g.SW, g.PW, g.DW, g.KW)
	if kh0 >= kh1 || kw0 >= kw1 || (kh1-kh0 == g.KH && kw1-kw0 == g.KW) {
		return *g, 0, 0, false
	}
	t = *g
	t.KH, t.KW = kh1-kh0, kw1-kw0
	t.PH, t.PW = g.PH-kh0*g.DH, g.PW-kw0*g.DW
	t.Rows, t.KG = t.C*t.KH*t.KW, t.C/t.Groups*t.KH*t.KW
	return t, kh0, kw0, true
}

// liveTaps returns the first live tap lo and one past the last hi of an
// axis of k taps, dilation dil, over n inputs padded by pad and read at out
// positions stride apart: the taps that reach [0, n) from some output
// position. Taps between lo and hi may be dead too (a stride wider than the
// image skips it); they stay, reading padding as before. lo = hi = 0 when
// no tap is live.
func liveTaps(n, out, stride, pad, dil, k int) (lo, hi int) {
	lo, hi = -1, 0
	for kk := range k {
		if o0, o1 := validRange(n, out, stride, pad, kk*dil); o0 < o1 {
			if lo < 0 {
				lo = kk
			}
			hi = kk + 1
		}
	}
	if lo < 0 {
		return 0, 0
	}
	return lo, hi
}

// CopyTaps writes into wt the trimmed weights of the weights w of geometry
// g, Cout×(C/Groups)×KH×KW: the taps [kh0, kh0+t.KH) × [kw0, kw0+t.KW) of
// every kernel plane, Cout×(C/Groups)×t.KH×t.KW, where t is TrimTaps's
// geometry. Kernel planes are copied in parallel; the copy reads about all
// of w (a 3×3 plane is 36 bytes in float32), which costs what the product
// with the trimmed weights saves on a 1×1 plane at batch 32.
func CopyTaps[T tensor.Float](wt, w []T, g, t *Geom, kh0, kw0 int) {
	kk, tk := g.KH*g.KW, t.KH*t.KW
	planes := g.Cout * (g.C / g.Groups)
	parallel.Chunks(planes, max(parallel.Grain/kk, 1), func(lo, hi int) {
		if tk == 1 {
			src, dst := w[lo*kk+kh0*g.KW+kw0:], wt[lo:hi]
			for p := range dst {
				dst[p] = src[p*kk]
			}
			return
		}
		for p := lo; p < hi; p++ {
			src, dst := w[p*kk+kh0*g.KW+kw0:], wt[p*tk:(p+1)*tk]
			o := 0
			for ky := range t.KH {
				for kx := range t.KW {
					dst[o] = src[ky*g.KW+kx]
					o++
				}
			}
		}
	})
}

// EmbedTaps is the adjoint of CopyTaps: it writes the trimmed weights' (or
// their gradient's) taps wt into their places in w, laid out as the
// weights of geometry g, and zeros everywhere else. Kernel planes are
// written in parallel.
func EmbedTaps[T tensor.Float](w, wt []T, g, t *Geom, kh0, kw0 int) {
	kk, tk := g.KH*g.KW, t.KH*t.KW
	planes := g.Cout * (g.C / g.Groups)
	parallel.Chunks(planes, max(parallel.Grain/kk, 1), func(lo, hi int) {
		clear(w[lo*kk : hi*kk])
		for p := lo; p < hi; p++ {
			dst, src := w[p*kk+kh0*g.KW+kw0:], wt[p*tk:(p+1)*tk]
			o := 0
			for ky := range t.KH {
				for kx := range t.KW {
					dst[ky*g.KW+kx] = src[o]
					o++
				}
			}
		}
	})
}
