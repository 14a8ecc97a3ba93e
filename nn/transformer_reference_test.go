package nn

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for MultiheadAttention, TransformerEncoderLayer and
// TransformerEncoder come from PyTorch's modules; regenerate them (the
// JSON and the state dicts in the safetensors file) with
//
//	/usr/bin/python3 nn/testdata/gen_torch_transformer.py
const (
	transformerRefPath     = "testdata/torch_transformer.json"
	transformerWeightsPath = "testdata/torch_transformer.safetensors"
	transformerRegenerate  = "/usr/bin/python3 nn/testdata/gen_torch_transformer.py"
)

type transformerRef struct {
	reftest.Header
	Cases       []transformerCase `json:"cases"`
	Checkpoints json.RawMessage   `json:"checkpoints"` // TestTransformerCheckpointInPyTorch's
}

// transformerCase is one module, one call of it and its results; see the
// generator's docstring.
type transformerCase struct {
	Name                string                      `json:"name"`
	Module              string                      `json:"module"`
	Args                transformerArgs             `json:"args"`
	StateDictKeys       []string                    `json:"state_dict_keys"`
	Same                string                      `json:"same"`
	Inputs              map[string]transformerInput `json:"inputs"`
	KeyPaddingMask      []bool                      `json:"key_padding_mask"`
	KeyPaddingMaskFloat []reftest.Float             `json:"key_padding_mask_float"`
	AttnMask            []reftest.Float             `json:"attn_mask"`
	AttnMaskBool        []bool                      `json:"attn_mask_bool"`
	AttnMaskShape       []int                       `json:"attn_mask_shape"`
	Causal              bool                        `json:"causal"`
	NeedWeights         bool                        `json:"need_weights"`
	AverageAttnWeights  bool                        `json:"average_attn_weights"`
	OutputShape         []int                       `json:"output_shape"`
	Upstream            []reftest.Float             `json:"upstream"`
	WeightsShape        []int                       `json:"weights_shape"`
	UpstreamWeights     []reftest.Float             `json:"upstream_weights"`
	Float64             transformerResult           `json:"float64"`
	Float32             transformerResult           `json:"float32"`
}

type transformerArgs struct {
	EmbedDim       int     `json:"embed_dim"`
	NumHeads       int     `json:"num_heads"`
	Bias           bool    `json:"bias"`
	KDim           *int    `json:"kdim"`
	VDim           *int    `json:"vdim"`
	BatchFirst     bool    `json:"batch_first"`
	AddBiasKV      bool    `json:"add_bias_kv"`
	AddZeroAttn    bool    `json:"add_zero_attn"`
	DModel         int     `json:"d_model"`
	NHead          int     `json:"nhead"`
	DimFeedforward int     `json:"dim_feedforward"`
	Activation     string  `json:"activation"`
	LayerNormEps   float64 `json:"layer_norm_eps"`
	NormFirst      bool    `json:"norm_first"`
	NumLayers      int     `json:"num_layers"`
	FinalNorm      bool    `json:"final_norm"`
}

type transformerInput struct {
	Shape  []int           `json:"shape"`
	Values []reftest.Float `json:"values"`
}

type transformerResult struct {
	Output  []reftest.Float            `json:"output"`
	Weights []reftest.Float            `json:"weights"`
	Grads   map[string][]reftest.Float `json:"grads"`
}

