package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/tensor"
)

// TestProductNCHW: one GEMM per sample into the output gives Product then
// ToNCHW's bits, with and without a bias and an epilogue, for planes that
// the GEMM splits among goroutines or not, in float64 and float32.
func TestProductNCHW(t *testing.T) {
	testProductNCHW[float64](t)
	testProductNCHW[float32](t)
}

func testProductNCHW[T tensor.Float](t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	randSlice := func(r *rand.Rand, n int) []T {
		s := make([]T, n)
		for i := range s {
			s[i] = T(r.NormFloat64())
		}
		return s
	}
	for _, g := range []*Geom{
		newGeom(2, 3, 16, 16, 8, 3, 3, 1, 1, 1, 1),
		newGeom(3, 5, 20, 24, 64, 3, 3, 1, 1, 1, 1),
		newGeom(1, 2, 9, 40, 3, 2, 3, 2, 0, 1, 1),
	} {
		x, w, b := randSlice(r, g.N*g.C*g.H*g.W), randSlice(r, g.Cout*g.KG), randSlice(r, g.Cout)
		cols := Im2col(make([]T, g.Rows*g.Cols), x, g)
		e := &Epilogue[T]{Scale: randSlice(r, g.Cout), Shift: randSlice(r, g.Cout), ReLU: true}
		for _, c := range []struct {
			b []T
			e *Epilogue[T]
		}{{nil, nil}, {b, nil}, {b, e}, {nil, e}} {
			yp := make([]T, g.Cout*g.Cols)
			Product(yp, w, cols, g)
			want := make([]T, g.N*g.Cout*g.Plane())
			ToNCHWEpilogue(want, yp, c.b, c.e, g)
			got := make([]T, len(want))
			ProductNCHW(got, w, cols, c.b, c.e, g)
			for i := range want {
				if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want[i])) {
					t.Fatalf("%v bias %v epilogue %v: y[%d] = %v, want %v", g, c.b != nil, c.e != nil, i, got[i], want[i])
				}
			}
		}
	}
}
