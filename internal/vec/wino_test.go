package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// winoValues returns n values of every magnitude, subnormals, zeros of
// both signs and the non-finite values among them, so that halving is
// inexact (subnormals) and sums overflow somewhere.
func winoValues[T Float](r *rand.Rand, n int) []T {
	special := []float64{0, math.Copysign(0, -1), 1e-45, -1e-45, 3e-45, 1e-310, -5e-324, 3e38, -3e38, 1.7e308, math.Inf(1), math.Inf(-1)}
	x := make([]T, n)
	for i := range x {
		switch r.IntN(8) {
		case 0:
			x[i] = T(special[r.IntN(len(special))])
		case 1:
			x[i] = T(math.Ldexp(r.Float64()*2-1, r.IntN(300)-150))
		default:
			x[i] = T(r.NormFloat64())
		}
	}
	return x
}

// testWinoWeights checks WinoWeights and WinoWeightsAdjoint against their
// Go twins, bit for bit, at every count of kernels up to 50 (every length
// mod 16) and a long run, with the kernels starting off any vector
// boundary, and that nothing outside the runs is written.
func testWinoWeights[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(9, 3))
	for _, n := range append(rangeInts(51), 1000, 1003) {
		for _, off := range []int{0, 1, 3} {
			step := n + 7
			w := winoValues[T](r, 9*n+off)[off:]
			const sentinel = 12345
			fill := func(n int) []T {
				s := make([]T, n)
				for i := range s {
					s[i] = sentinel
				}
				return s
			}
			got, want := fill(16*step + off)[off:], fill(16*step)
			WinoWeights(got, step, w)
			winoWeightsGo(want, step, w, n)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("WinoWeights, %d kernels, offset %d: u[%d] = %v, want %v", n, off, i, got[i], want[i])
			}
			du := winoValues[T](r, 16*step+off)[off:]
			dw, dwant := fill(9*n + 2 + off)[off:], fill(9*n+2)
			WinoWeightsAdjoint(dw[:9*n], du, step)
			winoWeightsAdjGo(dwant, du, step, n)
			if i := sameBits(dw, dwant); i >= 0 {
				t.Fatalf("WinoWeightsAdjoint, %d kernels, offset %d: dw[%d] = %v, want %v", n, off, i, dw[i], dwant[i])
			}
		}
	}
}

func rangeInts(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func TestWinoWeights32(t *testing.T) { testWinoWeights[float32](t) }
func TestWinoWeights64(t *testing.T) { testWinoWeights[float64](t) }

// TestWinoWeightsValues checks the Go twins on one kernel against U and
// dW computed by hand: G g Gᵀ and Gᵀ dU G with exact arithmetic.
func TestWinoWeightsValues(t *testing.T) {
	g := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	u := make([]float64, 16)
	WinoWeights(u, 1, g)
	// g Gᵀ rows: (1, 3, 1, 3), (4, 7.5, 2.5, 6), (7, 12, 4, 9); then G on columns.
	want := []float64{1, 3, 1, 3, 6, 11.25, 3.75, 9, 2, 3.75, 1.25, 3, 7, 12, 4, 9}
	for i := range want {
		if u[i] != want[i] {
			t.Fatalf("WinoWeights: u = %v, want %v", u, want)
		}
	}
	du := make([]float64, 16)
	for i := range du {
		du[i] = float64(i + 1)
	}
	dw := make([]float64, 9)
	WinoWeightsAdjoint(dw, du, 1)
	// dU G rows (x0 + (x1+x2)/2, (x1−x2)/2, (x1+x2)/2 + x3):
	// (3.5, −0.5, 6.5), (11.5, −0.5, 14.5), (19.5, −0.5, 22.5), (27.5, −0.5, 30.5);
	// then Gᵀ on the columns.
	wantW := []float64{3.5 + 15.5, -0.5 - 0.5, 6.5 + 18.5, -4, 0, -4, 15.5 + 27.5, -0.5 - 0.5, 18.5 + 30.5}
	for i := range wantW {
		if dw[i] != wantW[i] {
			t.Fatalf("WinoWeightsAdjoint: dw = %v, want %v", dw, wantW)
		}
	}
}
