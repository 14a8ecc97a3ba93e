package tensor

import (
	"math"
	"testing"
)

// TestTranscendentalEdges pins Exp, Log, Sigmoid and Tanh element by element
// at the edges of float64 and float32, bit for bit, to the correctly rounded
// values (mpmath at 400 bits, rounded once to the precision): exp near its
// overflow threshold and in the subnormals, log of subnormals, σ's tail,
// which e^x/(1+e^x) keeps down to the last subnormal (PyTorch's 1/(1+e^−x)
// is 0 from x ≈ −709.78 in float64 and −88.7 in float32), and math.Tanh,
// which is right everywhere (pure Go on every platform but s390x). Values
// on package math's fast path (σ(±36)) may be 1 ulp off: arm64's math.Exp
// is not always correctly rounded.
func TestTranscendentalEdges(t *testing.T) {
	inf := math.Inf(1)
	cases64 := []struct {
		name string
		f    func(*Tensor[float64]) *Tensor[float64]
		x, y []float64
		ulps uint64
	}{
		{"Exp", Exp[float64], []float64{709.5, 709.782712893384, 709.7827128933841, -720, -745.13, -746},
			[]float64{1.3549863193146328e+308, 1.7976931348622732e+308, inf, 2.0322308024e-313, 5e-324, 0}, 0},
		{"Log", Log[float64], []float64{5e-324, 1e-310, 0},
			[]float64{-744.4400719213812, -713.8013788281542, math.Inf(-1)}, 0},
		{"Sigmoid", Sigmoid[float64], []float64{-720, -745.13, -709},
			[]float64{2.0322308024e-313, 5e-324, 1.216780750623423e-308}, 0},
		{"Sigmoid", Sigmoid[float64], []float64{-36, 36}, []float64{2.3195228302435686e-16, 0.9999999999999998}, 1},
		{"Tanh", Tanh[float64], []float64{5e-324, 1e-300, 0.5, 19, 20, -800},
			[]float64{5e-324, 1e-300, 0.46211715726000974, 0.9999999999999999, 1, -1}, 0},
	}
	for _, c := range cases64 {
		got := c.f(FromSlice(c.x, len(c.x))).Data()
		for i, want := range c.y {
			d := math.Float64bits(got[i]) - math.Float64bits(want)
			if got[i] != want && (math.Signbit(got[i]) != math.Signbit(want) || min(d, -d) > c.ulps) {
				t.Errorf("float64 %s(%v) = %v, want %v", c.name, c.x[i], got[i], want)
			}
		}
	}
	cases32 := []struct {
		name string
		f    func(*Tensor[float32]) *Tensor[float32]
		x, y []float32
	}{
		{"Exp", Exp[float32], []float32{88.72283172607422, 88.72283935546875, -103.27893829345703, -104},
			[]float32{3.402798519021476e+38, float32(inf), 1.401298464324817e-45, 0}},
		{"Log", Log[float32], []float32{1.401298464324817e-45, 9.999999350456404e-39},
			[]float32{-103.2789306640625, -87.49822998046875}},
		{"Sigmoid", Sigmoid[float32], []float32{-100, -103.9, -88, -87.3},
			[]float32{3.783505853677006e-44, 1.401298464324817e-45, 6.054601485195952e-39, 1.2192433092680476e-38}},
	}
	for _, c := range cases32 {
		got := c.f(FromSlice(c.x, len(c.x))).Data()
		for i, want := range c.y {
			if got[i] != want {
				t.Errorf("float32 %s(%v) = %v, want %v", c.name, c.x[i], got[i], want)
			}
		}
	}
}

// TestPowShortcuts checks that Pow takes torch.pow's shortcuts, rounded in
// T, where they differ from math.Pow: the signs at −0 and the value at
// −Inf for ½ and −½, x⁰ = 1 for NaN, and x³ as x·x·x in float32, which for
// x = 1.7 (float32) is 4.913000106811523, as PyTorch's, where the correctly
// rounded cube is 4.913000583648682.
func TestPowShortcuts(t *testing.T) {
	nz, inf := math.Copysign(0, -1), math.Inf(1)
	x := FromSlice([]float64{nz, -inf, math.NaN()}, 3)
	check := func(what string, got, want []float64) {
		t.Helper()
		for i := range want {
			if !(got[i] == want[i] && math.Signbit(got[i]) == math.Signbit(want[i])) && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
				t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	check("Pow(x, ½)", Pow(x, 0.5).Data(), []float64{nz, math.NaN(), math.NaN()})
	check("Pow(x, −½)", Pow(x, -0.5).Data(), []float64{-inf, math.NaN(), math.NaN()})
	check("Pow(x, 0)", Pow(x, 0).Data(), []float64{1, 1, 1})
	check("Pow(x, −2)", Pow(x, -2).Data(), []float64{inf, 0, math.NaN()})
	if got := Pow(FromSlice([]float32{1.7}, 1), 3).Data()[0]; got != 4.913000106811523 {
		t.Errorf("float32 Pow(1.7, 3) = %v, want x·x·x = 4.913000106811523", got)
	}
}

// benchUnary times f on a 2^16-element tensor of ordinary values, the
// fast path of every element-wise transcendental.
func benchUnary(b *testing.B, lo, hi float64, f func(*Tensor[float64]) *Tensor[float64]) {
	x := New[float64](1 << 16)
	for i := range x.data {
		x.data[i] = lo + (hi-lo)*float64(i)/float64(len(x.data))
	}
	b.SetBytes(int64(8 * len(x.data)))
	b.ResetTimer()
	for range b.N {
		f(x)
	}
}

func BenchmarkUnary(b *testing.B) {
	b.Run("Exp", func(b *testing.B) { benchUnary(b, -20, 20, Exp[float64]) })
	b.Run("Log", func(b *testing.B) { benchUnary(b, 1e-3, 1e3, Log[float64]) })
	b.Run("Sigmoid", func(b *testing.B) { benchUnary(b, -20, 20, Sigmoid[float64]) })
	b.Run("Pow0.3", func(b *testing.B) {
		benchUnary(b, 1e-3, 1e3, func(x *Tensor[float64]) *Tensor[float64] { return Pow(x, 0.3) })
	})
}
