package vec

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// testSumQuadMatchesLoop checks SumQuad against the plain loop, bit for bit,
// from non-zero partial sums, at strides with and without padding.
func testSumQuadMatchesLoop[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 3, 4, 8, 12, 37, 128, 131} {
		for _, pad := range []int{0, 5} {
			stride := n + pad
			x := randSlices[T](rng, 3*stride+n, 1)[0]
			var s, want [16]T
			for i := range s {
				s[i] = T(rng.NormFloat64())
			}
			want = s
			SumQuad(&s, x, stride, n)
			for r := range 4 {
				for i := 0; i+4 <= n; i += 4 {
					for k := range 4 {
						want[4*r+k] += x[r*stride+i+k]
					}
				}
			}
			if s != want {
				t.Errorf("SumQuad n=%d stride=%d: got %v, want %v", n, stride, s, want)
			}
		}
	}
}

func TestSumQuadMatchesLoop(t *testing.T) {
	testSumQuadMatchesLoop[float32](t)
	testSumQuadMatchesLoop[float64](t)
}

func TestSumQuadPanics(t *testing.T) {
	var s [16]float32
	testutil.MustPanic(t, func() { SumQuad(&s, make([]float32, 10), 3, 2) },
		"vec: SumQuad of 4 rows of 2 at stride 3 over 10 values")
}
