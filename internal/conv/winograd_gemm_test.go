package conv

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/tensor"
)

// TestWinoBatchMatchesOneByOne checks that the products Winograd hands to
// gemm.Batch — WinoProduct, WinoWeightsGrad and WinoInputGrad — give
// the bits of their 16 GEMMs computed one after another, at GOMAXPROCS 1, 2
// and 4, on a layer large enough that Batch hands the products out whole
// (16×32×48 by 48×144) and on winoGeoms.
func TestWinoBatchMatchesOneByOne(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(11, 12))
	geoms := append([]*Geom{newGeom(16, 48, 24, 24, 32, 3, 3, 1, 1, 1, 1)}, winoGeoms...)
	for _, g := range geoms {
		tg := NewWinoTiles(g)
		u, v, dm := randSlice(r, 16*tg.UStep), randSlice(r, 16*tg.VStep), randSlice(r, 16*tg.MStep)
		type pass struct {
			name   string
			batch  func(out []float64)
			single func(xi int, out []float64)
			size   int
		}
		for _, p := range []pass{
			{"M = U·V", func(out []float64) { WinoProduct(out, u, v, g, &tg) },
				func(xi int, out []float64) {
					gemmOne(false, false, g.Cout, tg.Count, g.C, u[xi*tg.UStep:], g.C, v[xi*tg.VStep:], tg.Count, out[xi*tg.MStep:], tg.Count)
				}, 16 * tg.MStep},
			{"dU = dM·Vᵀ", func(out []float64) { WinoWeightsGrad(out, dm, v, g, &tg) },
				func(xi int, out []float64) {
					gemmOne(false, true, g.Cout, g.C, tg.Count, dm[xi*tg.MStep:], tg.Count, v[xi*tg.VStep:], tg.Count, out[xi*tg.UStep:], g.C)
				}, 16 * tg.UStep},
			{"dV = Uᵀ·dM", func(out []float64) { WinoInputGrad(out, u, dm, g, &tg) },
				func(xi int, out []float64) {
					gemmOne(true, false, g.C, tg.Count, g.Cout, u[xi*tg.UStep:], g.C, dm[xi*tg.MStep:], tg.Count, out[xi*tg.VStep:], tg.Count)
				}, 16 * tg.VStep},
		} {
			want := make([]float64, p.size)
			for xi := range 16 {
				p.single(xi, want)
			}
			for _, procs := range []int{1, 2, 4} {
				runtime.GOMAXPROCS(procs)
				got := make([]float64, p.size)
				p.batch(got)
				for i := range got {
					if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
						t.Fatalf("%v, %s, GOMAXPROCS=%d: [%d] = %v, one GEMM at a time gives %v", g, p.name, procs, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// gemmOne is one of the 16 GEMMs, C = op(A)·op(B), through tensor.Gemm.
func gemmOne(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) {
	tensor.Gemm(transA, transB, m, n, k, 1, a, lda, b, ldb, 0, c, ldc)
}
