package benchmarks

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/gemmbench"
	"github.com/tapegrad/tapegrad/tensor"
)

// BenchmarkW4Gemm is workload W4: C = A·B through tensor.Gemm, which every
// matrix product in tapegrad goes through, on gemmbench.Shapes in float32
// and float64, with C preallocated so that only the kernel is timed.
// Sub-benchmarks are named dtype/MxKxN, such as float32/200x3072x100. Each
// reports GFLOP/s, counting 2·M·K·N per product.
func BenchmarkW4Gemm(b *testing.B) {
	b.Run("float32", func(b *testing.B) { benchGemm[float32](b) })
	b.Run("float64", func(b *testing.B) { benchGemm[float64](b) })
}

func benchGemm[T tensor.Float](b *testing.B) {
	for _, s := range gemmbench.Shapes {
		b.Run(s.Name(), func(b *testing.B) {
			w := gemmbench.NewWorkload[T](rand.New(rand.NewPCG(1, 2)), s)
			b.ReportAllocs()
			for b.Loop() {
				w.Run()
			}
			b.ReportMetric(s.FLOPs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
