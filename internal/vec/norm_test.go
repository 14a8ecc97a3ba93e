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

// The norm loops (assembly and Go tail on amd64) compute the bits of their
// definitions, for lengths around the vectors and the 16 partial sums, with
// and without γ and β.
func testNormMatchesGo[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 100, 1029} {
		s := randSlices[T](rng, n, 4)
		x, dy, g, b := s[0], s[1], s[2], s[3]
		for i := range x {
			x[i] += 3 // a mean away from 0
		}
		f := func(v T) float64 { return float64(v) }
		mu := RowSum(x) / float64(max(n, 1))
		checkF64(t, "RowSum", n, 1, []float64{RowSum(x)}, []float64{sumPartials(n, func(i int) float64 { return f(x[i]) })})
		got := RowSumSqDev(x, mu)
		want := sumPartials(n, func(i int) float64 { d := f(x[i]) - mu; return float64(d * d) })
		checkF64(t, "RowSumSqDev", n, 1, []float64{got}, []float64{want})
		is := 1 / math.Sqrt(want/float64(max(n, 1))+1e-5)

		h, y := make([]T, n), make([]T, n)
		wh, wy, wys := make([]T, n), make([]T, n), make([]T, n)
		for i := range x {
			wh[i] = T((f(x[i]) - mu) * is)
			wys[i] = g[i] * wh[i]
			wy[i] = wys[i] + b[i]
		}
		NormRow(h, nil, x, mu, is, nil, nil)
		checkT(t, "NormRow", n, 1, h, wh)
		clear(h)
		NormRow(h, y, x, mu, is, g, nil)
		checkT(t, "NormRow γ h", n, 1, h, wh)
		checkT(t, "NormRow γ y", n, 1, y, wys)
		clear(h)
		NormRow(h, y, x, mu, is, g, b)
		checkT(t, "NormRow γ β h", n, 1, h, wh)
		checkT(t, "NormRow γ β y", n, 1, y, wy)

		if n > 0 {
			ws := make([]T, n)
			for i := range ws {
				ws[i] = T(g[0]*wh[i]) + b[0]
			}
			clear(h)
			NormRowScalar(h, y, x, mu, is, g[0], b[0])
			checkT(t, "NormRowScalar h", n, 1, h, wh)
			checkT(t, "NormRowScalar y", n, 1, y, ws)
			k1, k2, k3 := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
			for i := range ws {
				ws[i] = T(float64(k1*f(dy[i])) + float64(k2*f(wh[i])) + k3)
			}
			NormGradRowScalar(y, dy, wh, k1, k2, k3)
			checkT(t, "NormGradRowScalar", n, 1, y, ws)
		}
		for _, gm := range [][]T{nil, g} {
			gh := func(i int) float64 {
				if gm == nil {
					return f(dy[i])
				}
				return float64(f(dy[i]) * f(gm[i]))
			}
			sg, sgh := NormGradSums(dy, gm, wh)
			wsg := sumPartials(n, gh)
			wsgh := sumPartials(n, func(i int) float64 { return float64(gh(i) * f(wh[i])) })
			checkF64(t, "NormGradSums Σĝ", n, 1, []float64{sg}, []float64{wsg})
			checkF64(t, "NormGradSums Σĝh", n, 1, []float64{sgh}, []float64{wsgh})
			m1, m2 := wsg/float64(max(n, 1)), wsgh/float64(max(n, 1))
			dx, wdx := make([]T, n), make([]T, n)
			for i := range wdx {
				wdx[i] = T(is * ((gh(i) - m1) - float64(f(wh[i])*m2)))
			}
			NormGradRow(dx, dy, gm, wh, m1, m2, is)
			checkT(t, "NormGradRow", n, 1, dx, wdx)
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
	if got := RowSum(x); got != want {
		t.Errorf("RowSum = %v, want %v", got, want)
	}
}

func TestNormPanics(t *testing.T) {
	f := make([]float32, 8)
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { NormRow(f[:7], nil, f, 0, 1, nil, nil) }, "vec: NormRow of slices of lengths 7, 0, 8, 0 and 0"},
		{func() { NormRow(f, f, f, 0, 1, nil, f) }, "vec: NormRow of slices of lengths 8, 8, 8, 0 and 8"},
		{func() { NormGradSums(f, f[:3], f) }, "vec: NormGradSums of slices of lengths 8, 3 and 8"},
		{func() { NormGradRow(f, f, nil, f[:5], 0, 0, 1) }, "vec: NormGradRow of slices of lengths 8, 8, 0 and 5"},
		{func() { NormRowScalar(f, f[:2], f, 0, 1, 1, 0) }, "vec: NormRowScalar of slices of lengths 8, 2 and 8"},
		{func() { NormGradRowScalar(f, f[:6], f, 1, 0, 0) }, "vec: NormGradRowScalar of slices of lengths 8, 6 and 8"},
	} {
		testutil.MustPanic(t, c.f, c.want)
	}
}
