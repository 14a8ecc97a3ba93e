package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestWinoOutputMatchesByRows: the one-loop WinoOutput gives the bits of
// the row-by-row reference, with and without a bias, on even and odd
// output planes from 1×1 to 17×16, in float64 and float32, over enough
// planes to split among goroutines.
func TestWinoOutputMatchesByRows(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, hw := range [][2]int{{1, 1}, {2, 2}, {4, 4}, {3, 5}, {8, 8}, {7, 6}, {16, 16}, {17, 16}} {
		for _, n := range []int{1, 40} {
			g := newGeom(n, 3, hw[0], hw[1], 70, 3, 3, 1, 1, 1, 1)
			tg := NewWinoTiles(g)
			m := randSlice(r, 16*tg.MStep)
			for _, b := range [][]float64{nil, randSlice(r, g.Cout)} {
				want, got := make([]float64, g.N*g.Cout*g.Plane()), make([]float64, g.N*g.Cout*g.Plane())
				winoOutputByRows(want, m, b, g, &tg)
				WinoOutput(got, m, b, g, &tg)
				for i := range want {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("%v, bias %t: y[%d] = %v, by rows %v", g, b != nil, i, got[i], want[i])
					}
				}
				m32, b32 := make([]float32, len(m)), []float32(nil)
				for i, v := range m {
					m32[i] = float32(v)
				}
				for _, v := range b {
					b32 = append(b32, float32(v))
				}
				want32, got32 := make([]float32, len(want)), make([]float32, len(want))
				winoOutputByRows(want32, m32, b32, g, &tg)
				WinoOutput(got32, m32, b32, g, &tg)
				for i := range want32 {
					if math.Float32bits(got32[i]) != math.Float32bits(want32[i]) {
						t.Fatalf("float32 %v, bias %t: y[%d] = %v, by rows %v", g, b != nil, i, got32[i], want32[i])
					}
				}
			}
		}
	}
}

// winoOutputByRows is WinoOutput as it was first written, one row of tiles
// at a time, kept as the reference the one-loop version must match bit for
// bit. It writes the output tiles Aᵀ M A of m (laid out as WinoTiles
// says) into y (N×Cout×Hout×Wout), cropped at odd edges, adding the bias b
// unless it is nil. With Aᵀa = (a0+a1+a2, a1−a2−a3), Aᵀ goes along each
// tile's rows and then down its columns. Output planes are written in
// parallel.
func winoOutputByRows[T tensor.Float](y, m, b []T, g *Geom, tg *WinoTiles) {
	l, wp := g.Plane(), 2*tg.TW
	parallel.Chunks(g.N*g.Cout, max(parallel.Grain/(16*tg.Plane), 1), func(lo, hi int) {
		buf := make([]T, 2*tg.TH*wp)
		rows := make([]T, 8*tg.TW) // M A for the row of tiles: 4 rows of 2 per tile
		for p := lo; p < hi; p++ {
			s, co := p/g.Cout, p%g.Cout
			var bias T
			if b != nil {
				bias = b[co]
			}
			o := co*tg.Count + s*tg.Plane
			for ty := range tg.TH {
				for i := range 4 {
					at := 4*i*tg.MStep + o
					m0 := m[at : at+tg.TW]
					m1 := m[at+tg.MStep : at+tg.MStep+tg.TW]
					m2 := m[at+2*tg.MStep : at+2*tg.MStep+tg.TW]
					m3 := m[at+3*tg.MStep : at+3*tg.MStep+tg.TW]
					r := rows[2*i*tg.TW : (2*i+2)*tg.TW]
					for tx := range m0 {
						r[2*tx], r[2*tx+1] = m0[tx]+m1[tx]+m2[tx], m1[tx]-m2[tx]-m3[tx]
					}
				}
				r0, r1, r2, r3 := rows[:2*tg.TW], rows[2*tg.TW:4*tg.TW], rows[4*tg.TW:6*tg.TW], rows[6*tg.TW:]
				y0, y1 := buf[2*ty*wp:(2*ty+1)*wp], buf[(2*ty+1)*wp:(2*ty+2)*wp]
				for x := range y0 {
					y0[x], y1[x] = r0[x]+r1[x]+r2[x]+bias, r1[x]-r2[x]-r3[x]+bias
				}
				o += tg.TW
			}
			dst := y[p*l : (p+1)*l]
			for oy := range g.HOut {
				copy(dst[oy*g.WOut:(oy+1)*g.WOut], buf[oy*wp:])
			}
		}
	})
}
