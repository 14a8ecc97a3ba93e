package benchmarks

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/bnbench"
)

// BenchmarkW3BatchNorm is workload W3: batch norm in float32, composed from
// tape primitives and fused, forward and backward of L = Σ y ⊙ g for a fixed
// random g, with gradients for x, γ and β, on a tape reused across
// iterations. Sub-benchmarks are named variant/shape, such as
// composed/200x100. Besides time and allocations each reports MB/s of input x
// processed and bytes-kept, the bytes the recorded ops keep for backward.
//
// go run ./benchmarks/cmd/bncompare puts the two variants side by side.
func BenchmarkW3BatchNorm(b *testing.B) {
	for _, v := range []bnbench.Variant{bnbench.Composed, bnbench.Fused} {
		b.Run(v.String(), func(b *testing.B) {
			for _, shape := range bnbench.Shapes {
				b.Run(bnbench.ShapeName(shape), func(b *testing.B) {
					w := bnbench.NewWorkload[float32](rand.New(rand.NewPCG(1, 2)), shape...)
					b.SetBytes(int64(w.InputBytes()))
					b.ReportAllocs()
					var r bnbench.Result[float32]
					for b.Loop() {
						r = w.Step(v)
					}
					b.ReportMetric(float64(r.SavedBytes), "bytes-kept")
				})
			}
		})
	}
}
