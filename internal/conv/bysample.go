package conv

import (
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/tensor"
)

// bySampleDepth is the largest depth KG (input channels times kernel taps)
// of a convolution that ForwardBySamples computes: a shallow product, such
// as a first layer's 3 channels × 3×3 taps, of which one sample's im2col
// matrix (KG × HOut·WOut) fits in L2 next to the sample's output.
const bySampleDepth = 64

// bySamplePlane is the least output plane (HOut·WOut) ForwardBySamples
// computes: below it the per-sample products are too small to pay for
// their calls.
const bySamplePlane = 256

// gemmSerialWork is the most multiply-adds (m·n·k) of a GEMM that
// internal/gemm computes on the calling goroutine alone, its
// minWorkPerWorker: ForwardBySamples cuts its products below it, because
// its goroutines already keep every core busy.
const gemmSerialWork = 1<<19 - 1

// BySamples reports whether ForwardBySamples computes the convolution of
// geometry g: one group, a depth KG of at most bySampleDepth and an output
// plane of at least bySamplePlane.
func BySamples(g *Geom) bool {
	return g.Groups == 1 && g.KG <= bySampleDepth && g.Plane() >= bySamplePlane
}

// ForwardBySamples writes y = W·cols + b, N×Cout×HOut×WOut, for a
// convolution for which BySamples holds, sample by sample: each goroutine
// takes whole samples and, for each, unfolds it into an im2col matrix of
// its own (KG × HOut·WOut, reused from sample to sample), multiplies it by
// the weights straight into the sample's output planes, on its own, and
// then adds the bias and applies the epilogue e (nil for none) to each
// plane while it is in cache, pooling it into y where e pools. It needs no Rows×Cols matrix for the batch
// and synchronizes once rather than at every GEMM, which on a shallow
// product such as a first layer's (27 deep) costs more than the product.
// Every output is the same dot product over the KG rows of cols as
// ProductNCHW's, in the same order (one depth block), so the bits are
// ProductNCHW's.
func ForwardBySamples[T tensor.Float](y, x, w, b []T, e *Epilogue[T], gp *Geom) {
	g := *gp // a local copy, which the closure reads without going through gp
	one := g // the geometry of one sample, whose im2col matrix is KG × L
	one.N, one.Cols = 1, g.Plane()
	l, in := g.Plane(), g.C*g.H*g.W
	// Columns per GEMM: a multiple of 32 (the widest micro-kernel tile)
	// such that the product stays on this goroutine.
	nc := max(gemmSerialWork/max(g.Cout*g.KG, 1)/32*32, 32)
	po := e.outPlane(l)
	parallel.For(g.N, func(lo, hi int) {
		cols := make([]T, g.KG*l) // zero where the padding is, for every sample
		pp := e.pooler()
		var full []T // a sample's planes before pooling
		if pp != nil {
			full = make([]T, g.Cout*l)
		}
		for s := lo; s < hi; s++ {
			Im2col(cols, x[s*in:(s+1)*in], &one)
			yo := y[s*g.Cout*po : (s+1)*g.Cout*po]
			ys := yo
			if full != nil {
				ys = full
			}
			for j := 0; j < l; j += nc {
				tensor.Gemm(false, false, g.Cout, min(nc, l-j), g.KG,
					1, w, g.KG,
					cols[j:], l,
					0, ys[j:], l)
			}
			for co := range g.Cout {
				dst := ys[co*l : (co+1)*l]
				e.finish(dst, co, b)
				if pp != nil {
					pp.pool(yo[co*po:(co+1)*po], dst)
				}
			}
		}
	})
}
