package nn

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// TransformerEncoderLayer is PyTorch 1.13's nn.TransformerEncoderLayer
// (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
// batch_first, norm_first): self-attention and a feed-forward block, each
// with a residual connection and a layer norm,
//
//	sa(x) = dropout1(self_attn(x, x, x))
//	ff(x) = dropout2(linear2(dropout(act(linear1(x)))))
//	post-norm (default):  x = norm1(x + sa(x));  y = norm2(x + ff(x))
//	pre-norm (NormFirst): x = x + sa(norm1(x));  y = x + ff(norm2(x))
//
// with act ReLU or GELU (exact). Inputs are as MultiheadAttention's: S×N×E,
// N×S×E with BatchFirst, or unbatched S×E. The children have PyTorch's
// names, so the state_dict keys are PyTorch's: self_attn, linear1, dropout,
// linear2, norm1, norm2, dropout1, dropout2.
type TransformerEncoderLayer[T tensor.Float] struct {
	SelfAttn           *MultiheadAttention[T]
	Linear1            *Linear[T]
	Dropout            *Dropout[T]
	Linear2            *Linear[T]
	Norm1, Norm2       *LayerNorm[T]
	Dropout1, Dropout2 *Dropout[T]
	Activation         string // "relu" or "gelu"
	NormFirst          bool
}

// EncoderLayerOption is an argument of PyTorch's
// nn.TransformerEncoderLayer beyond d_model and nhead, given to
// NewTransformerEncoderLayer, which applies them in order from PyTorch's
// defaults (dim_feedforward 2048, dropout 0.1, relu, layer_norm_eps 1e-5,
// sequence first, post-norm).
type EncoderLayerOption func(*encoderConfig)

type encoderConfig struct {
	dimFeedforward int
	dropout        float64
	activation     string
	eps            float64
	batchFirst     bool
	normFirst      bool
}

// EncoderDimFeedforward sets the width of the feed-forward block
// (PyTorch's dim_feedforward=; 2048 by default).
func EncoderDimFeedforward(n int) EncoderLayerOption {
	return func(c *encoderConfig) { c.dimFeedforward = n }
}

// EncoderDropout sets the probability of every dropout of the layer, the
// attention weights' included (PyTorch's dropout=; 0.1 by default).
func EncoderDropout(p float64) EncoderLayerOption {
	return func(c *encoderConfig) { c.dropout = p }
}

// EncoderActivation sets the activation of the feed-forward block, "relu"
// or "gelu" (PyTorch's activation= as a string; "relu" by default).
func EncoderActivation(name string) EncoderLayerOption {
	return func(c *encoderConfig) { c.activation = name }
}

// EncoderLayerNormEps sets the eps of both layer norms (PyTorch's
// layer_norm_eps=; 1e-5 by default).
func EncoderLayerNormEps(eps float64) EncoderLayerOption {
	return func(c *encoderConfig) { c.eps = eps }
}

// EncoderBatchFirst says whether batched inputs are N×S×E rather than
// S×N×E (PyTorch's batch_first=; false by default).
func EncoderBatchFirst(batchFirst bool) EncoderLayerOption {
	return func(c *encoderConfig) { c.batchFirst = batchFirst }
}

// EncoderNormFirst says whether the layer norms come before the blocks
// (pre-norm) rather than after the residual sums (PyTorch's norm_first=;
// false by default).
func EncoderNormFirst(normFirst bool) EncoderLayerOption {
	return func(c *encoderConfig) { c.normFirst = normFirst }
}

// NewTransformerEncoderLayer returns an encoder layer of width dModel with
// nhead attention heads, each part initialized as PyTorch's (see
// NewMultiheadAttention, NewLinear, NewLayerNorm), drawing from rng, which
// also draws the dropout masks. It panics if dModel and nhead do not suit
// NewMultiheadAttention, if dim_feedforward is not positive, if dropout is
// not in [0, 1] or on an unknown activation.
func NewTransformerEncoderLayer[T tensor.Float](dModel, nhead int, rng *rand.Rand, opts ...EncoderLayerOption) *TransformerEncoderLayer[T] {
	cfg := encoderConfig{dimFeedforward: 2048, dropout: 0.1, activation: "relu", eps: 1e-5}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.dimFeedforward <= 0 {
		panic(fmt.Sprintf(errEncSizes, dModel, nhead, cfg.dimFeedforward))
	}
	if !(cfg.dropout >= 0 && cfg.dropout <= 1) {
		panic(fmt.Sprintf(errEncDropout, dModel, nhead, cfg.dropout))
	}
	if cfg.activation != "relu" && cfg.activation != "gelu" {
		panic(fmt.Sprintf(errEncActivation, dModel, nhead, cfg.activation))
	}
	l := &TransformerEncoderLayer[T]{
		SelfAttn:   NewMultiheadAttention[T](dModel, nhead, rng, MHADropout(cfg.dropout), MHABatchFirst(cfg.batchFirst)),
		Linear1:    NewLinear[T](dModel, cfg.dimFeedforward, true, rng),
		Dropout:    NewDropout[T](cfg.dropout, rng),
		Linear2:    NewLinear[T](cfg.dimFeedforward, dModel, true, rng),
		Norm1:      NewLayerNorm[T]([]int{dModel}, LayerNormEps(cfg.eps)),
		Norm2:      NewLayerNorm[T]([]int{dModel}, LayerNormEps(cfg.eps)),
		Dropout1:   NewDropout[T](cfg.dropout, rng),
		Dropout2:   NewDropout[T](cfg.dropout, rng),
		Activation: cfg.activation,
		NormFirst:  cfg.normFirst,
	}
	return l
}

