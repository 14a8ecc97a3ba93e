package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// The loops of ops that keep x rather than x̂ (NormRow and NormRowScalar
// without h, NormGradSumsX, NormGradRowX, NormGradRowScalarX) compute the
// bits of their definitions, for lengths around the vectors and the 16
// partial sums, with and without γ and β and the column sums.
func testNormXMatchesGo[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	f := func(v T) float64 { return float64(v) }
	for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 100, 1029} {
		s := randSlices[T](rng, n, 4)
		x, dy, g, b := s[0], s[1], s[2], s[3]
		for i := range x {
			x[i] += 3 // a mean away from 0
		}
		mu := RowSum(x) / float64(max(n, 1))
		is := 1 / math.Sqrt(RowSumSqDev(x, mu)/float64(max(n, 1))+1e-5)
		hr := func(i int) T { return T((f(x[i]) - mu) * is) } // x̂ rounded, as forward's
		h := func(i int) float64 { return float64((f(x[i]) - mu) * is) }

		y, wy := make([]T, n), make([]T, n)
		for i := range wy {
			wy[i] = g[i] * hr(i)
		}
		NormRow(nil, y, x, mu, is, g, nil)
		checkT(t, "NormRow γ y", n, 1, y, wy)
		for i := range wy {
			wy[i] = T(g[i]*hr(i)) + b[i]
		}
		clear(y)
		NormRow(nil, y, x, mu, is, g, b)
		checkT(t, "NormRow γ β y", n, 1, y, wy)
		if n > 0 {
			for i := range wy {
				wy[i] = T(g[0]*hr(i)) + b[0]
			}
			clear(y)
			NormRowScalar(nil, y, x, mu, is, g[0], b[0])
			checkT(t, "NormRowScalar y", n, 1, y, wy)
			k1, k2, k3 := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
			for i := range wy {
				wy[i] = T(float64(k1*f(dy[i])) + float64(k2*float64(f(x[i])-mu)) + k3)
			}
			NormGradRowScalarX(y, dy, x, mu, k1, k2, k3)
			checkT(t, "NormGradRowScalarX", n, 1, y, wy)
		}

		g64 := make([]float64, n)
		for i := range g64 {
			g64[i] = f(g[i])
		}
		for _, gm := range [][]float64{nil, g64} {
			gh := func(i int) float64 {
				if gm == nil {
					return f(dy[i])
				}
				return float64(f(dy[i]) * gm[i])
			}
			wsg := sumPartials(n, gh)
			wsgh := sumPartials(n, func(i int) float64 { return float64(gh(i) * h(i)) })
			// Column sums start from values already there, as a block's
			// second row finds them.
			sb, sbh := make([]float64, n), make([]float64, n)
			wsb, wsbh := make([]float64, n), make([]float64, n)
			for i := range sb {
				sb[i], sbh[i] = rng.NormFloat64(), rng.NormFloat64()
				wsb[i], wsbh[i] = sb[i]+f(dy[i]), sbh[i]+float64(f(dy[i])*h(i))
			}
			for _, cols := range []bool{false, true} {
				var cb, cbh []float64
				if cols {
					cb, cbh = sb, sbh
				}
				sg, sgh := NormGradSumsX(dy, gm, x, mu, is, cb, cbh)
				checkF64(t, "NormGradSumsX Σĝ", n, 1, []float64{sg}, []float64{wsg})
				checkF64(t, "NormGradSumsX Σĝh", n, 1, []float64{sgh}, []float64{wsgh})
			}
			checkF64(t, "NormGradSumsX Σ dy", n, 1, sb, wsb)
			checkF64(t, "NormGradSumsX Σ dy·h", n, 1, sbh, wsbh)
			m1, m2 := wsg/float64(max(n, 1)), is*wsgh/float64(max(n, 1))
			dx, wdx := make([]T, n), make([]T, n)
			for i := range wdx {
				wdx[i] = T(is * ((gh(i) - m1) - float64((f(x[i])-mu)*m2)))
			}
			NormGradRowX(dx, dy, gm, x, mu, is, m1, m2)
			checkT(t, "NormGradRowX", n, 1, dx, wdx)
		}
	}
}

func TestNormXMatchesGo(t *testing.T) {
	t.Run("float32", testNormXMatchesGo[float32])
	t.Run("float64", testNormXMatchesGo[float64])
}

func TestNormXPanics(t *testing.T) {
	f, d := make([]float32, 8), make([]float64, 8)
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { NormRow(nil, f, f, 0, 1, nil, nil) }, "vec: NormRow of slices of lengths 0, 8, 8, 0 and 0"},
		{func() { NormGradSumsX(f, nil, f, 0, 1, d, nil) }, "vec: NormGradSumsX of slices of lengths 8, 0, 8, 8 and 0"},
		{func() { NormGradSumsX(f, nil, f, 0, 1, d[:4], d[:4]) }, "vec: NormGradSumsX of slices of lengths 8, 0, 8, 4 and 4"},
		{func() { NormGradRowX(f, f, nil, f[:5], 0, 1, 0, 0) }, "vec: NormGradRowX of slices of lengths 8, 8, 0 and 5"},
		{func() { NormGradRowScalarX(f, f[:6], f, 0, 1, 0, 0) }, "vec: NormGradRowScalarX of slices of lengths 8, 6 and 8"},
	} {
		testutil.MustPanic(t, c.f, c.want)
	}
}

