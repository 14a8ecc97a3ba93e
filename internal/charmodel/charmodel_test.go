package charmodel_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/charmodel"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestCharLMCausal: the logits at position t do not depend on the
// characters after t.
func TestCharLMCausal(t *testing.T) {
	m := charmodel.NewCharLM[float64](rand.New(rand.NewPCG(3, 4)), 7, 5, 8, 2, 2, 16)
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

// TestShorterInput: a sequence shorter than the context gives the logits
// of the same positions in a full-length one (causal attention and the
// position embedding's first rows).
func TestShorterInput(t *testing.T) {
	m := charmodel.NewCharLM[float64](rand.New(rand.NewPCG(5, 6)), 7, 5, 8, 2, 1, 16)
	full := m.Forward(autograd.NewConst(tensor.FromSlice([]float64{1, 2, 3, 4, 5}, 1, 5))).Value().Clone()
	short := m.Forward(autograd.NewConst(tensor.FromSlice([]float64{1, 2, 3}, 1, 3))).Value()
	if got := short.Shape(); !slices.Equal(got, []int{3, 7}) {
		t.Fatalf("shape %v, want [3 7]", got)
	}
	for i, v := range short.Data() {
		if d := v - full.Data()[i]; d > 1e-12 || d < -1e-12 {
			t.Fatalf("logit %d: %v with 3 positions, %v with 5", i, v, full.Data()[i])
		}
	}
}

// TestStateDictKeys: the keys of PyTorch's twins.
func TestStateDictKeys(t *testing.T) {
	m := charmodel.NewCharLM[float32](rand.New(rand.NewPCG(1, 2)), 5, 4, 8, 2, 1, 8)
	var got []string
	for _, p := range nn.NamedParams[float32](m) {
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
