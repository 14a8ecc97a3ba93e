package conv

import (
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/tensor"
)

// The tile transforms of F(2×2, 3×3) and their adjoints (see winograd.go).
// Each works on one channel plane at a time and on one row of tiles at a
// time: it applies the 1-d transform down the columns of the whole strip
// of rows the tiles share, then along each tile's rows, writing or reading
// each of the 16 positions ξ = 4i + j as a run of tw consecutive values —
// the tiles of the row. Neighbouring tiles overlap by two columns, so the
// first half is done once for both. Planes are copied into (or out of) a
// buffer padded to 2·th + 2 rows and 2·tw + 2 columns of zeros, so that no
// tile needs a bounds check.
//
// Planes are visited channel-major — channel c of samples 0, 1, …, N−1,
// then channel c+1 — because that is the order of the tiles in each of the
// 16 matrices, whose runs for one channel hold every sample's tiles one
// after the other: each goroutine then writes (or reads) 16 runs
// sequentially, rather than 16·C places a matrix apart, which for small
// planes left each cache line to be filled by C planes later, after it
// had been evicted.

// WinoInput writes V = Bᵀ d B for every input tile d of x into v:
// v[ξ·vstep + c·T + t] is position ξ of the transform of tile t of channel
// c. With Bᵀa = (a0−a2, a1+a2, a2−a1, a1−a3), Bᵀ goes down the columns of
// the strip and then along the rows of each tile (vec.WinoInputRows, in
// vectors of 4 tiles a row for float32 on amd64). Channel planes are
// transformed in parallel.
func WinoInput[T tensor.Float](v, x []T, g *Geom, tg *WinoTiles) {
	hw, wps := g.H*g.W, vec.WinoInputStride(tg.TW)
	parallel.Chunks(g.N*g.C, max(parallel.Grain/(16*tg.Plane), 1), func(lo, hi int) {
		buf := make([]T, (2*tg.TH+2)*wps)
		strip := make([]T, 4*wps)
		for p := lo; p < hi; p++ {
			c, s := p/g.N, p%g.N // channel-major (see above); pl is the plane in x
			pl := s*g.C + c
			// The plane's rows, each with zeros after it up to a
			// multiple of 8, which fall in the padding or past the
			// tiles' columns.
			vec.PadRows(buf[g.PH*wps+g.PW:], wps, x[pl*hw:(pl+1)*hw], g.W, g.H)
			vec.WinoInputRows(v[c*tg.Count+s*tg.Plane:], tg.VStep, buf, strip, tg.TW, tg.TH)
			// Only the padding stays zero for the next plane: its
			// interior is overwritten.
		}
	})
}

// WinoInputAdjoint writes into dx the sum, over the tiles, of B dV Bᵀ for
// each tile's part of dv (laid out as WinoInput's v) placed where the tile
// was read, dropping what falls in the padding: the adjoint of WinoInput.
// With Ba = (a0, a1−a2+a3, a1+a2−a0, −a3), B goes along each tile's rows,
// adding into the strip where tiles overlap, then down the strip's columns
// (vec.WinoInputAdjointRows, 4 tiles to a vector for float32 on amd64).
// Each goroutine owns whole channel planes and adds their tiles in order.
func WinoInputAdjoint[T tensor.Float](dx, dv []T, g *Geom, tg *WinoTiles) {
	hw, wps := g.H*g.W, vec.WinoInputStride(tg.TW)
	parallel.Chunks(g.N*g.C, max(parallel.Grain/(16*tg.Plane), 1), func(lo, hi int) {
		buf := make([]T, (2*tg.TH+2)*wps)
		strip := make([]T, 4*wps)
		for p := lo; p < hi; p++ {
			c, s := p/g.N, p%g.N // channel-major (see above); pl is the plane in dx
			pl := s*g.C + c
			clear(buf)
			vec.WinoInputAdjointRows(buf, dv[c*tg.Count+s*tg.Plane:], tg.VStep, strip, tg.TW, tg.TH)
			dst := dx[pl*hw : (pl+1)*hw]
			for y := range g.H {
				copyShort(dst[y*g.W:(y+1)*g.W], buf[(y+g.PH)*wps+g.PW:])
			}
		}
	})
}

// winoRunPlane is the number of tiles per plane from which WinoOutput
// visits planes sample-major, in the order of y, rather than
// channel-major: each plane's run of each of the 16 matrices is then long
// enough to be read at full speed wherever it lies (measured with
// BenchmarkWinoTransforms: 64x16x16 reads runs of 64 tiles, and was 1.3×
// slower channel-major).
const winoRunPlane = 64

