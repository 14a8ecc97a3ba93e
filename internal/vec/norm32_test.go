package vec

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// The float32 norm loops (assembly and Go tail on amd64) compute the bits
// of their doc comments' formulas, written out here one value at a time,
// for lengths around the vectors, the 16 partial sums and the 64-value
// chunks of NormGradSums32, with and without γ, β and the column sums.
func TestNorm32MatchesFormulas(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 33, 63, 64, 65, 127, 128, 200, 256, 1029} {
		s := randSlices[float32](rng, n, 5)
		x, dy, g, b, c0 := s[0], s[1], s[2], s[3], s[4]
		for i := range x {
			x[i] = 3*x[i] + 5 // a mean away from 0
		}
		sc := make([]float64, n)
		mu := RowSumTo(x, sc) / float64(max(n, 1))
		ss := RowSumSqDev32(x, mu)
		checkF64(t, "RowSumSqDev32", n, 1, []float64{ss}, []float64{RowSumSqDev64(sc, mu)})
		is := 1 / math.Sqrt(ss/float64(max(n, 1))+1e-5)
		m, r, c := float32(mu), float32(is), float32((float64(float32(mu))-mu)*is)
		h := func(i int) float32 { return fmaRef(x[i]-m, r, c) }

		y, wy := make([]float32, n), make([]float32, n)
		for i := range wy {
			wy[i] = fmaRef(x[i]-m, r, c)
		}
		ScaleShift32(y, x, m, r, c)
		checkT(t, "ScaleShift32", n, 1, y, wy)
		for i := range wy {
			wy[i] = float32(h(i) * g[i])
		}
		NormRow32(y, x, m, r, c, g, nil)
		checkT(t, "NormRow32 scale", n, 1, y, wy)
		for i := range wy {
			wy[i] = fmaRef(h(i), g[i], b[i])
		}
		NormRow32(y, x, m, r, c, g, b)
		checkT(t, "NormRow32 affine", n, 1, y, wy)

		for _, gm := range [][]float32{g, nil} {
			gh := func(i int) float32 {
				if gm == nil {
					return dy[i]
				}
				return float32(dy[i] * gm[i])
			}
			var pg, ph [16]float64
			for lo := 0; lo < n; lo += 64 {
				var qg, qh [16]float32
				for i := lo; i < min(lo+64, n); i++ {
					qg[i%16] += gh(i)
					qh[i%16] = fmaRef(gh(i), h(i), qh[i%16])
				}
				for k := range 16 {
					pg[k] += float64(qg[k])
					ph[k] += float64(qh[k])
				}
			}
			wsg, wsgh := addPartials(&pg), addPartials(&ph)
			sg, sgh := NormGradSums32(dy, gm, x, m, r, c, nil, nil)
			checkF64(t, "NormGradSums32", n, 1, []float64{sg, sgh}, []float64{wsg, wsgh})
			sb, sbh := append([]float32(nil), c0...), append([]float32(nil), b...)
			wb, wbh := make([]float32, n), make([]float32, n)
			for i := range wb {
				wb[i], wbh[i] = sb[i]+dy[i], fmaRef(dy[i], h(i), sbh[i])
			}
			sg, sgh = NormGradSums32(dy, gm, x, m, r, c, sb, sbh)
			checkF64(t, "NormGradSums32 with columns", n, 1, []float64{sg, sgh}, []float64{wsg, wsgh})
			checkT(t, "NormGradSums32 sb", n, 1, sb, wb)
			checkT(t, "NormGradSums32 sbh", n, 1, sbh, wbh)

			a, e, k := r, float32(0.37), float32(-0.21)
			dx, wdx := make([]float32, n), make([]float32, n)
			for i := range wdx {
				wdx[i] = fmaRef(gh(i), a, fmaRef(-(x[i]-m), e, k))
			}
			NormGradRow32(dx, dy, gm, x, m, a, e, k)
			checkT(t, "NormGradRow32", n, 1, dx, wdx)
		}

		k1, k2, k3 := float32(1.3), float32(-0.4), float32(0.07)
		dx, wdx := make([]float32, n), make([]float32, n)
		for i := range wdx {
			wdx[i] = fmaRef(k1, dy[i], fmaRef(x[i]-m, k2, k3))
		}
		GradShift32(dx, dy, x, m, k1, k2, k3)
		checkT(t, "GradShift32", n, 1, dx, wdx)

		d64 := make([]float64, n)
		w64 := make([]float64, n)
		for i := range d64 {
			d64[i] = rng.NormFloat64()
			w64[i] = d64[i] + float64(g[i])
		}
		gs := append([]float32(nil), g...)
		Flush32To64(d64, gs)
		checkF64(t, "Flush32To64", n, 1, d64, w64)
		checkT(t, "Flush32To64 zeroes", n, 1, gs, make([]float32, n))
	}
}

