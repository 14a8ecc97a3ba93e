package nn_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// tapegradEncoder is the encoder whose checkpoint tapegrad writes to
// testdata/tapegrad_transformer.safetensors for PyTorch to load: two
// pre-norm GELU layers of width 8 with 2 heads, a feed-forward width of 16,
// batch first, and a final LayerNorm, with Go's own initialization; its
// layers are then drawn anew (they start as copies) and the norms' γ and β
// too, so that a swapped or ignored tensor shows in PyTorch's output.
func tapegradEncoder() *nn.TransformerEncoder[float32] {
	rng := rand.New(rand.NewPCG(2026, 12))
	l := nn.NewTransformerEncoderLayer[float32](8, 2, rng, nn.EncoderDimFeedforward(16), nn.EncoderNormFirst(true),
		nn.EncoderBatchFirst(true), nn.EncoderActivation("gelu"), nn.EncoderDropout(0))
	enc := nn.NewTransformerEncoder(l, 2, nn.NewLayerNorm[float32]([]int{8}))
	for _, p := range nn.NamedParams[float32](enc) {
		nn.Uniform(p.Var.Value(), -0.5, 0.5, rng)
	}
	return enc
}

// TestTransformerTapegradCheckpointGolden: the committed
// testdata/tapegrad_transformer.safetensors, which gen_torch_transformer.py
// loads into PyTorch's TransformerEncoder with strict=True, is byte for
// byte what Save writes for tapegradEncoder today (initialization and
// uniform draws are computed in float64 and rounded once, the same on
// every machine). With -update the file is rewritten (then rerun the
// generator).
func TestTransformerTapegradCheckpointGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "enc.safetensors")
	if err := nn.Save[float32](path, tapegradEncoder()); err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/tapegrad_transformer.safetensors"
	got := fileBytes(t, path)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(got, fileBytes(t, golden)) {
		t.Errorf("%s is not what tapegrad writes for tapegradEncoder (go test ./nn -run %s -update, then %s)",
			golden, t.Name(), "/usr/bin/python3 nn/testdata/gen_torch_transformer.py")
	}
}

// transformerCheckpointRef is the "checkpoints" section of
// testdata/torch_transformer.json: what PyTorch computed with the encoder
// it loaded from tapegrad's checkpoint.
type transformerCheckpointRef struct {
	reftest.Header
	Cases       []any `json:"cases"`
	Checkpoints []struct {
		Name   string          `json:"name"`
		Shape  []int           `json:"shape"`
		Input  []reftest.Float `json:"input"`
		Causal bool            `json:"causal"`
		Output []reftest.Float `json:"output"`
	} `json:"checkpoints"`
}

// TestTransformerCheckpointInPyTorch: PyTorch loaded tapegrad's encoder
// checkpoint strictly (the generator fails otherwise) and computed, in
// evaluation mode with a causal mask, the output tapegrad computes.
func TestTransformerCheckpointInPyTorch(t *testing.T) {
	var ref transformerCheckpointRef
	reftest.Load(t, "testdata/torch_transformer.json", "/usr/bin/python3 nn/testdata/gen_torch_transformer.py", &ref)
	if len(ref.Checkpoints) != 1 {
		t.Fatalf("%d checkpoint cases, want 1", len(ref.Checkpoints))
	}
	c := ref.Checkpoints[0]
	enc := tapegradEncoder()
	if err := nn.Load[float32]("testdata/tapegrad_transformer.safetensors", enc); err != nil {
		t.Fatal(err)
	}
	nn.SetTraining[float32](enc, false)
	var opts []nn.AttentionOption
	if c.Causal {
		opts = append(opts, nn.CausalMask())
	}
	y := enc.ForwardMasked(autograd.NewConst(tensor.FromSlice(reftest.Floats[float32](c.Input), c.Shape...)), opts...)
	got := make([]float64, y.Value().Size())
	for i, v := range y.Value().Data() {
		got[i] = float64(v)
	}
	if d := cmp.Diff(reftest.Floats[float64](c.Output), got, cmpopts.EquateApprox(1e-5, 1e-5)); d != "" {
		t.Errorf("output differs from PyTorch's (-torch +tapegrad):\n%s", d)
	}
}