// WinoOutput writes the output tiles Aᵀ M A of m (laid out as WinoTiles
// says) into y (N×Cout×Hout×Wout), cropped at odd edges, adding the bias b
// unless it is nil. With Aᵀa = (a0+a1+a2, a1−a2−a3), Aᵀ goes along each
// tile's rows and then down its columns. Each output plane's tiles are a
// run of consecutive values in each of the 16 matrices, which
// vec.WinoOutputRows reads together (4 tiles of a row to a vector for
// float32 on amd64), writing each tile's four outputs at once: straight
// into y where Hout and Wout are even, through a buffer that the crop
// copies from otherwise. Output planes are written in parallel.
func WinoOutput[T tensor.Float](y, m, b []T, g *Geom, tg *WinoTiles) {
	WinoOutputEpilogue(y, m, b, nil, g, tg)
}

// WinoOutputEpilogue is WinoOutput followed by the epilogue e (nil for
// none) on each output plane as soon as it is written, which pools it into
// y where e pools.
func WinoOutputEpilogue[T tensor.Float](y, m, b []T, e *Epilogue[T], g *Geom, tg *WinoTiles) {
	winoOutputChannels(y, m, tg.MStep, b, e, g, tg, 0, g.Cout)
}

// winoOutputChannels is WinoOutputEpilogue for the output channels [co0,
// co1) alone, whose M_ξ, (co1 − co0)×T each, are mstep apart in m.
func winoOutputChannels[T tensor.Float](y, m []T, mstep int, b []T, e *Epilogue[T], g *Geom, tg *WinoTiles, co0, co1 int) {
	l := g.Plane()
	po := e.outPlane(l)
	even := g.HOut%2 == 0 && g.WOut%2 == 0
	nc := co1 - co0
	parallel.Chunks(g.N*nc, max(parallel.Grain/(16*tg.Plane), 1), func(lo, hi int) {
		var buf []T
		if !even {
			buf = make([]T, 4*tg.Plane)
		}
		pp := e.pooler()
		var full []T // a plane before pooling
		if pp != nil {
			full = make([]T, l)
		}
		for p := lo; p < hi; p++ {
			c, s := p/g.N, p%g.N // channel-major (see above)
			if tg.Plane >= winoRunPlane {
				s, c = p/nc, p%nc // sample-major, y's order
			}
			co := co0 + c
			pl := s*g.Cout + co // the plane in y
			var bias T
			if b != nil {
				bias = b[co]
			}
			mo := m[c*tg.Count+s*tg.Plane:]
			yo := y[pl*po : (pl+1)*po]
			dst := yo
			if full != nil {
				dst = full
			}
			if even {
				vec.WinoOutputRows(dst, mo, mstep, bias, tg.TW, tg.TH)
			} else {
				vec.WinoOutputRows(buf, mo, mstep, bias, tg.TW, tg.TH)
				for oy := range g.HOut {
					copyShort(dst[oy*g.WOut:(oy+1)*g.WOut], buf[oy*2*tg.TW:])
				}
			}
			e.apply(dst, co)
			if pp != nil {
				pp.pool(yo, dst)
			}
		}
	})
}

// WinoOutputAdjoint writes dM = A dYtile Aᵀ for every 2×2 tile of dy into dm
// (laid out as WinoOutput's m), taking cropped outputs as zero: the adjoint
// of WinoOutput without the bias. With Aa = (a0, a0+a1, a0−a1, −a1), A goes
// along each tile's two rows and then down its four columns
// (vec.WinoOutputAdjointRows, 4 tiles to a vector for float32 on amd64).
func WinoOutputAdjoint[T tensor.Float](dm, dy []T, g *Geom, tg *WinoTiles) {
	l, wps := g.Plane(), vec.WinoInputStride(tg.TW)
	parallel.Chunks(g.N*g.Cout, max(parallel.Grain/(16*tg.Plane), 1), func(lo, hi int) {
		buf := make([]T, 2*tg.TH*wps) // the cropped outputs stay zero
		for p := lo; p < hi; p++ {
			co, s := p/g.N, p%g.N // channel-major (see above); pl is the plane in dy
			pl := s*g.Cout + co
			vec.PadRows(buf, wps, dy[pl*l:(pl+1)*l], g.WOut, g.HOut) // zeros where cropped
			vec.WinoOutputAdjointRows(dm[co*tg.Count+s*tg.Plane:], tg.MStep, buf, tg.TW, tg.TH)
		}
	})
}
