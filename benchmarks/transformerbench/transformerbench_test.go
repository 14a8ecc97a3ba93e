package transformerbench_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/benchmarks/transformerbench"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
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

// TestCharLMCausal: the logits at position t do not depend on the
// characters after t.
func TestCharLMCausal(t *testing.T) {
	m := transformerbench.NewCharLM[float64](rand.New(rand.NewPCG(3, 4)), 7, 5, 8, 2, 2, 16)
	x := tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6, 0, 1, 2, 3}, 2, 5)
	y := m.Forward(autograd.NewConst(x)).Value().Clone()
	x.Data()[3] = 0 // sequence 0, position 3
	y2 := m.Forward(autograd.NewConst(x)).Value()
	for i, v := range y.Data() {
		// Rows 0–4 are sequence 0's positions; only 3 and 4 may change.
		if row := i / 7; row != 3 && row != 4 && v != y2.Data()[i] {
			t.Fatalf("logit %d (row %d) changed from %v to %v", i, row, v, y2.Data()[i])
		}
	}
	if slices.Equal(y.Data()[3*7:5*7], y2.Data()[3*7:5*7]) {
		t.Errorf("changing position 3 changed nothing")
	}
}

// TestStateDictKeys: the keys of PyTorch's twin in workloads.py.
func TestStateDictKeys(t *testing.T) {
	net := transformerbench.NewNetSized(rand.New(rand.NewPCG(1, 2)), 1, 5, 4, 8, 2, 1, 8)
	var got []string
	for _, p := range nn.NamedParams[float32](net.Model) {
		got = append(got, p.Name)
	}
	want := []string{"pos", "tok.weight",
		"encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.self_attn.in_proj_bias",
		"encoder.layers.0.self_attn.out_proj.weight", "encoder.layers.0.self_attn.out_proj.bias",
		"encoder.layers.0.linear1.weight", "encoder.layers.0.linear1.bias",
		"encoder.layers.0.linear2.weight", "encoder.layers.0.linear2.bias",
		"encoder.layers.0.norm1.weight", "encoder.layers.0.norm1.bias",
		"encoder.layers.0.norm2.weight", "encoder.layers.0.norm2.bias",
		"encoder.norm.weight", "encoder.norm.bias", "head.weight", "head.bias"}
	if !slices.Equal(got, want) {
		t.Errorf("state_dict keys\n%v\nwant\n%v", got, want)
	}
}