// Forward is ForwardMasked without masks.
func (l *TransformerEncoderLayer[T]) Forward(src *autograd.Var[T]) *autograd.Var[T] {
	return l.ForwardMasked(src)
}

// ForwardMasked passes src through the layer, as PyTorch's
// TransformerEncoderLayer.forward(src, src_mask, src_key_padding_mask):
// AttnMask or AttnMaskBool give src_mask, KeyPaddingMask gives
// src_key_padding_mask, CausalMask a causal src_mask. It panics as
// MultiheadAttention.Attend does, and if NeedWeights or AverageAttnWeights
// is given.
func (l *TransformerEncoderLayer[T]) ForwardMasked(src *autograd.Var[T], opts ...AttentionOption) *autograd.Var[T] {
	cfg := newAttentionConfig(opts)
	if cfg.weightsSet {
		panic(fmt.Sprintf(errEncWeights, "TransformerEncoderLayer"))
	}
	cfg.needWeights = false
	return l.forward(src, &cfg)
}

func (l *TransformerEncoderLayer[T]) forward(x *autograd.Var[T], cfg *attentionConfig) *autograd.Var[T] {
	if l.NormFirst {
		x = functional.Add(x, l.selfAttention(l.Norm1.Forward(x), cfg))
		return functional.Add(x, l.feedForward(l.Norm2.Forward(x)))
	}
	x = l.Norm1.Forward(functional.Add(x, l.selfAttention(x, cfg)))
	return l.Norm2.Forward(functional.Add(x, l.feedForward(x)))
}

// selfAttention is PyTorch's _sa_block.
func (l *TransformerEncoderLayer[T]) selfAttention(x *autograd.Var[T], cfg *attentionConfig) *autograd.Var[T] {
	y, _ := l.SelfAttn.attend(x, x, x, cfg)
	return l.Dropout1.Forward(y)
}

// feedForward is PyTorch's _ff_block.
func (l *TransformerEncoderLayer[T]) feedForward(x *autograd.Var[T]) *autograd.Var[T] {
	h := l.Linear1.Forward(x)
	if l.Activation == "gelu" {
		h = functional.GELU(h, "none")
	} else {
		h = functional.ReLU(h)
	}
	return l.Dropout2.Forward(l.Linear2.Forward(l.Dropout.Forward(h)))
}

// State lists the children self_attn, linear1, dropout, linear2, norm1,
// norm2, dropout1 and dropout2, in PyTorch's order.
func (l *TransformerEncoderLayer[T]) State() State[T] {
	return State[T]{Children: []Child[T]{
		{Name: "self_attn", Module: l.SelfAttn},
		{Name: "linear1", Module: l.Linear1},
		{Name: "dropout", Module: l.Dropout},
		{Name: "linear2", Module: l.Linear2},
		{Name: "norm1", Module: l.Norm1},
		{Name: "norm2", Module: l.Norm2},
		{Name: "dropout1", Module: l.Dropout1},
		{Name: "dropout2", Module: l.Dropout2},
	}}
}

// clone returns a deep copy of the layer: the same settings and parameter
// values in new parameters, as PyTorch's copy.deepcopy. The dropouts keep
// drawing from the same random source.
func (l *TransformerEncoderLayer[T]) clone() *TransformerEncoderLayer[T] {
	c := *l
	a := *l.SelfAttn
	for _, p := range []**autograd.Var[T]{&a.InProjWeight, &a.QProjWeight, &a.KProjWeight, &a.VProjWeight, &a.InProjBias,
		&a.BiasK, &a.BiasV} {
		*p = cloneParam(*p)
	}
	a.OutProj = cloneLinear(a.OutProj)
	c.SelfAttn = &a
	c.Linear1, c.Linear2 = cloneLinear(l.Linear1), cloneLinear(l.Linear2)
	c.Norm1, c.Norm2 = cloneLayerNorm(l.Norm1), cloneLayerNorm(l.Norm2)
	for _, d := range []**Dropout[T]{&c.Dropout, &c.Dropout1, &c.Dropout2} {
		dd := **d
		*d = &dd
	}
	return &c
}

