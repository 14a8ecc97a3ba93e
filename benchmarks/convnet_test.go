package benchmarks

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/convbench"
)

// BenchmarkW2ConvNetTrain is workload W2: one training step of the course's
// ConvNet in float32 on a batch of 32 random 32×32×3 images — forward on a
// reused tape, mean softmax cross-entropy, backward and an Adam update with
// lr 1e-4. The first step also allocates Adam's state (two buffers the size
// of the parameters), a few milliseconds of a step of seconds, so no untimed
// warm-up step is spent on it: -benchtime 1x stays one step. Besides time and
// allocations it reports images/s and bytes-kept, the bytes the recorded ops
// keep for the backward pass.
func BenchmarkW2ConvNetTrain(b *testing.B) {
	net := convbench.NewNet(rand.New(rand.NewPCG(1, 2)), convbench.Batch)
	b.ReportAllocs()
	for b.Loop() {
		net.TrainStep()
	}
	b.ReportMetric(float64(convbench.Batch*b.N)/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric(float64(net.SavedBytes()), "bytes-kept")
}

// BenchmarkW2eConvNetInfer is workload W2e: the ConvNet's forward pass in
// evaluation mode (batch norm with running statistics) in float32 on a batch
// of 32 random 32×32×3 images given as a constant, reporting images/s and
// allocations.
func BenchmarkW2eConvNetInfer(b *testing.B) {
	net := convbench.NewNet(rand.New(rand.NewPCG(1, 2)), convbench.Batch)
	net.SetTraining(false)
	b.ReportAllocs()
	for b.Loop() {
		net.Infer()
	}
	b.ReportMetric(float64(convbench.Batch*b.N)/b.Elapsed().Seconds(), "images/s")
}
