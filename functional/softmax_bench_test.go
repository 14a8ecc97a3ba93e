package functional_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// BenchmarkCrossEntropy times the forward and backward passes of the mean
// cross-entropy of 256×10 logits, the loss of every classifier here.
func BenchmarkCrossEntropy(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	logits := tensor.RandN[float64](r, 256, 10)
	labels := make([]int, 256)
	for i := range labels {
		labels[i] = r.IntN(10)
	}
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	b.ResetTimer()
	for range b.N {
		tape.Reset()
		x := tape.Param(logits)
		tape.Backward(functional.CrossEntropy(x, labels))
	}
}
