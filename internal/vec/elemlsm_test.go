package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftmaxGrad32 checks SoftmaxGrad32 (the assembly where it runs, at
// every length's whole vectors and tail) against the float64 formula
// g − e^y·s with math.Exp, rounded to float32: equal but for rare 1-ulp
// differences of the rounding, which it counts (at most 1 in 1000 here),
// and bit for bit against the Go loop; and that a NaN output is reported.
func TestSoftmaxGrad32(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 4003
	y, g := make([]float32, n), make([]float32, n)
	for i := range y {
		y[i] = float32(-math.Abs(rng.NormFloat64()*4) - 1e-3*rng.Float64())
		g[i] = float32(rng.NormFloat64())
		if rng.IntN(3) == 0 {
			g[i] = 0
		}
	}
	y[5], y[6], y[7] = 0, -800, float32(math.Inf(-1))
	s := 0.8125
	off := 0
	for _, m := range []int{0, 1, 3, 4, 5, 8, 13, n} {
		dx := make([]float32, m)
		if !SoftmaxGrad32(dx, g[:m], y[:m], s) {
			t.Fatalf("n = %d: NaN reported", m)
		}
		for j := range dx {
			e, _ := expShift(y[j], 0)
			if w := float32(float64(g[j]) - float64(e*s)); !same32(dx[j], w) {
				t.Fatalf("n = %d: dx[%d] = %g, Go loop %g", m, j, dx[j], w)
			}
			w := float32(float64(g[j]) - math.Exp(float64(y[j]))*s)
			if dx[j] != w {
				off++
				if u := int64(math.Float32bits(dx[j])) - int64(math.Float32bits(w)); u > 1 || u < -1 {
					t.Errorf("dx[%d] = %g, want %g", j, dx[j], w)
				}
			}
		}
	}
	if off > n/1000 {
		t.Errorf("%d values 1 ulp off", off)
	}
	dx := make([]float32, 8)
	SoftmaxGrad32(dx, g[:8], y[:8], s)
	if dx[6] != g[6] || dx[7] != g[7] { // e^−800 and e^−Inf: nothing taken from g
		t.Errorf("y = −800, −Inf: dx = %v, want g = %v", dx[6:8], g[6:8])
	}
	y[9] = float32(math.NaN())
	for _, m := range []int{10, 12} { // in the tail and in the assembly's vectors
		if SoftmaxGrad32(make([]float32, m), g[:m], y[:m], s) {
			t.Errorf("n = %d: NaN at 9 not reported", m)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic for mismatched lengths")
		}
	}()
	SoftmaxGrad32(make([]float32, 3), g[:4], y[:3], s)
}

// TestAttnDS32 checks AttnDS32 (the assembly where it runs, at every
// length's whole vectors and tail) bit for bit against its definition
// computed here in the same order, with and without a separate P̃, and
// that it is within 1e-6 relative of the sum taken in order (against
// which D's order may round the last bits differently).
func TestAttnDS32(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const n = 131
	g, p, pt := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range g {
		g[i] = float32(rng.NormFloat64())
		p[i] = float32(rng.Float64() / 20)
		pt[i] = p[i] * float32(rng.IntN(2)) * 1.25
	}
	for _, m := range []int{0, 1, 3, 4, 5, 8, 13, 128, n} {
		for _, drop := range []bool{false, true} {
			ptm := p[:m]
			if drop {
				ptm = pt[:m]
			}
			got := append([]float32(nil), g[:m]...)
			AttnDS32(got, ptm, p[:m])
			k := m - m%4
			var acc [4]float64
			for j := range k {
				acc[j%4] += float64(g[j]) * float64(ptm[j])
			}
			d := (acc[0] + acc[1]) + (acc[2] + acc[3])
			for j := k; j < m; j++ {
				d += float64(g[j]) * float64(ptm[j])
			}
			seq := 0.0
			for j := range m {
				seq += float64(g[j]) * float64(ptm[j])
			}
			for j := range m {
				want := float32(float64(ptm[j])*float64(g[j]) - float64(float64(p[j])*d))
				if !same32(got[j], want) {
					t.Fatalf("n = %d, dropout %t: dS[%d] = %g, want %g", m, drop, j, got[j], want)
				}
				inOrder := float64(ptm[j])*float64(g[j]) - float64(p[j])*seq
				if e := math.Abs(float64(got[j]) - inOrder); e > 1e-6*math.Abs(inOrder)+1e-12 {
					t.Errorf("n = %d, dropout %t: dS[%d] = %g, in-order sum gives %g", m, drop, j, got[j], inOrder)
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic for mismatched lengths")
		}
	}()
	AttnDS32(make([]float32, 4), make([]float32, 4), make([]float32, 3))
}