func TestNorm32Panics(t *testing.T) {
	a, b := make([]float32, 3), make([]float32, 4)
	testutil.MustPanic(t, func() { ScaleShift32(a, b, 0, 1, 0) }, "vec: ScaleShift32 of slices of lengths 3 and 4")
	testutil.MustPanic(t, func() { NormRow32(a, a, 0, 1, 0, nil, nil) }, "vec: NormRow32 of slices of lengths 3, 3, 0 and 0")
	testutil.MustPanic(t, func() { NormGradSums32(a, nil, a, 0, 1, 0, a, nil) }, "vec: NormGradSums32 of slices of lengths 3, 0, 3, 3 and 0")
	testutil.MustPanic(t, func() { NormGradRow32(a, a, nil, b, 0, 1, 0, 0) }, "vec: NormGradRow32 of slices of lengths 3, 3, 0 and 4")
	testutil.MustPanic(t, func() { GradShift32(a, b, a, 0, 1, 0, 0) }, "vec: GradShift32 of slices of lengths 3, 4 and 3")
	testutil.MustPanic(t, func() { Flush32To64(make([]float64, 2), a) }, "vec: Flush32To64 of slices of lengths 2 and 3")
}

// NormForwardRow32 and NormBackwardRow32 give the bits of the calls their
// doc comments name, on rows the assembly takes whole and rows it does not.
func TestNormRows32MatchCalls(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, n := range []int{1, 16, 48, 64, 100, 128, 256} {
		s := randSlices[float32](rng, n, 6)
		x, dy, g, b := s[0], s[1], s[2], s[3]
		for i := range x {
			x[i] = 3*x[i] + 5
		}
		for _, rms := range []bool{false, true} {
			for _, gb := range [][2][]float32{{nil, nil}, {g, nil}, {g, b}} {
				gm, bt := gb[0], gb[1]
				y, wy := make([]float32, n), make([]float32, n)
				mu, is := NormForwardRow32(y, x, gm, bt, 1e-5, rms)
				k := float64(n)
				wmu, wv := 0.0, RowSumSqDev32(x, 0)/k
				if !rms {
					wmu, wv = RowMoments32(x)
				}
				wis := 1 / math.Sqrt(wv+1e-5)
				m, r, c := Factors32(wmu, wis)
				if gm == nil {
					ScaleShift32(wy, x, m, r, c)
				} else {
					NormRow32(wy, x, m, r, c, gm, bt)
				}
				checkF64(t, "NormForwardRow32 μ, r", n, 1, []float64{mu, is}, []float64{wmu, wis})
				checkT(t, "NormForwardRow32", n, 1, y, wy)

				sb, sbh := append([]float32(nil), s[4]...), append([]float32(nil), s[5]...)
				wb, wbh := append([]float32(nil), s[4]...), append([]float32(nil), s[5]...)
				dx, wdx := make([]float32, n), make([]float32, n)
				NormBackwardRow32(dx, dy, gm, x, mu, is, sb, sbh, rms)
				sg, sgh := NormGradSums32(dy, gm, x, m, r, c, wb, wbh)
				if rms {
					sg = 0
				}
				m2 := is * (sgh / k)
				e := is * m2
				NormGradRow32(wdx, dy, gm, x, m, r, float32(e), float32(-is*(sg/k)-(float64(m)-mu)*e))
				checkT(t, "NormBackwardRow32 dx", n, 1, dx, wdx)
				checkT(t, "NormBackwardRow32 sb", n, 1, sb, wb)
				checkT(t, "NormBackwardRow32 sbh", n, 1, sbh, wbh)
			}
		}
	}
}