// newTransformerModule builds the module of case c with Go's own
// initialization (the test then loads PyTorch's state dict).
func newTransformerModule[T tensor.Float](t *testing.T, c transformerCase) Module[T] {
	a := c.Args
	rng := rand.New(rand.NewPCG(3, 4))
	switch c.Module {
	case "MultiheadAttention":
		opts := []MHAOption{MHABias(a.Bias), MHABatchFirst(a.BatchFirst), MHAAddBiasKV(a.AddBiasKV),
			MHAAddZeroAttn(a.AddZeroAttn)}
		if a.KDim != nil {
			opts = append(opts, MHAKDim(*a.KDim))
		}
		if a.VDim != nil {
			opts = append(opts, MHAVDim(*a.VDim))
		}
		return NewMultiheadAttention[T](a.EmbedDim, a.NumHeads, rng, opts...)
	case "TransformerEncoderLayer", "TransformerEncoder":
		l := NewTransformerEncoderLayer[T](a.DModel, a.NHead, rng, EncoderDimFeedforward(a.DimFeedforward),
			EncoderDropout(0), EncoderActivation(a.Activation), EncoderLayerNormEps(a.LayerNormEps),
			EncoderBatchFirst(a.BatchFirst), EncoderNormFirst(a.NormFirst))
		if c.Module == "TransformerEncoderLayer" {
			return l
		}
		var norm *LayerNorm[T]
		if a.FinalNorm {
			norm = NewLayerNorm[T]([]int{a.DModel}, LayerNormEps(a.LayerNormEps))
		}
		return NewTransformerEncoder(l, a.NumLayers, norm)
	}
	t.Fatalf("case %q: unknown module %q", c.Name, c.Module)
	return nil
}

// TestTransformerMatchesPyTorch: MultiheadAttention (self- and
// cross-attention, kdim and vdim, every mask, weights averaged or per head,
// both layouts, unbatched), TransformerEncoderLayer (post- and pre-norm,
// relu and gelu, masks) and a TransformerEncoder load PyTorch's state_dict
// strictly under its keys and give PyTorch's output, weights and gradients
// of every input, float mask and parameter, in float64 and float32.
func TestTransformerMatchesPyTorch(t *testing.T) {
	var ref transformerRef
	reftest.Load(t, transformerRefPath, transformerRegenerate, &ref)
	f, err := safetensors.OpenFile(transformerWeightsPath)
	if err != nil {
		t.Fatalf("%v (regenerate with %s)", err, transformerRegenerate)
	}
	defer f.Close()
	unique := reftest.Unique(t, transformerRefPath)
	covered := map[string]bool{}
	for _, c := range ref.Cases {
		unique(c.Name)
		covered[c.Module] = true
		t.Run(c.Name, func(t *testing.T) {
			t.Run("float64", func(t *testing.T) { runTransformerCase[float64](t, f, "f64.", c, c.Float64, 1e-10) })
			t.Run("float32", func(t *testing.T) { runTransformerCase[float32](t, f, "f32.", c, c.Float32, 1e-5) })
		})
	}
	for _, m := range []string{"MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder"} {
		if !covered[m] {
			t.Errorf("%s: no case of %s", transformerRefPath, m)
		}
	}
}

