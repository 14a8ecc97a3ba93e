package benchmarks

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/transformerbench"
)

// BenchmarkW9TransformerTrain is workload W9: one training step of the
// character-level language model of transformerbench (vocabulary 96,
// context 128, width 128, 4 heads, 2 pre-norm GELU layers with a
// feed-forward width of 512, causal attention) in float32 on a batch of 32
// random sequences — forward on a reused tape, mean cross-entropy over
// every position, backward and an AdamW update with lr 3e-4. Besides time
// and allocations it reports tokens/s, GFLOP/s of the step's matrix
// products (transformerbench.FLOPs) and bytes-kept.
func BenchmarkW9TransformerTrain(b *testing.B) {
	net := transformerbench.NewNet(rand.New(rand.NewPCG(1, 2)), transformerbench.Batch)
	b.ReportAllocs()
	for b.Loop() {
		net.TrainStep()
	}
	sec := b.Elapsed().Seconds()
	tokens := float64(transformerbench.Batch * transformerbench.Context)
	b.ReportMetric(tokens*float64(b.N)/sec, "tokens/s")
	b.ReportMetric(transformerbench.FLOPs(transformerbench.Batch, transformerbench.Context)*float64(b.N)/sec/1e9, "GFLOP/s")
	b.ReportMetric(float64(net.SavedBytes()), "bytes-kept")
}
