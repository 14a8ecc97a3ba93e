package benchmarks

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/attnbench"
)

// BenchmarkW7Attention is workload W7: causal scaled dot-product attention
// on 32 sequences of 4 heads, 128 tokens, head dimension 32, in float32,
// composed from tape primitives and fused, forward and backward of
// L = Σ y ⊙ g for a fixed random g, with gradients for q, k and v, on a
// tape reused across iterations. Sub-benchmarks are named variant/case,
// such as fused/32x4x128x32-causal. Besides time and allocations each
// reports MB/s of q, k and v processed and bytes-kept, the bytes the
// recorded ops keep for backward.
//
// go run ./benchmarks/cmd/compare -only W7 puts them next to PyTorch's.
func BenchmarkW7Attention(b *testing.B) {
	for _, v := range []attnbench.Variant{attnbench.Composed, attnbench.Fused} {
		b.Run(v.String()+"/"+attnbench.W7.Name(), func(b *testing.B) {
			w := attnbench.NewWorkload[float32](rand.New(rand.NewPCG(1, 2)), attnbench.W7)
			b.SetBytes(int64(w.InputBytes()))
			b.ReportAllocs()
			var r attnbench.Result[float32]
			for b.Loop() {
				r = w.Step(v)
			}
			b.ReportMetric(float64(r.SavedBytes), "bytes-kept")
		})
	}
}