// The Runs32 functions give the bits of their per-run calls.
func TestRuns32MatchCalls(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	for _, in := range []int{1, 16, 20, 64, 256} {
		const runs = 3
		n := runs * in
		s := randSlices[float32](rng, n, 2)
		x, dy := s[0], s[1]
		f := randSlices[float32](rng, runs, 2)
		a, b := f[0], f[1]
		m, r, c := Factors32(0.3, 1.7)
		y, wy := make([]float32, n), make([]float32, n)
		ScaleShiftRuns32(y, x, m, a, b)
		sd, sdh := make([]float64, runs), make([]float64, runs)
		wsd, wsdh := make([]float64, runs), make([]float64, runs)
		SumsRuns32(sd, sdh, dy, x, m, r, c)
		dx, wdx := make([]float32, n), make([]float32, n)
		GradShiftRuns32(dx, dy, x, m, a, 0.4, -0.2)
		for k := range runs {
			lo, hi := k*in, (k+1)*in
			ScaleShift32(wy[lo:hi], x[lo:hi], m, a[k], b[k])
			wsd[k], wsdh[k] = NormGradSums32(dy[lo:hi], nil, x[lo:hi], m, r, c, nil, nil)
			GradShift32(wdx[lo:hi], dy[lo:hi], x[lo:hi], m, a[k], 0.4, -0.2)
		}
		checkT(t, "ScaleShiftRuns32", in, runs, y, wy)
		checkF64(t, "SumsRuns32 sd", in, runs, sd, wsd)
		checkF64(t, "SumsRuns32 sdh", in, runs, sdh, wsdh)
		checkT(t, "GradShiftRuns32", in, runs, dx, wdx)
	}
	testutil.MustPanic(t, func() {
		ScaleShiftRuns32(make([]float32, 5), make([]float32, 5), 0, make([]float32, 2), make([]float32, 2))
	},
		"vec: ScaleShiftRuns32 of 5 values in 2 runs")
}

// fmaRef is a·b + c rounded once to float32, computed exactly with
// big.Float.
func fmaRef(a, b, c float32) float32 {
	p := new(big.Float).SetPrec(200).Mul(big.NewFloat(float64(a)), big.NewFloat(float64(b)))
	p.Add(p, big.NewFloat(float64(c)))
	f, _ := p.Float32()
	return f
}

// fma32 rounds a·b + c once, as fmaRef does, on values whose float64 sum
// is inexact and on ties at float32's precision.
func TestFMA32(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	cases := [][3]float32{
		{1 + 0x1p-23, 1 - 0x1p-23, -1}, // exact product below 1
		{1, 1, 0x1p-24},                // a tie: to even
		{1, 1, 0x1p-24 + 0x1p-60},      // just above a tie
		{1, 1, -(0x1p-25 + 0x1p-70)},   // just below a tie, downwards
		{3, 0x1p-100, 1},               // c ≫ a·b
		{0x1p100, 0x1p27, -0x1p127},    // cancellation
		{-1.5, 1 + 0x1p-23, 1.5 + 0x1p-22 + 0x1p-23},
	}
	for range 20000 {
		e := rng.IntN(60) - 30
		cases = append(cases, [3]float32{float32(rng.NormFloat64()), float32(rng.NormFloat64()),
			float32(math.Ldexp(rng.NormFloat64(), e))})
	}
	for _, c := range cases {
		if got, want := fma32(c[0], c[1], c[2]), fmaRef(c[0], c[1], c[2]); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%g, %g, %g) = %g, want %g", c[0], c[1], c[2], got, want)
		}
	}
}

