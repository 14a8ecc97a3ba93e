package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// randSlices returns k slices of n values drawn from N(0, 1), with a few
// exact zeros, so that v's square roots and tails of every length are met.
func randSlices[T Float](r *rand.Rand, n, k int) [][]T {
	out := make([][]T, k)
	for i := range out {
		out[i] = make([]T, n)
		for j := range out[i] {
			if r.IntN(17) != 0 {
				out[i][j] = T(r.NormFloat64())
			}
		}
	}
	return out
}

func clone[T Float](s [][]T) [][]T {
	out := make([][]T, len(s))
	for i := range s {
		out[i] = append([]T(nil), s[i]...)
	}
	return out
}

// sameBits reports the first index where a and b differ in their bits.
func sameBits[T Float](a, b []T) int {
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return i
		}
	}
	return -1
}

// The exported loops (assembly and Go tail on amd64) compute the very bits
// of the Go loops, for every length around the vector and unroll sizes.
func testAdamMatchesGo[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	c := AdamCoeffs[T]{Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001, Eps: 1e-8, NegStep: -1e-3 / (1 - 0.9*0.9), InvRootBias2: T(1 / math.Sqrt(1-0.999*0.999))}
	k := c.array()
	for _, n := range append([]int{0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 4099}, r.IntN(300)) {
		s := randSlices[T](r, n, 4)
		for i := range s[3] {
			s[3][i] *= s[3][i] // v ≥ 0
		}
		want := clone(s)
		adamGo(want[0], want[1], want[2], want[3], &k)
		Adam(s[0], s[1], s[2], s[3], c)
		for i, name := range []string{"x", "g", "m", "v"} {
			if j := sameBits(s[i], want[i]); j >= 0 {
				t.Fatalf("n=%d: %s[%d] = %v, Go loop gives %v", n, name, j, s[i][j], want[i][j])
			}
		}
	}
}

func testAddScaledMatchesGo[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 1000, 4099} {
		s := randSlices[T](r, n, 2)
		want := clone(s)
		addScaledGo(want[0], -2e-3, want[1])
		AddScaled(s[0], -2e-3, s[1])
		if j := sameBits(s[0], want[0]); j >= 0 {
			t.Fatalf("n=%d: x[%d] = %v, Go loop gives %v", n, j, s[0][j], want[0][j])
		}
	}
}

func TestAdamMatchesGo(t *testing.T) {
	t.Run("float32", testAdamMatchesGo[float32])
	t.Run("float64", testAdamMatchesGo[float64])
}

func TestAddScaledMatchesGo(t *testing.T) {
	t.Run("float32", testAddScaledMatchesGo[float32])
	t.Run("float64", testAddScaledMatchesGo[float64])
}

// TestAdamValues checks one step by hand, in float64: from m = 0.5, v = 4,
// g = 2 with β₁ = 0.5, β₂ = 0.75, NegStep = −0.25, InvRootBias2 = 2 and
// ε = 1: m = 0.25 + 1 = 1.25, v = 3 + 1 = 4, x = 1 − 0.3125/(2·2 + 1) = 0.9375.
// Nine copies put the values in the assembly and in the Go tail.
func TestAdamValues(t *testing.T) {
	fill := func(v float64) []float64 {
		s := make([]float64, 9)
		for i := range s {
			s[i] = v
		}
		return s
	}
	x, g, m, v := fill(1), fill(2), fill(0.5), fill(4)
	Adam(x, g, m, v, AdamCoeffs[float64]{Beta1: 0.5, OneMinusBeta1: 0.5, Beta2: 0.75, OneMinusBeta2: 0.25, Eps: 1, NegStep: -0.25, InvRootBias2: 2})
	for i := range x {
		if x[i] != 0.9375 || m[i] != 1.25 || v[i] != 4 {
			t.Fatalf("[%d]: x, m, v = %v, %v, %v, want 0.9375, 1.25, 4", i, x[i], m[i], v[i])
		}
	}
	y := fill(1)
	AddScaled(y, -0.5, fill(3))
	for i := range y {
		if y[i] != -0.5 {
			t.Fatalf("AddScaled: y[%d] = %v, want −0.5", i, y[i])
		}
	}
}

func TestLengthMismatchPanics(t *testing.T) {
	testutil.MustPanic(t, func() {
		Adam(make([]float32, 3), make([]float32, 3), make([]float32, 2), make([]float32, 3), AdamCoeffs[float32]{})
	}, "vec: Adam of slices of lengths 3, 3, 2 and 3")
	testutil.MustPanic(t, func() { AddScaled(make([]float64, 3), 1, make([]float64, 4)) },
		"vec: AddScaled of slices of lengths 3 and 4")
}

func BenchmarkAdam(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	s := randSlices[float32](r, 1<<20, 4)
	c := AdamCoeffs[float32]{Beta1: 0.9, OneMinusBeta1: 0.1, Beta2: 0.999, OneMinusBeta2: 0.001, Eps: 1e-8, NegStep: -1e-4, InvRootBias2: 1}
	b.SetBytes(7 * 4 << 20)
	for b.Loop() {
		Adam(s[0], s[1], s[2], s[3], c)
	}
}
