package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBiasAffineReLU: BiasAffineReLU gives, bit for bit, the three passes it
// fuses — BinaryVS's add and multiply, then the add of t and ReLU — for
// every length up to a few vectors plus a tail, in place and not, with
// zeros of both signs, NaNs and infinities among the inputs, in float32
// (assembly, then the Go loop on the tail) and float64 (Go).
func TestBiasAffineReLU(t *testing.T) {
	testBiasAffineReLU[float32](t)
	testBiasAffineReLU[float64](t)
}

func testBiasAffineReLU[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	special := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e-40, -3}
	for n := range 45 {
		a := make([]T, n)
		for i := range a {
			if r.IntN(4) == 0 {
				a[i] = T(special[r.IntN(len(special))])
			} else {
				a[i] = T(r.NormFloat64())
			}
		}
		for _, c := range [][3]float64{{0.5, 1.5, -0.25}, {0, -2, 0}, {-1, 0, 0}, {0, 1, math.Copysign(0, -1)}, {math.Copysign(0, -1), 1, math.Copysign(0, -1)}} {
			b, s, sh := T(c[0]), T(c[1]), T(c[2])
			want := make([]T, n)
			BinaryVS(OpAdd, want, a, b)
			BinaryVS(OpMul, want, want, s)
			BinaryVS(OpAdd, want, want, sh)
			ReLU(want, want)
			got := make([]T, n)
			BiasAffineReLU(got, a, b, s, sh)
			inPlace := append([]T(nil), a...)
			BiasAffineReLU(inPlace, inPlace, b, s, sh)
			for i := range want {
				w := math.Float64bits(float64(want[i]))
				if math.Float64bits(float64(got[i])) != w || math.Float64bits(float64(inPlace[i])) != w {
					t.Fatalf("%T n %d b %v s %v t %v: [%d] = %v (in place %v), want %v of a %v",
						a, n, b, s, sh, i, got[i], inPlace[i], want[i], a[i])
				}
			}
		}
	}
}