// NormForwardRows32 and NormBackwardRows32 give the bits of their per-row
// calls, the column sums flushed every few rows.
func TestNormRowsMatchRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, d := range []int{5, 16, 64, 128} {
		const rows, flush = 7, 3
		n := rows * d
		s := randSlices[float32](rng, n, 2)
		x, dy := s[0], s[1]
		p := randSlices[float32](rng, d, 2)
		g, b := p[0], p[1]
		for _, rms := range []bool{false, true} {
			ns := 2
			if rms {
				ns = 1
			}
			y, wy := make([]float32, n), make([]float32, n)
			st, wst := make([]float64, ns*rows), make([]float64, ns*rows)
			NormForwardRows32(y, x, g, b, d, st, 1e-5, rms)
			dx, wdx := make([]float32, n), make([]float32, n)
			sb, sbh, wsb, wsbh := make([]float32, d), make([]float32, d), make([]float32, d), make([]float32, d)
			cb, cbh, wcb, wcbh := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
			NormBackwardRows32(dx, dy, g, x, d, st, rms, sb, sbh, cb, cbh, flush)
			for i := range rows {
				mu, is := NormForwardRow32(wy[i*d:][:d], x[i*d:][:d], g, b, 1e-5, rms)
				if !rms {
					wst[2*i] = mu
				}
				wst[ns*i+ns-1] = is
				NormBackwardRow32(wdx[i*d:][:d], dy[i*d:][:d], g, x[i*d:][:d], mu, is, wsb, wsbh, rms)
				if i%flush == flush-1 || i == rows-1 {
					Flush32To64(wcb, wsb)
					Flush32To64(wcbh, wsbh)
				}
			}
			checkT(t, "NormForwardRows32", d, rows, y, wy)
			checkF64(t, "NormForwardRows32 stats", d, rows, st, wst)
			checkT(t, "NormBackwardRows32", d, rows, dx, wdx)
			checkF64(t, "NormBackwardRows32 dβ", d, rows, cb, wcb)
			checkF64(t, "NormBackwardRows32 dγ", d, rows, cbh, wcbh)
		}
	}
}

// RowSumShift32 and RowMoments32 compute the bits of their formulas, and
// the moments are those of a plain two-pass float64 computation to within
// a few float64 ulps, even for a row whose first value is far out.
func TestRowMoments32(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, n := range []int{1, 5, 16, 17, 64, 256, 1029} {
		x := randSlices[float32](rng, n, 1)[0]
		for i := range x {
			x[i] = 3*x[i] + 5
		}
		x[0] = 1000 // an outlier as the shift
		k := float64(x[0])
		s1, s2 := RowSumShift32(x, k)
		w1 := sumPartials(n, func(i int) float64 { return float64(x[i]) - k })
		w2 := fmaPartials(n, func(i int) (float64, float64) { d := float64(x[i]) - k; return d, d })
		checkF64(t, "RowSumShift32", n, 1, []float64{s1, s2}, []float64{w1, w2})
		mu, v := RowMoments32(x)
		wm := 0.0
		for _, e := range x {
			wm += float64(e)
		}
		wm /= float64(n)
		wv := 0.0
		for _, e := range x {
			wv += (float64(e) - wm) * (float64(e) - wm)
		}
		wv /= float64(n)
		if math.Abs(mu-wm) > 1e-13*math.Abs(wm) || math.Abs(v-wv) > 1e-12*wv {
			t.Errorf("RowMoments32 n %d: %v, %v; want %v, %v", n, mu, v, wm, wv)
		}
	}
	if mu, v := RowMoments32(nil); mu != 0 || v != 0 {
		t.Errorf("RowMoments32(nil) = %v, %v; want 0, 0", mu, v)
	}
}
