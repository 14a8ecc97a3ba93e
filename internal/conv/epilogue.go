package conv

import (
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/tensor"
)

// Epilogue is what a convolution's forward kernels apply to each output
// plane right after writing it, while it is in cache: an evaluation-mode
// batch norm, a per-channel affine map, and a ReLU,
//
//	y[n,c,…] ← max(y[n,c,…]·Scale[c] + Shift[c], 0)
//
// with each step rounded as the separate passes round it (the product, then
// the sum), so that the fused convolution gives the bits of Conv2d followed
// by ChannelAffine and ReLU. Scale and Shift are both nil (no affine map) or
// both of length Cout; ReLU keeps NaNs and turns −0 into +0, as ops.ReLU.
type Epilogue[T tensor.Float] struct {
	Scale, Shift []T
	ReLU         bool
	// Pool, if not nil, max-pools each output plane after the rest into
	// the output (see epilogue_pool.go).
	Pool *PoolGeom
}

// apply applies the epilogue to dst, one output plane (or part of one) of
// output channel co. A nil e does nothing.
func (e *Epilogue[T]) apply(dst []T, co int) {
	if e == nil {
		return
	}
	if e.Scale != nil && e.ReLU {
		// Adding a zero bias changes only the sign of zeros, which the
		// ReLU makes +0 either way.
		vec.BiasAffineReLU(dst, dst, 0, e.Scale[co], e.Shift[co])
		return
	}
	if e.Scale != nil {
		vec.BinaryVS(vec.OpMul, dst, dst, e.Scale[co])
		vec.BinaryVS(vec.OpAdd, dst, dst, e.Shift[co])
	}
	if e.ReLU {
		vec.ReLU(dst, dst)
	}
}

// finish adds the bias b[co] (unless b is nil) to dst, one output plane (or
// part of one) of output channel co, and applies the epilogue e (unless it
// is nil): in one pass where e has an affine map and a ReLU.
func (e *Epilogue[T]) finish(dst []T, co int, b []T) {
	if e != nil && e.Scale != nil && e.ReLU {
		var bias T
		if b != nil {
			bias = b[co]
		}
		vec.BiasAffineReLU(dst, dst, bias, e.Scale[co], e.Shift[co])
		return
	}
	if b != nil {
		vec.BinaryVS(vec.OpAdd, dst, dst, b[co])
	}
	e.apply(dst, co)
}

// ProductNCHW writes y = W·cols + b, N×Cout×HOut×WOut, for a convolution
// of one group, with one GEMM per sample straight into the sample's output
// planes — Product and ToNCHW without the Cout×(N·HOut·WOut) product in
// between — and applies the epilogue e (nil for none) to each output plane
// as soon as its bias is added — pooling it into y where e pools. Each
// output is the same dot product over the KG rows of cols as Product's.
func ProductNCHW[T tensor.Float](y, w, cols, b []T, e *Epilogue[T], g *Geom) {
	l := g.Plane()
	po := e.outPlane(l)
	var ys, yo []T // the current sample's output planes, and where they go in y
	var full []T   // a sample's planes before pooling
	if e != nil && e.Pool != nil {
		full = make([]T, g.Cout*l)
	}
	finish := func(lo, hi int) {
		pp := e.pooler()
		for co := lo; co < hi; co++ {
			dst := ys[co*l : (co+1)*l]
			e.finish(dst, co, b)
			if pp != nil {
				pp.pool(yo[co*po:(co+1)*po], dst)
			}
		}
	}
	for s := range g.N {
		yo = y[s*g.Cout*po : (s+1)*g.Cout*po]
		ys = yo
		if full != nil {
			ys = full
		}
		tensor.Gemm(false, false, g.Cout, l, g.KG,
			1, w, g.KG,
			cols[s*l:], g.Cols,
			0, ys, l)
		if b != nil || e != nil {
			parallel.Chunks(g.Cout, max(parallel.Grain/l, 1), finish)
		}
	}
}