func runTransformerCase[T tensor.Float](t *testing.T, f *safetensors.File, dtype string, c transformerCase, want transformerResult, tol float64) {
	m := newTransformerModule[T](t, c)
	params := NamedParams(m)
	var names []string
	for _, p := range params {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, c.StateDictKeys) {
		t.Fatalf("state_dict keys %v, PyTorch's are %v", names, c.StateDictKeys)
	}
	if err := ReadState(f, dtype+c.Name+".", m); err != nil {
		t.Fatal(err)
	}
	tape := autograd.NewTape[T]()
	in := map[string]*autograd.Var[T]{}
	for k, x := range c.Inputs {
		in[k] = tape.Param(tensor.FromSlice(reftest.Floats[T](x.Values), x.Shape...))
	}
	var opts []AttentionOption
	if c.KeyPaddingMask != nil {
		opts = append(opts, KeyPaddingMask(c.KeyPaddingMask))
	}
	var kpm *autograd.Var[T]
	if c.KeyPaddingMaskFloat != nil {
		kshape := []int{len(c.KeyPaddingMaskFloat)}
		if q := c.Inputs["query"].Shape; len(q) == 3 {
			kshape = []int{q[0], len(c.KeyPaddingMaskFloat) / q[0]}
			if !c.Args.BatchFirst {
				kshape = []int{q[1], len(c.KeyPaddingMaskFloat) / q[1]}
			}
		}
		kpm = tape.Param(tensor.FromSlice(reftest.Floats[T](c.KeyPaddingMaskFloat), kshape...))
		opts = append(opts, KeyPaddingMaskFloat(kpm))
	}
	var mask *autograd.Var[T]
	switch {
	case c.Causal:
		opts = append(opts, CausalMask())
	case c.AttnMaskBool != nil:
		opts = append(opts, AttnMaskBool(c.AttnMaskBool, c.AttnMaskShape...))
	case c.AttnMask != nil:
		mask = tape.Param(tensor.FromSlice(reftest.Floats[T](c.AttnMask), c.AttnMaskShape...))
		opts = append(opts, AttnMask(mask))
	}
	var out, weights *autograd.Var[T]
	switch mod := m.(type) {
	case *MultiheadAttention[T]:
		q := in["query"]
		k, v := in["key"], in["value"]
		switch c.Same {
		case "qkv":
			k, v = q, q
		case "kv":
			v = k
		}
		opts = append(opts, NeedWeights(c.NeedWeights), AverageAttnWeights(c.AverageAttnWeights))
		out, weights = mod.Attend(q, k, v, opts...)
	case *TransformerEncoderLayer[T]:
		out = mod.ForwardMasked(in["src"], opts...)
	case *TransformerEncoder[T]:
		out = mod.ForwardMasked(in["src"], opts...)
	}
	if !slices.Equal(out.Shape(), c.OutputShape) {
		t.Fatalf("output shape %v, PyTorch's is %v", out.Shape(), c.OutputShape)
	}
	if (weights == nil) != (c.WeightsShape == nil) {
		t.Fatalf("weights %v, PyTorch's of shape %v", weights, c.WeightsShape)
	}
	outputs := []*autograd.Var[T]{out}
	seeds := []*tensor.Tensor[T]{tensor.FromSlice(reftest.Floats[T](c.Upstream), c.OutputShape...)}
	if weights != nil {
		if !slices.Equal(weights.Shape(), c.WeightsShape) {
			t.Fatalf("weights shape %v, PyTorch's is %v", weights.Shape(), c.WeightsShape)
		}
		outputs = append(outputs, weights)
		seeds = append(seeds, tensor.FromSlice(reftest.Floats[T](c.UpstreamWeights), c.WeightsShape...))
	}
	backwardAll(tape, outputs, seeds)
	compare := func(what string, got *tensor.Tensor[T], want []reftest.Float) {
		t.Helper()
		if got == nil {
			t.Errorf("%s: no value, PyTorch has %d", what, len(want))
			return
		}
		g := make([]float64, got.Size())
		for i, v := range got.Data() {
			g[i] = float64(v)
		}
		if d := cmp.Diff(reftest.Floats[float64](want), g, cmpopts.EquateApprox(tol, tol)); d != "" {
			t.Errorf("%s differs from PyTorch's (-torch +tapegrad):\n%s", what, d)
		}
	}
	compare("output", out.Value(), want.Output)
	if weights != nil {
		compare("weights", weights.Value(), want.Weights)
	}
	for k, x := range in {
		compare(k+" gradient", x.Grad(), want.Grads[k])
	}
	if mask != nil {
		compare("attn_mask gradient", mask.Grad(), want.Grads["attn_mask"])
	}
	if kpm != nil {
		compare("key_padding_mask gradient", kpm.Grad(), want.Grads["key_padding_mask"])
	}
	for _, p := range params {
		compare(p.Name+" gradient", p.Var.Grad(), want.Grads["param."+p.Name])
	}
	if n := len(in) + len(params) + btoi(mask != nil) + btoi(kpm != nil); len(want.Grads) != n {
		t.Errorf("PyTorch has %d gradients, the test compared %d", len(want.Grads), n)
	}
}

// backwardAll back-propagates Σₖ Σ seedₖ ⊙ outputₖ.
func backwardAll[T tensor.Float](tape *autograd.Tape[T], outputs []*autograd.Var[T], seeds []*tensor.Tensor[T]) {
	var loss *autograd.Var[T]
	for i, y := range outputs {
		l := functional.Sum(functional.Mul(y, autograd.NewConst(seeds[i])))
		if loss == nil {
			loss = l
		} else {
			loss = functional.Add(loss, l)
		}
	}
	tape.Backward(loss)
}
