package transformerbench_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/transformerbench"
)

// TestTrainStepLearns: on a small model the first loss is near ln(vocab)
// (random characters and a small initial head), and steps on the fixed
// batch lower it.
func TestTrainStepLearns(t *testing.T) {
	const vocab = 11
	net := transformerbench.NewNetSized(rand.New(rand.NewPCG(1, 2)), 3, vocab, 6, 8, 2, 2, 16)
	first := net.TrainStep()
	if math.Abs(float64(first)-math.Log(vocab)) > 1.5 {
		t.Errorf("first loss %v, want near ln %d = %v", first, vocab, math.Log(vocab))
	}
	var last float32
	for range 30 {
		last = net.TrainStep()
	}
	if !(last < first-0.1) {
		t.Errorf("loss went from %v to %v in 30 steps", first, last)
	}
	if net.SavedBytes() <= 0 {
		t.Errorf("SavedBytes = %d", net.SavedBytes())
	}
}
