package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// sumPartials is the norm reductions' sum written out: term(i) into
// partial i mod 16 in the order of i, the partials added in halves.
func sumPartials(n int, term func(i int) float64) float64 {
	var p [16]float64
	for i := range n {
		p[i%16] += term(i)
	}
	for w := 8; w >= 1; w /= 2 {
		for k := range w {
			p[k] += p[k+w]
		}
	}
	return p[0]
}

// fmaPartials is sumPartials of products: term(i)'s two factors fused
// into partial i mod 16.
func fmaPartials(n int, term func(i int) (float64, float64)) float64 {
	var p [16]float64
	for i := range n {
		u, v := term(i)
		p[i%16] = math.FMA(u, v, p[i%16])
	}
	for w := 8; w >= 1; w /= 2 {
		for k := range w {
			p[k] += p[k+w]
		}
	}
	return p[0]
}

// The norm loops (RowSumSqDev64's assembly and Go tail on amd64) compute
// the bits of their definitions, for lengths around the vectors and the 16 partial sums,
// with and without γ and β and the column sums.
func testNormMatchesGo[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	f := func(v T) float64 { return float64(v) }
	for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 100, 1029} {
		s := randSlices[T](rng, n, 4)
		x, dy, g, b := s[0], s[1], s[2], s[3]
		for i := range x {
			x[i] += 3 // a mean away from 0
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
		want := fmaPartials(n, func(i int) (float64, float64) { d := f(x[i]) - mu; return d, d })
		checkF64(t, "RowSumSqDev64", n, 1, []float64{ss}, []float64{want})
		is := 1 / math.Sqrt(ss/float64(max(n, 1))+1e-5)
		h := func(i int) float64 { return float64((f(x[i]) - mu) * is) }

		y, wy := make([]T, n), make([]T, n)
		for i := range wy {
			wy[i] = T(h(i))
		}
		NormRow64(y, sc, mu, is, nil, nil)
		checkT(t, "NormRow64", n, 1, y, wy)
		g64, b64 := make([]float64, n), make([]float64, n)
		for i := range g64 {
			g64[i], b64[i] = f(g[i]), f(b[i])
		}
		for i := range wy {
			wy[i] = T(h(i) * g64[i])
		}
		NormRow64(y, sc, mu, is, g64, nil)
		checkT(t, "NormRow64 γ", n, 1, y, wy)
		for i := range wy {
			wy[i] = T(math.FMA(h(i), g64[i], b64[i]))
		}
		NormRow64(y, sc, mu, is, g64, b64)
		checkT(t, "NormRow64 γ β", n, 1, y, wy)
		if n > 0 {
			for i := range wy {
				wy[i] = T(math.FMA(f(x[i])-mu, is*g64[0], b64[0]))
			}
			clear(y)
			NormRowScalar64(y, sc, mu, is*g64[0], b64[0])
			checkT(t, "NormRowScalar64", n, 1, y, wy)
			k1, k2, k3 := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
			for i := range wy {
				wy[i] = T(math.FMA(k2, f(x[i])-mu, math.FMA(k1, f(dy[i]), k3)))
			}
			NormGradRowScalarX(y, dy, x, mu, k1, k2, k3)
			checkT(t, "NormGradRowScalarX", n, 1, y, wy)
		}
		sd, sdd := RowSumDotDev(dy, x, mu)
		checkF64(t, "RowSumDotDev Σ dy", n, 1, []float64{sd}, []float64{sumPartials(n, func(i int) float64 { return f(dy[i]) })})
		checkF64(t, "RowSumDotDev Σ dy·(x − μ)", n, 1, []float64{sdd}, []float64{fmaPartials(n, func(i int) (float64, float64) { return f(dy[i]), f(x[i]) - mu })})

		for _, gm := range [][]float64{nil, g64} {
			gh := func(i int) float64 {
				if gm == nil {
					return f(dy[i])
				}
				return float64(f(dy[i]) * gm[i])
			}
			wsg := sumPartials(n, gh)
			wsgh := fmaPartials(n, func(i int) (float64, float64) { return gh(i), h(i) })
			// Column sums start from values already there, as a block's
			// second row finds them.
			sb, sbh := make([]float64, n), make([]float64, n)
			wsb, wsbh := make([]float64, n), make([]float64, n)
			for i := range sb {
				sb[i], sbh[i] = rng.NormFloat64(), rng.NormFloat64()
				wsb[i], wsbh[i] = sb[i]+f(dy[i]), math.FMA(f(dy[i]), h(i), sbh[i])
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
			a, c, e := is, -is*m1, is*m2
			dx, wdx := make([]T, n), make([]T, n)
			for i := range wdx {
				wdx[i] = T(math.FMA(-(f(x[i]) - mu), e, math.FMA(gh(i), a, c)))
			}
			NormGradRowX(dx, dy, gm, x, mu, a, c, e)
			checkT(t, "NormGradRowX", n, 1, dx, wdx)
		}
	}
}

func TestNormMatchesGo(t *testing.T) {
	t.Run("float32", testNormMatchesGo[float32])
	t.Run("float64", testNormMatchesGo[float64])
}

// A float32 row of a sum's magnitude: the float64 partials keep the digits
// a float32 sum would lose.
func TestRowSumFloat64(t *testing.T) {
	x := make([]float32, 1<<12)
	for i := range x {
		x[i] = 1 + float32(i%3)*0x1p-20
	}
	want := 4096 + 4095*0x1p-20 // 1365 values each of 1 + 2⁻²⁰ and 1 + 2⁻¹⁹, exact in float64
	if got := RowSumTo(x, make([]float64, len(x))); got != want {
		t.Errorf("RowSumTo = %v, want %v", got, want)
	}
}

func TestNormPanics(t *testing.T) {
	f, d := make([]float32, 8), make([]float64, 8)
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { RowSumTo(f, d[:3]) }, "vec: RowSumTo of slices of lengths 8 and 3"},
		{func() { NormRow64(f, d[:7], 0, 1, nil, nil) }, "vec: NormRow64 of slices of lengths 8, 7, 0 and 0"},
		{func() { NormRow64(f, d, 0, 1, nil, d) }, "vec: NormRow64 of slices of lengths 8, 8, 0 and 8"},
		{func() { NormRowScalar64(f, d[:5], 0, 1, 0) }, "vec: NormRowScalar64 of slices of lengths 8 and 5"},
		{func() { NormGradSumsX(f, nil, f, 0, 1, d, nil) }, "vec: NormGradSumsX of slices of lengths 8, 0, 8, 8 and 0"},
		{func() { NormGradSumsX(f, nil, f, 0, 1, d[:4], d[:4]) }, "vec: NormGradSumsX of slices of lengths 8, 0, 8, 4 and 4"},
		{func() { NormGradRowX(f, f, nil, f[:5], 0, 1, 0, 0) }, "vec: NormGradRowX of slices of lengths 8, 8, 0 and 5"},
		{func() { NormGradRowScalarX(f, f[:6], f, 0, 1, 0, 0) }, "vec: NormGradRowScalarX of slices of lengths 8, 6 and 8"},
		{func() { RowSumDotDev(f, f[:3], 0) }, "vec: RowSumDotDev of slices of lengths 8 and 3"},
		{func() { NormForwardRow(f, f, d[:2], nil, nil, 0, false) }, "vec: NormForwardRow of slices of lengths 8, 8, 2, 0 and 0"},
		{func() { NormBackwardRow(f[:1], f, nil, f, 0, 1, nil, nil, false) }, "vec: NormBackwardRow of slices of lengths 1, 8, 0, 8, 0 and 0"},
	} {
		testutil.MustPanic(t, c.f, c.want)
	}
}