func cloneParam[T tensor.Float](v *autograd.Var[T]) *autograd.Var[T] {
	if v == nil {
		return nil
	}
	return autograd.NewParam(v.Value().Clone())
}

func cloneLinear[T tensor.Float](l *Linear[T]) *Linear[T] {
	c := *l
	c.Weight, c.Bias = cloneParam(l.Weight), cloneParam(l.Bias)
	return &c
}

func cloneLayerNorm[T tensor.Float](ln *LayerNorm[T]) *LayerNorm[T] {
	c := *ln
	c.NormalizedShape = append([]int(nil), ln.NormalizedShape...)
	c.Weight, c.Bias = cloneParam(ln.Weight), cloneParam(ln.Bias)
	return &c
}

// TransformerEncoder is PyTorch 1.13's nn.TransformerEncoder(encoder_layer,
// num_layers, norm): the layers applied in turn, then the optional final
// layer norm. Its state_dict keys are PyTorch's: "layers.0.…",
// "layers.1.…", …, then "norm.weight" and "norm.bias".
type TransformerEncoder[T tensor.Float] struct {
	Layers []*TransformerEncoderLayer[T]
	Norm   *LayerNorm[T] // nil without a final norm
}

// NewTransformerEncoder returns numLayers deep copies of layer (PyTorch's
// _get_clones: the layers start with equal parameters, and layer itself is
// not part of the encoder) followed by norm, which may be nil. It panics
// unless numLayers is positive and layer is not nil.
func NewTransformerEncoder[T tensor.Float](layer *TransformerEncoderLayer[T], numLayers int, norm *LayerNorm[T]) *TransformerEncoder[T] {
	if layer == nil || numLayers <= 0 {
		panic(fmt.Sprintf(errEncLayers, numLayers))
	}
	e := &TransformerEncoder[T]{Layers: make([]*TransformerEncoderLayer[T], numLayers), Norm: norm}
	for i := range e.Layers {
		e.Layers[i] = layer.clone()
	}
	return e
}

// Forward is ForwardMasked without masks.
func (e *TransformerEncoder[T]) Forward(src *autograd.Var[T]) *autograd.Var[T] {
	return e.ForwardMasked(src)
}

// ForwardMasked passes src through every layer with the same masks, then
// the final norm, as PyTorch's TransformerEncoder.forward(src, mask,
// src_key_padding_mask); the options are those of
// TransformerEncoderLayer.ForwardMasked, which panics as it does.
//
// PyTorch 1.13 takes a faster path in evaluation without gradients for a
// batch-first post-norm encoder given src_key_padding_mask, and that path
// returns 0 at the padded positions; tapegrad computes them as in training.
func (e *TransformerEncoder[T]) ForwardMasked(src *autograd.Var[T], opts ...AttentionOption) *autograd.Var[T] {
	cfg := newAttentionConfig(opts)
	if cfg.weightsSet {
		panic(fmt.Sprintf(errEncWeights, "TransformerEncoder"))
	}
	cfg.needWeights = false
	x := src
	for _, l := range e.Layers {
		x = l.forward(x, &cfg)
	}
	if e.Norm != nil {
		x = e.Norm.Forward(x)
	}
	return x
}

// State lists the child "layers" (whose children are "0", "1", …) and,
// if present, "norm".
func (e *TransformerEncoder[T]) State() State[T] {
	st := State[T]{Children: []Child[T]{{Name: "layers", Module: layerList[T](e.Layers)}}}
	if e.Norm != nil {
		st.Children = append(st.Children, Child[T]{Name: "norm", Module: e.Norm})
	}
	return st
}

// layerList is the encoder's layers as a module with children "0", "1", …,
// PyTorch's ModuleList; it is only walked, never called.
type layerList[T tensor.Float] []*TransformerEncoderLayer[T]

// Forward panics: a layer list is a container.
func (l layerList[T]) Forward(*autograd.Var[T]) *autograd.Var[T] {
	panic("nn: TransformerEncoder's layer list is not callable")
}

// State lists the layers as children "0", "1", ….
func (l layerList[T]) State() State[T] {
	st := State[T]{Children: make([]Child[T], len(l))}
	for i, m := range l {
		st.Children[i] = Child[T]{Name: strconv.Itoa(i), Module: m}
	}
	return st
}
