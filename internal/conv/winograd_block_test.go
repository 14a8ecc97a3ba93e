package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/tensor"
)

// TestWinoForwardBlocks: the forward pass in blocks of output channels
// gives WinoWeights, WinoProduct and WinoOutputEpilogue's bits on the whole,
// for blocks of 3 or more channels (3 and 4 at most: even and uneven
// splits) and one block, odd and
// even planes, with a bias and an epilogue that pools or not, in float64
// and float32.
func TestWinoForwardBlocks(t *testing.T) {
	testWinoForwardBlocks[float64](t)
	testWinoForwardBlocks[float32](t)
}

func testWinoForwardBlocks[T tensor.Float](t *testing.T) {
	r := rand.New(rand.NewPCG(8, 21))
	randSlice := func(n int) []T {
		s := make([]T, n)
		for i := range s {
			s[i] = T(r.NormFloat64())
		}
		return s
	}
	for _, g := range []*Geom{
		newGeom(2, 12, 6, 6, 9, 3, 3, 1, 1, 1, 1),
		newGeom(3, 12, 7, 5, 8, 3, 3, 1, 1, 1, 1),
		newGeom(2, 6, 16, 16, 7, 3, 3, 1, 1, 1, 1), // 64 tiles a plane: sample-major output
	} {
		tg := NewWinoTiles(g)
		x, w, b := randSlice(g.N*g.C*g.H*g.W), randSlice(g.Cout*g.C*9), randSlice(g.Cout)
		pool := &PoolGeom{H: g.HOut, W: g.WOut, KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1, DH: 1, DW: 1,
			HOut: (g.HOut-1)/2 + 1, WOut: (g.WOut-1)/2 + 1}
		for _, e := range []*Epilogue[T]{
			nil,
			{Scale: randSlice(g.Cout), Shift: randSlice(g.Cout), ReLU: true},
			{Scale: randSlice(g.Cout), Shift: randSlice(g.Cout), ReLU: true, Pool: pool},
		} {
			size := g.N * g.Cout * e.outPlane(g.Plane())
			u, v, m := make([]T, 16*tg.UStep), make([]T, 16*tg.VStep), make([]T, 16*tg.MStep)
			WinoWeights(u, w, g.Cout, g.C, tg.UStep)
			WinoInput(v, x, g, &tg)
			WinoProduct(m, u, v, g, &tg)
			want := make([]T, size)
			WinoOutputEpilogue(want, m, b, e, g, &tg)
			for _, cb := range []int{3, 4, g.Cout} {
				us, ms := WinoBlockSizes(g, &tg, cb)
				got := make([]T, size)
				WinoForwardBlocks(got, x, w, b, e, g, &tg, make([]T, 16*tg.VStep), make([]T, us), make([]T, ms), cb)
				for i := range want {
					if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want[i])) {
						t.Fatalf("%T %v epilogue %v blocks of %d: y[%d] = %v, want %v", T(0), g, e != nil, cb, i, got[i], want[i])
					}
				}
				// Blocks of samples too: one at a time, two (an uneven
				// split of 3), all; but for products of 512 multiply-adds
				// or fewer, which internal/gemm sums another way.
				for _, sb := range []int{1, 2, g.N} {
					if last := g.N - (g.N-1)/sb*sb; 3*last*tg.Plane*g.C <= 512 {
						continue
					}
					gb := g.Samples(sb)
					tb := NewWinoTiles(&gb)
					us, ms := WinoBlockSizes(&gb, &tb, cb)
					got := make([]T, size)
					WinoForwardSamples(got, x, w, b, e, g, make([]T, 16*tb.VStep), make([]T, us), make([]T, ms), sb, cb)
					for i := range want {
						if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want[i])) {
							t.Fatalf("%T %v epilogue %v blocks of %d samples, %d channels: y[%d] = %v, want %v", T(0), g, e != nil, sb, cb, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// WinoSampleBlock keeps a whole batch where its scratch fits, and
// otherwise the fewest even blocks of samples that keep the scratch of
// WinoForwardSamples (V, and U and M of WinoBlock's channels) within
// winoScratchValues, but at least one sample.
func TestWinoSampleBlock(t *testing.T) {
	for _, c := range []struct {
		g    *Geom
		want int // 0: fewer than N, checked against the bound
	}{
		{newGeom(32, 64, 16, 16, 128, 3, 3, 1, 1, 1, 1), 16}, // W2e's conv2: two even blocks
		{newGeom(250, 64, 14, 14, 128, 3, 3, 1, 1, 1, 1), 0}, // an evaluation batch
		{newGeom(2, 4096, 64, 64, 64, 3, 3, 1, 1, 1, 1), 1},  // one sample is over the bound
		{newGeom(0, 64, 16, 16, 128, 3, 3, 1, 1, 1, 1), 0},   // no samples
	} {
		sb := WinoSampleBlock(c.g)
		if c.g.N == 0 || c.want > 0 {
			if sb != c.want {
				t.Errorf("%v: %d samples a block, want %d", c.g, sb, c.want)
			}
			continue
		}
		gb := c.g.Samples(sb)
		tg := NewWinoTiles(&gb)
		cb := WinoBlock(&gb, &tg)
		us, ms := WinoBlockSizes(&gb, &tg, cb)
		if total := 16*tg.VStep + us + ms; sb < 1 || sb >= c.g.N || total > winoScratchValues+16*3*winoGap {
			t.Errorf("%v: %d samples a block (of %d) and %d channels take %d values, bound %d", c.g, sb, c.g.N, cb, total, winoScratchValues)
		}
		// No fewer blocks would fit.
		blocks := (c.g.N + sb - 1) / sb
		if s := (c.g.N + blocks - 2) / max(blocks-1, 1); blocks > 1 && 16*c.g.C*s*tg.Plane+16*64*(c.g.C+s*tg.Plane) <= winoScratchValues {
			t.Errorf("%v: %d blocks of %d samples, but %d blocks of %d fit", c.g, blocks, sb, blocks-1, s)
		}
	}
}
