package conv

import "github.com/tapegrad/tapegrad/tensor"

// An Epilogue's Pool is a max pooling of windows of KH×KW taps (no
// dilation), moved by (SH, SW) over the output plane padded by (PH, PW), as
// a PoolGeom says: each output plane, once the rest of the epilogue has
// been applied, is pooled into the output, which is then
// N×Cout×Pool.HOut×Pool.WOut, so that the full plane is only ever in a
// buffer of the goroutine that wrote it, while in cache. The maxima are
// MaxPoolValues's. Pool's Planes is not used; its H and W must be the
// convolution's HOut and WOut and its DH and DW 1, as its user checks.

// pooler pools output planes for one goroutine of a kernel: the epilogue's
// pooling, the in-bounds columns and rows of its windows and a buffer for
// the first pass of MaxPoolValues's two.
type pooler[T tensor.Float] struct {
	g          *PoolGeom
	span, rows [][2]int
	rowMax     []T
}

// pooler returns a pooler for e, or nil if e does not pool. Each goroutine
// needs its own.
func (e *Epilogue[T]) pooler() *pooler[T] {
	if e == nil || e.Pool == nil {
		return nil
	}
	g := e.Pool
	p := &pooler[T]{g: g, span: make([][2]int, g.WOut), rows: make([][2]int, g.HOut)}
	for j := range p.span {
		p.span[j][0], p.span[j][1] = g.cols(j)
	}
	for i := range p.rows {
		p.rows[i][0], p.rows[i][1] = g.rows(i)
	}
	if g.H*g.W > smallPoolPlane {
		p.rowMax = make([]T, g.H*g.WOut)
	}
	return p
}

// pool writes into yp the maxima of the windows of the plane xp, as
// MaxPoolValues does.
func (p *pooler[T]) pool(yp, xp []T) {
	g := p.g
	if g.H*g.W <= smallPoolPlane {
		maxPoolSmallPlane(yp, xp, g.W, p.rows, p.span)
		return
	}
	maxPoolRows(p.rowMax, xp, p.span, g.W)
	maxPoolCols(yp, p.rowMax, g)
}

// outPlane returns the size of an output plane as the kernels write it
// into y: the pooled plane where e pools, l otherwise.
func (e *Epilogue[T]) outPlane(l int) int {
	if e == nil || e.Pool == nil {
		return l
	}
	return e.Pool.HOut * e.Pool.WOut
}
