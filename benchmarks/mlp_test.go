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

// BenchmarkW1sMLPTrain is BenchmarkW1MLPTrain's step on the small shape of
// the Fashion-MNIST trainer, 784→100→10 at batch 200: small enough that
// handing work to a second goroutine may cost more than it saves, so it is
// the row that keeps GOMAXPROCS=2 from being slower than GOMAXPROCS=1.
func BenchmarkW1sMLPTrain(b *testing.B) {
	benchMLPTrainIn(b, mlpbench.SmallInputs, mlpbench.W1Hidden)
}

func benchMLPTrain(b *testing.B, hidden []int) { benchMLPTrainIn(b, mlpbench.Inputs, hidden) }

func benchMLPTrainIn(b *testing.B, inputs int, hidden []int) {
	net := mlpbench.NewNetIn(rand.New(rand.NewPCG(1, 2)), inputs, hidden, mlpbench.Batch)
	b.ReportAllocs()
	for b.Loop() {
		net.TrainStep()
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(mlpbench.Batch*b.N)/sec, "images/s")
	b.ReportMetric(mlpbench.FLOPsIn(inputs, hidden, mlpbench.Batch)*float64(b.N)/sec/1e9, "GFLOP/s")
	b.ReportMetric(float64(net.SavedBytes()), "bytes-kept")
}
