package benchmarks

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/rnnbench"
)

// BenchmarkW8LSTMTrain is workload W8: one training step of an LSTM
// classifier on sequential Fashion-MNIST-shaped data (28 steps × 28
// inputs, hidden 128, one layer, batch 128, a linear layer 128→10 on the
// last hidden state) in float32 — forward on a reused tape, mean softmax
// cross-entropy, backward through time and Adam's update with lr 1e-3.
// Besides time and allocations it reports sequences/s, GFLOP/s of the
// step's matrix products (rnnbench.FLOPs) and bytes-kept, the bytes the
// recorded ops keep for the backward pass.
func BenchmarkW8LSTMTrain(b *testing.B) {
	net := rnnbench.NewNet(rand.New(rand.NewPCG(1, 2)))
	b.ReportAllocs()
	for b.Loop() {
		net.TrainStep()
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(rnnbench.Batch*b.N)/sec, "sequences/s")
	b.ReportMetric(rnnbench.FLOPs()*float64(b.N)/sec/1e9, "GFLOP/s")
	b.ReportMetric(float64(net.SavedBytes()), "bytes-kept")
}