// The loops through float64 scratch rows (RowSumTo, RowSumSqDev64,
// NormRow64, NormGradSumsTo, NormGradRow64) compute the bits of their
// definitions, and the forward ones the bits of RowSum, RowSumSqDev and
// NormRow.
func testNorm64MatchesGo[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	f := func(v T) float64 { return float64(v) }
	for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 100, 1029} {
		s := randSlices[T](rng, n, 4)
		x, dy, g, b := s[0], s[1], s[2], s[3]
		for i := range x {
			x[i] += 3
		}
		sc := make([]float64, n)
		for i := range sc {
			sc[i] = rng.NormFloat64() // overwritten
		}
		sum := RowSumTo(x, sc)
		checkF64(t, "RowSumTo", n, 1, []float64{sum}, []float64{sumPartials(n, func(i int) float64 { return f(x[i]) })})
		for i := range sc {
			if sc[i] != f(x[i]) {
				t.Fatalf("RowSumTo n %d: s[%d] = %v, want %v", n, i, sc[i], x[i])
			}
		}
		mu := sum / float64(max(n, 1))
		ss := RowSumSqDev64(sc, mu)
		checkF64(t, "RowSumSqDev64", n, 1, []float64{ss}, []float64{RowSumSqDev(x, mu)})
		is := 1 / math.Sqrt(ss/float64(max(n, 1))+1e-5)
		y, wy := make([]T, n), make([]T, n)
		for _, gb := range [][2][]T{{nil, nil}, {g, nil}, {g, b}} {
			if gb[0] == nil {
				NormRow(wy, nil, x, mu, is, nil, nil)
			} else {
				NormRow(nil, wy, x, mu, is, gb[0], gb[1])
			}
			NormRow64(y, sc, mu, is, gb[0], gb[1])
			checkT(t, "NormRow64", n, 1, y, wy)
		}
		if n > 0 {
			NormRowScalar(nil, wy, x, mu, is, g[1%n], b[2%n])
			NormRowScalar64(y, sc, mu, is, g[1%n], b[2%n])
			checkT(t, "NormRowScalar64", n, 1, y, wy)
		}

		g64 := make([]float64, n)
		for i := range g64 {
			g64[i] = f(g[i])
		}
		for _, gm := range [][]float64{nil, g64} {
			gh := func(i int) float64 {
				if gm == nil {
					return f(dy[i])
				}
				return float64(f(dy[i]) * gm[i])
			}
			h := func(i int) float64 { return float64((f(x[i]) - mu) * is) }
			wsg := sumPartials(n, gh)
			wsgh := sumPartials(n, func(i int) float64 { return float64(gh(i) * h(i)) })
			sb, sbh := make([]float64, n), make([]float64, n)
			wsb, wsbh := make([]float64, n), make([]float64, n)
			for i := range sb {
				sb[i], sbh[i] = rng.NormFloat64(), rng.NormFloat64()
				wsb[i], wsbh[i] = sb[i]+f(dy[i]), sbh[i]+float64(f(dy[i])*h(i))
			}
			tt, hs := make([]float64, n), make([]float64, n)
			for _, cols := range []bool{false, true} {
				var cb, cbh []float64
				if cols {
					cb, cbh = sb, sbh
				}
				clear(tt)
				clear(hs)
				sg, sgh := NormGradSumsTo(dy, x, gm, mu, is, tt, hs, cb, cbh)
				checkF64(t, "NormGradSumsTo Σĝ", n, 1, []float64{sg}, []float64{wsg})
				checkF64(t, "NormGradSumsTo Σĝh", n, 1, []float64{sgh}, []float64{wsgh})
				for i := range tt {
					if tt[i] != gh(i) || hs[i] != h(i) {
						t.Fatalf("NormGradSumsTo n %d: t[%d], hs[%d] = %v, %v, want %v, %v", n, i, i, tt[i], hs[i], gh(i), h(i))
					}
				}
			}
			checkF64(t, "NormGradSumsTo Σ dy", n, 1, sb, wsb)
			checkF64(t, "NormGradSumsTo Σ dy·h", n, 1, sbh, wsbh)
			m1, m2 := wsg/float64(max(n, 1)), wsgh/float64(max(n, 1))
			dx, wdx := make([]T, n), make([]T, n)
			for i := range wdx {
				wdx[i] = T(is * ((gh(i) - m1) - float64(h(i)*m2)))
			}
			NormGradRow64(dx, tt, hs, m1, m2, is)
			checkT(t, "NormGradRow64", n, 1, dx, wdx)
		}
	}
}

func TestNorm64MatchesGo(t *testing.T) {
	t.Run("float32", testNorm64MatchesGo[float32])
	t.Run("float64", testNorm64MatchesGo[float64])
}

func TestNorm64Panics(t *testing.T) {
	f, d := make([]float32, 8), make([]float64, 8)
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { RowSumTo(f, d[:3]) }, "vec: RowSumTo of slices of lengths 8 and 3"},
		{func() { NormRow64(f, d[:7], 0, 1, nil, nil) }, "vec: NormRow64 of slices of lengths 8, 7, 0 and 0"},
		{func() { NormRow64(f, d, 0, 1, nil, f) }, "vec: NormRow64 of slices of lengths 8, 8, 0 and 8"},
		{func() { NormGradSumsTo(f, f, nil, 0, 1, d, d[:2], nil, nil) }, "vec: NormGradSumsTo of slices of lengths 8, 8, 0, 8, 2, 0 and 0"},
		{func() { NormGradRow64(f, d, d[:1], 0, 0, 1) }, "vec: NormGradRow64 of slices of lengths 8, 8 and 1"},
		{func() { NormRowScalar64(f, d[:5], 0, 1, 1, 0) }, "vec: NormRowScalar64 of slices of lengths 8 and 5"},
	} {
		testutil.MustPanic(t, c.f, c.want)
	}
}
