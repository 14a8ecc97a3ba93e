package benchmarks

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/normbench"
)

// BenchmarkW6Norm is workload W6: layer norm, group norm and RMSNorm in
// float32, composed from tape primitives and fused, and a decoder's
// transposed convolution, forward and backward of L = Σ y ⊙ g for a fixed
// random g, with gradients for x, the weight and the bias, on a tape reused
// across iterations. Sub-benchmarks are named variant/layer/shape, such as
// fused/layernorm/4096x1024. Besides time and allocations each reports MB/s
// of input x processed and bytes-kept, the bytes the recorded ops keep for
// backward.
//
// go run ./benchmarks/cmd/compare -only W6 puts them next to PyTorch's
// layers.
func BenchmarkW6Norm(b *testing.B) {
	for _, v := range []normbench.Variant{normbench.Composed, normbench.Fused} {
		cases := normbench.Cases
		if v == normbench.Fused {
			cases = append(cases[:len(cases):len(cases)], normbench.Deconv)
		}
		for _, c := range cases {
			b.Run(v.String()+"/"+c.Name(), func(b *testing.B) {
				w := normbench.NewWorkload[float32](rand.New(rand.NewPCG(1, 2)), c)
				b.SetBytes(int64(w.InputBytes()))
				b.ReportAllocs()
				var r normbench.Result[float32]
				for b.Loop() {
					r = w.Step(v)
				}
				b.ReportMetric(float64(r.SavedBytes), "bytes-kept")
			})
		}
	}
}
