package benchmarks

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/hvpbench"
	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
)

// BenchmarkW10HVP is workload W10: a Hessian–vector product of W1's loss
// (the MLP 3072→100→10, ReLU, mean softmax cross-entropy on a batch of 200
// random images, in float32) with a random v — the forward pass, the
// gradient with its backward pass recorded (Tape.Grad with CreateGraph),
// and the gradient of ⟨gradient, v⟩ (hvpbench.Workload.Step). Besides time
// and allocations it reports products/s.
func BenchmarkW10HVP(b *testing.B) {
	w := hvpbench.New(rand.New(rand.NewPCG(1, 2)), mlpbench.W1Hidden, mlpbench.Batch)
	b.ReportAllocs()
	for b.Loop() {
		w.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "products/s")
}
