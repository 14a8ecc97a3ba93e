package vec

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// phiTierInputs returns inputs laid out for the branches of the GELU
// kernels, which take shorter code where every lane of a vector (four or
// eight values) lies in erfc's region A (|x| < 0.84375·√2) or in A and B
// (|x| < 1.25·√2): the inputs of elemInputs sorted by magnitude, so that
// whole vectors share a region, then groups of eight in one region but
// for one lane in a farther region, at each position, with either sign.
func phiTierInputs() []float32 {
	xs := elemInputs()
	slices.SortFunc(xs, func(a, b float32) int {
		return cmpAbs(a, b)
	})
	rng := rand.New(rand.NewPCG(5, 6))
	draw := func(lo, hi float64) float32 {
		v := float32((lo + (hi-lo)*rng.Float64()) / invSqrt2)
		if rng.IntN(2) == 0 {
			v = -v
		}
		return v
	}
	regions := [][2]float64{{0, erfAMax}, {erfAMax, erfBMax}, {erfBMax, erfCMax}, {erfCMax, 20}}
	for base := range 2 {
		for far := base + 1; far < len(regions); far++ {
			for p := range 8 {
				for i := range 8 {
					r := regions[rng.IntN(base+1)]
					if i == p {
						r = regions[far]
					}
					xs = append(xs, draw(r[0], r[1]))
				}
			}
		}
	}
	return xs
}

func cmpAbs(a, b float32) int {
	x, y := math.Abs(float64(a)), math.Abs(float64(b))
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// TestElemPhiTiers checks GELU32 and GELUGrad32 on phiTierInputs, at
// every alignment, against the bits of the Go lane functions, as
// TestElemLanes does for unsorted inputs.
func TestElemPhiTiers(t *testing.T) {
	xs := phiTierInputs()
	for _, c := range elemCases {
		if c.name != "GELU32" && c.name != "GELUGrad32" {
			continue
		}
		want := make([]float32, len(xs))
		for i, x := range xs {
			f := c.lane
			if !finite32(x) {
				f = c.exact
			}
			want[i] = float32(f(float64(x)))
		}
		for off := range 8 {
			y := make([]float32, len(xs)-off)
			c.run(y, xs[off:])
			for i := range y {
				if !same32(y[i], want[off+i]) {
					t.Fatalf("%s(%g) at %d (offset %d): got %g (%#x), want %g (%#x)", c.name, xs[off+i], i, off,
						y[i], math.Float32bits(y[i]), want[off+i], math.Float32bits(want[off+i]))
				}
			}
		}
	}
}

// BenchmarkElemPhiTiers times GELU32 and GELUGrad32 on normal inputs of
// standard deviation 0.6, about that of the pre-activations of W9's
// feed-forward blocks (a layer-normed input through PyTorch's default
// initialization), where most vectors take the branch of region A.
func BenchmarkElemPhiTiers(b *testing.B) {
	x := make([]float32, 1<<14)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 0.6)
	}
	y, dy := make([]float32, len(x)), ones(len(x))
	b.Run("GELU32", func(b *testing.B) {
		b.SetBytes(int64(4 * len(x)))
		for range b.N {
			GELU32(y, x)
		}
	})
	b.Run("GELUGrad32", func(b *testing.B) {
		b.SetBytes(int64(4 * len(x)))
		for range b.N {
			GELUGrad32(y, dy, x)
		}
	})
}
