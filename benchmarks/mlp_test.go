package benchmarks

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
)

// BenchmarkW1MLPTrain is workload W1: one training step of the course's MLP
// (3072→100→10, ReLU) in float32 on a batch of 200 random images — forward
// on a reused tape, mean softmax cross-entropy, backward and an SGD update
// with lr 2e-3. Besides time and allocations it reports images/s, GFLOP/s
// of the step's matrix products (mlpbench.FLOPs) and bytes-kept, the bytes
// the recorded ops keep for the backward pass.
func BenchmarkW1MLPTrain(b *testing.B) { benchMLPTrain(b, mlpbench.W1Hidden) }

// BenchmarkW1bMLPTrain is workload W1b: BenchmarkW1MLPTrain's step on the
// deeper MLP 3072→512→256→128→10.
func BenchmarkW1bMLPTrain(b *testing.B) { benchMLPTrain(b, mlpbench.W1bHidden) }

func benchMLPTrain(b *testing.B, hidden []int) {
	net := mlpbench.NewNet(rand.New(rand.NewPCG(1, 2)), hidden, mlpbench.Batch)
	b.ReportAllocs()
	for b.Loop() {
		net.TrainStep()
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(mlpbench.Batch*b.N)/sec, "images/s")
	b.ReportMetric(mlpbench.FLOPs(hidden, mlpbench.Batch)*float64(b.N)/sec/1e9, "GFLOP/s")
	b.ReportMetric(float64(net.SavedBytes()), "bytes-kept")
}