// NormForwardRow and NormBackwardRow give the bits of the calls they
// stand for.
func testNormRowsMatch[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 8, 16, 24, 32, 256, 100} {
		s := randSlices[T](rng, n, 3)
		x, dy, gt := s[0], s[1], s[2]
		g, b := make([]float64, n), make([]float64, n)
		for i := range g {
			x[i] += 2
			g[i], b[i] = float64(gt[i]), rng.NormFloat64()
		}
		for _, rms := range []bool{false, true} {
			for _, gb := range [][2][]float64{{nil, nil}, {g, nil}, {g, b}} {
				y, wy := make([]T, n), make([]T, n)
				sc, wsc := make([]float64, n), make([]float64, n)
				mu, is := NormForwardRow(y, x, sc, gb[0], gb[1], 1e-5, rms)
				wmu := RowSumTo(x, wsc) / float64(n)
				if rms {
					wmu = 0
				}
				wis := 1 / math.Sqrt(RowSumSqDev64(wsc, wmu)/float64(n)+1e-5)
				NormRow64(wy, wsc, wmu, wis, gb[0], gb[1])
				checkF64(t, "NormForwardRow μ, r", n, 1, []float64{mu, is}, []float64{wmu, wis})
				checkT(t, "NormForwardRow y", n, 1, y, wy)

				for _, cols := range []bool{false, true} {
					var sb, sbh, wsb, wsbh []float64
					if cols {
						sb, sbh, wsb, wsbh = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
					}
					dx, wdx := make([]T, n), make([]T, n)
					NormBackwardRow(dx, dy, gb[0], x, mu, is, sb, sbh, rms)
					sg, sgh := NormGradSumsX(dy, gb[0], x, mu, is, wsb, wsbh)
					if rms {
						sg = 0
					}
					m1, m2 := sg/float64(n), is*(sgh/float64(n))
					NormGradRowX(wdx, dy, gb[0], x, mu, is, -is*m1, is*m2)
					checkT(t, "NormBackwardRow dx", n, 1, dx, wdx)
					if cols {
						checkF64(t, "NormBackwardRow Σ dy", n, 1, sb, wsb)
						checkF64(t, "NormBackwardRow Σ dy·h", n, 1, sbh, wsbh)
					}
				}
			}
		}
	}
}

func TestNormRowsMatch(t *testing.T) {
	t.Run("float32", testNormRowsMatch[float32])
	t.Run("float64", testNormRowsMatch[float64])
}
