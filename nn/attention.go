package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// MultiheadAttention is PyTorch 1.13's nn.MultiheadAttention(embed_dim,
// num_heads, dropout, bias, kdim=, vdim=, batch_first=): for a query of L
// positions and a key and value of S positions, with E = EmbedDim split
// into H = NumHeads heads of D = E/H features,
//
//	Q = query·W_qᵀ + b_q,  K = key·W_kᵀ + b_k,  V = value·W_vᵀ + b_v
//	headₕ = dropout(softmax(Qₕ·Kₕᵀ/√D + mask))·Vₕ             L×D each
//	out = [head₁ … head_H]·W_oᵀ + b_o                         L×E
//
// where Qₕ, Kₕ, Vₕ are the h-th group of D columns and mask is the sum of
// the additive masks Attend is given (−Inf where attention is not allowed).
// Inputs are L×N×E (S×N×KDim, S×N×VDim for key and value), or N×L×E with
// BatchFirst, or unbatched L×E (BatchFirst is then ignored, as in PyTorch).
//
// The parameters have PyTorch's names and layout: "in_proj_weight" (3E×E,
// the rows of W_q, W_k, W_v in that order) when KDim = VDim = E, else
// "q_proj_weight" (E×E), "k_proj_weight" (E×KDim) and "v_proj_weight"
// (E×VDim); "in_proj_bias" (3E: b_q, b_k, b_v) and the child "out_proj", a
// Linear(E, E) whose weight and bias are W_o and b_o. Without bias there is
// no in_proj_bias and out_proj has no bias.
//
// With AddBiasKV the learned vectors "bias_k" and "bias_v" (1×1×E, after
// in_proj_bias in the state_dict) are appended to K and V as one more
// source position of every batch entry, and with AddZeroAttn a position of
// zeros is appended to every head's K and V after that, as PyTorch's
// add_bias_kv and add_zero_attn; the masks get a column of zeros (allowed)
// for each, and S grows by one for each in the returned weights.
//
// Dropout is applied to the attention weights in training mode only; the
// module starts in training mode, as in PyTorch.
type MultiheadAttention[T tensor.Float] struct {
	EmbedDim, NumHeads int
	KDim, VDim         int // EmbedDim unless given
	Dropout            float64
	BatchFirst         bool

	InProjWeight                          *autograd.Var[T] // 3E×E, nil when KDim or VDim differ from E
	QProjWeight, KProjWeight, VProjWeight *autograd.Var[T] // nil when InProjWeight is not
	InProjBias                            *autograd.Var[T] // 3E, nil without bias
	BiasK, BiasV                          *autograd.Var[T] // 1×1×E each, nil without add_bias_kv
	AddZeroAttn                           bool
	OutProj                               *Linear[T]

	rng  *rand.Rand
	eval bool
}

// MHAOption is an argument of PyTorch's nn.MultiheadAttention beyond
// embed_dim and num_heads, given to NewMultiheadAttention, which applies
// them in order from PyTorch's defaults (dropout 0, bias, kdim = vdim =
// embed_dim, sequence first).
type MHAOption func(*mhaConfig)

type mhaConfig struct {
	dropout               float64
	noBias                bool
	kdim, vdim            int
	batchFirst            bool
	addBiasKV, addZeroAtt bool
}

// MHADropout sets the probability of dropping an attention weight in
// training mode (PyTorch's dropout=; 0 by default).
func MHADropout(p float64) MHAOption { return func(c *mhaConfig) { c.dropout = p } }

// MHABias says whether the input and output projections have biases
// (PyTorch's bias=; true by default).
func MHABias(bias bool) MHAOption { return func(c *mhaConfig) { c.noBias = !bias } }

// MHAKDim sets the number of features of the key (PyTorch's kdim=;
// embed_dim by default).
func MHAKDim(kdim int) MHAOption { return func(c *mhaConfig) { c.kdim = kdim } }

// MHAVDim sets the number of features of the value (PyTorch's vdim=;
// embed_dim by default).
func MHAVDim(vdim int) MHAOption { return func(c *mhaConfig) { c.vdim = vdim } }

// MHABatchFirst says whether batched inputs and outputs are N×L×E rather
// than L×N×E (PyTorch's batch_first=; false by default).
func MHABatchFirst(batchFirst bool) MHAOption {
	return func(c *mhaConfig) { c.batchFirst = batchFirst }
}

// MHAAddBiasKV says whether learned vectors bias_k and bias_v are appended
// to the keys and values (PyTorch's add_bias_kv=; false by default).
func MHAAddBiasKV(add bool) MHAOption { return func(c *mhaConfig) { c.addBiasKV = add } }

// MHAAddZeroAttn says whether a position of zeros is appended to every
// head's keys and values (PyTorch's add_zero_attn=; false by default).
func MHAAddZeroAttn(add bool) MHAOption { return func(c *mhaConfig) { c.addZeroAtt = add } }

// NewMultiheadAttention returns multi-head attention over embedDim
// features in numHeads heads, initialized as PyTorch's: in_proj_weight (or
// each of q_, k_ and v_proj_weight) Xavier-uniform with gain 1, out_proj
// initialized as a Linear (Kaiming-uniform with a = √5), then in_proj_bias
// and out_proj's bias set to zero, bias_k and bias_v Xavier-normal. The
// random numbers come from rng, which
// also draws the dropout masks. It panics unless embedDim and numHeads are
// positive and numHeads divides embedDim, kdim and vdim are positive, and
// 0 ≤ dropout ≤ 1.
func NewMultiheadAttention[T tensor.Float](embedDim, numHeads int, rng *rand.Rand, opts ...MHAOption) *MultiheadAttention[T] {
	if embedDim <= 0 || numHeads <= 0 || embedDim%numHeads != 0 {
		panic(fmt.Sprintf(errMHASizes, embedDim, numHeads))
	}
	cfg := mhaConfig{kdim: embedDim, vdim: embedDim}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.kdim <= 0 || cfg.vdim <= 0 {
		panic(fmt.Sprintf(errMHAKVDim, embedDim, numHeads, cfg.kdim, cfg.vdim))
	}
	if !(cfg.dropout >= 0 && cfg.dropout <= 1) {
		panic(fmt.Sprintf(errMHADropout, embedDim, numHeads, cfg.dropout))
	}
	e := embedDim
	m := &MultiheadAttention[T]{EmbedDim: e, NumHeads: numHeads, KDim: cfg.kdim, VDim: cfg.vdim,
		Dropout: cfg.dropout, BatchFirst: cfg.batchFirst, AddZeroAttn: cfg.addZeroAtt, rng: rng}
	// PyTorch builds out_proj (a Linear, with its own initialization)
	// before it resets the input projections.
	m.OutProj = NewLinear[T](e, e, !cfg.noBias, rng)
	xavier := func(rows, cols int) *autograd.Var[T] {
		w := tensor.New[T](rows, cols)
		XavierUniform(w, 1, rng)
		return autograd.NewParam(w)
	}
	if m.sameDims() {
		m.InProjWeight = xavier(3*e, e)
	} else {
		m.QProjWeight = xavier(e, e)
		m.KProjWeight = xavier(e, cfg.kdim)
		m.VProjWeight = xavier(e, cfg.vdim)
	}
	if !cfg.noBias {
		m.InProjBias = autograd.NewParam(tensor.New[T](3 * e))
		m.OutProj.Bias.Value().Zero()
	}
	if cfg.addBiasKV {
		for _, p := range []**autograd.Var[T]{&m.BiasK, &m.BiasV} {
			b := tensor.New[T](1, 1, e)
			XavierNormal(b, 1, rng)
			*p = autograd.NewParam(b)
		}
	}
	return m
}

// sameDims reports whether key and value have EmbedDim features, in which
// case the three input projections are packed in InProjWeight (PyTorch's
// _qkv_same_embed_dim).
func (m *MultiheadAttention[T]) sameDims() bool { return m.KDim == m.EmbedDim && m.VDim == m.EmbedDim }

// SetTraining switches dropout of the attention weights on (training) or
// off (evaluation).
func (m *MultiheadAttention[T]) SetTraining(training bool) { m.eval = !training }

// State lists "in_proj_weight" (or "q_proj_weight", "k_proj_weight",
// "v_proj_weight"), "in_proj_bias", "bias_k" and "bias_v" if present, and
// the child "out_proj", in the order of PyTorch's state_dict.
func (m *MultiheadAttention[T]) State() State[T] {
	var st State[T]
	if m.InProjWeight != nil {
		st.Params = append(st.Params, Param[T]{Name: "in_proj_weight", Var: m.InProjWeight})
	} else {
		st.Params = append(st.Params, Param[T]{Name: "q_proj_weight", Var: m.QProjWeight},
			Param[T]{Name: "k_proj_weight", Var: m.KProjWeight}, Param[T]{Name: "v_proj_weight", Var: m.VProjWeight})
	}
	if m.InProjBias != nil {
		st.Params = append(st.Params, Param[T]{Name: "in_proj_bias", Var: m.InProjBias})
	}
	if m.BiasK != nil {
		st.Params = append(st.Params, Param[T]{Name: "bias_k", Var: m.BiasK}, Param[T]{Name: "bias_v", Var: m.BiasV})
	}
	st.Children = []Child[T]{{Name: "out_proj", Module: m.OutProj}}
	return st
}

// Forward is self-attention without masks and without the weights:
// Attend(x, x, x, NeedWeights(false)).
func (m *MultiheadAttention[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	out, _ := m.Attend(x, x, x, NeedWeights(false))
	return out
}

// AttentionOption is an argument of PyTorch's MultiheadAttention.forward
// beyond query, key and value (key_padding_mask, attn_mask, need_weights,
// average_attn_weights), given to MultiheadAttention.Attend; the masks are
// also the src_mask and src_key_padding_mask of the encoder's Forward
// methods (TransformerEncoderLayer.ForwardMasked,
// TransformerEncoder.ForwardMasked).
type AttentionOption func(*attentionConfig)

type attentionConfig struct {
	keyPadding    []bool
	keyPadFloat   any // *autograd.Var[T]
	attnMask      any // *autograd.Var[T]
	boolMask      []bool
	boolMaskShape []int
	causal        bool
	needWeights   bool
	average       bool
	weightsSet    bool // NeedWeights or AverageAttnWeights was given
}

func newAttentionConfig(opts []AttentionOption) attentionConfig {
	c := attentionConfig{needWeights: true, average: true}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// KeyPaddingMask gives PyTorch's boolean key_padding_mask: N×S values,
// row-major (S for an unbatched query), true where a key position is
// padding, to be ignored by every query.
func KeyPaddingMask(mask []bool) AttentionOption {
	return func(c *attentionConfig) { c.keyPadding = mask }
}

// KeyPaddingMaskFloat gives PyTorch's float key_padding_mask: N×S values
// (S for an unbatched query) added to the attention logits of every query
// and head at each key position (−Inf ignores the key). The mask may
// require a gradient. Its type must be the module's. With another mask it
// is added to it (PyTorch 2.x's merge; 1.13 fails on a float attn_mask and
// takes the float mask as boolean beside a boolean one).
func KeyPaddingMaskFloat[T tensor.Float](mask *autograd.Var[T]) AttentionOption {
	return func(c *attentionConfig) { c.keyPadFloat = mask }
}

// AttnMask gives PyTorch's float attn_mask, added to the attention logits
// q·kᵀ/√D before the softmax: of shape L×S (the same for every batch entry
// and head) or N·H×L×S (entry n, head h at n·H + h; H×L×S for an
// unbatched query). −Inf forbids a position. The mask may require a
// gradient, which it then receives. Its type must be the module's.
func AttnMask[T tensor.Float](mask *autograd.Var[T]) AttentionOption {
	return func(c *attentionConfig) { c.attnMask = mask }
}

// AttnMaskBool gives PyTorch's boolean attn_mask, its values row-major and
// its shape (L×S or N·H×L×S as for AttnMask): true where a query may NOT
// attend to a key position (the opposite of the boolean mask of PyTorch
// 2.x's F.scaled_dot_product_attention). It is the additive mask −Inf
// where true and 0 where false.
func AttnMaskBool(mask []bool, shape ...int) AttentionOption {
	return func(c *attentionConfig) { c.boolMask, c.boolMaskShape = mask, shape }
}

// CausalMask makes query position i attend only to key positions j ≤ i, as
// the additive mask GenerateSquareSubsequentMask(L) given to AttnMask does
// (for L ≠ S, the upper triangle of the L×S matrix aligned at the top left,
// as PyTorch 2.x's is_causal). It is added to the other masks, and lets the
// attention core skip the masked products. PyTorch 1.13 has no such flag
// on MultiheadAttention; its spelling there is the attn_mask.
func CausalMask() AttentionOption { return func(c *attentionConfig) { c.causal = true } }

// NeedWeights says whether Attend returns the attention weights (PyTorch's
// need_weights=; true by default).
func NeedWeights(need bool) AttentionOption {
	return func(c *attentionConfig) { c.needWeights, c.weightsSet = need, true }
}

// AverageAttnWeights says whether the returned weights are averaged over
// the heads (PyTorch's average_attn_weights=; true by default).
func AverageAttnWeights(average bool) AttentionOption {
	return func(c *attentionConfig) { c.average, c.weightsSet = average, true }
}

// GenerateSquareSubsequentMask returns the sz×sz causal mask of PyTorch's
// nn.Transformer.generate_square_subsequent_mask: 0 on and below the
// diagonal, −Inf above it, for AttnMask.
func GenerateSquareSubsequentMask[T tensor.Float](sz int) *tensor.Tensor[T] {
	return causalMask[T](sz, sz)
}

// Attend computes multi-head attention of query over key and value, as
// PyTorch's MultiheadAttention.forward(query, key, value, key_padding_mask,
// need_weights, attn_mask, average_attn_weights), and returns the output
// (the query's shape with E features) and, unless NeedWeights(false) was
// given, the attention weights after dropout: N×L×S averaged over the heads
// (AverageAttnWeights(true), the default) or N×H×L×S, without the N axis
// for an unbatched query; weights is nil otherwise. A boolean mask and a
// float mask combine as in PyTorch (positions either forbids are −Inf).
// A query whose every key position is masked gets NaN, as in PyTorch.
//
// When query, key and value are the same Var (self-attention), the three
// projections are one product with in_proj_weight, as PyTorch's; when key
// and value are the same Var, theirs is one product.
//
// It panics if query, key and value are not all 2-d or all 3-d, if their
// sizes do not fit (E features for the query, KDim for the key, VDim for
// the value, the same batch size and the same S for key and value), if a
// mask has the wrong size, if both AttnMask and AttnMaskBool or both
// KeyPaddingMask and KeyPaddingMaskFloat are given, or if a float mask's
// Var is not of type T.
func (m *MultiheadAttention[T]) Attend(query, key, value *autograd.Var[T], opts ...AttentionOption) (out, weights *autograd.Var[T]) {
	cfg := newAttentionConfig(opts)
	return m.attend(query, key, value, &cfg)
}

// mhaGeometry is what Attend reads from the shapes of its inputs.
type mhaGeometry struct {
	batched, batchFirst bool
	n, l, s             int
}

func (m *MultiheadAttention[T]) geometry(query, key, value *autograd.Var[T]) mhaGeometry {
	qs, ks, vs := query.Shape(), key.Shape(), value.Shape()
	r := len(qs)
	if (r != 2 && r != 3) || len(ks) != r || len(vs) != r {
		panic(fmt.Sprintf(errMHARank, qs, ks, vs))
	}
	g := mhaGeometry{batched: r == 3, batchFirst: r == 3 && m.BatchFirst, n: 1}
	ok := qs[r-1] == m.EmbedDim && ks[r-1] == m.KDim && vs[r-1] == m.VDim
	switch {
	case !g.batched:
		g.l, g.s = qs[0], ks[0]
		ok = ok && vs[0] == g.s
	case g.batchFirst:
		g.n, g.l, g.s = qs[0], qs[1], ks[1]
		ok = ok && ks[0] == g.n && vs[0] == g.n && vs[1] == g.s
	default:
		g.l, g.n, g.s = qs[0], qs[1], ks[0]
		ok = ok && ks[1] == g.n && vs[1] == g.n && vs[0] == g.s
	}
	if !ok {
		panic(fmt.Sprintf(errMHAShapes, m.EmbedDim, m.NumHeads, m.KDim, m.VDim, m.BatchFirst, qs, ks, vs))
	}
	return g
}

func (m *MultiheadAttention[T]) attend(query, key, value *autograd.Var[T], cfg *attentionConfig) (out, weights *autograd.Var[T]) {
	g := m.geometry(query, key, value)
	mask := m.additiveMask(cfg, g)
	if y := m.packedSelfAttention(query, key, value, mask, cfg, g); y != nil {
		return y, nil
	}
	q, k, v := m.inProject(query, key, value)
	q, k, v = m.toHeads(q, g, g.l), m.toHeads(k, g, g.s), m.toHeads(v, g, g.s)
	k, v, mask = m.extraPositions(k, v, mask)
	p := m.Dropout
	if m.eval {
		p = 0
	}
	var y *autograd.Var[T]
	if cfg.needWeights {
		y, weights = sdpaWeights(q, k, v, mask, p, cfg.causal, m.rng)
		if cfg.average {
			weights = functional.Mean(weights, 1)
		}
		if !g.batched {
			weights = functional.Squeeze(weights, 0)
		}
	} else {
		y = sdpa(q, k, v, mask, p, cfg.causal, m.rng)
	}
	return m.OutProj.Forward(m.fromHeads(y, g)), weights
}

// packedSelfAttention is attend's fast path for batched self-attention
// (query, key and value the same Var) with the packed in-projection, no
// bias_k, bias_v or zero attention, and no weights asked for: attention
// straight on the projection's heads (functional.PackedAttention), the
// same values as the split heads' (sdpa) without their copies. It returns
// nil where it does not apply.
func (m *MultiheadAttention[T]) packedSelfAttention(query, key, value, mask *autograd.Var[T], cfg *attentionConfig, g mhaGeometry) *autograd.Var[T] {
	if query != key || key != value || m.InProjWeight == nil || m.BiasK != nil || m.AddZeroAttn || cfg.needWeights || !g.batched {
		return nil
	}
	p := m.Dropout
	if m.eval {
		p = 0
	}
	causal := cfg.causal
	if causal && mask != nil { // as sdpa: the op takes one mask or the other
		mask = functional.Add(mask, autograd.NewConst(causalMask[T](g.l, g.l)))
		causal = false
	}
	qkv := functional.Linear(query, m.InProjWeight, m.InProjBias)
	y := functional.PackedAttention(qkv, m.NumHeads, !g.batchFirst, functional.SDPAOptions[T]{
		AttnMask: mask, IsCausal: causal, DropoutP: p, Rng: m.rng})
	return m.OutProj.Forward(y)
}

// extraPositions appends to k and v (N×H×S×D) the positions of bias_k and
// bias_v, then of zero attention, when the module has them, and to the
// mask (broadcastable to N×H×L×S) as many columns of zeros.
func (m *MultiheadAttention[T]) extraPositions(k, v, mask *autograd.Var[T]) (k2, v2, mask2 *autograd.Var[T]) {
	extra := 0
	ks := k.Shape()
	n, h, d := ks[0], ks[1], ks[3]
	if m.BiasK != nil {
		bk := functional.Expand(functional.Permute(functional.Reshape(m.BiasK, 1, 1, h, d), 0, 2, 1, 3), n, h, 1, d)
		bv := functional.Expand(functional.Permute(functional.Reshape(m.BiasV, 1, 1, h, d), 0, 2, 1, 3), n, h, 1, d)
		k, v = functional.Concat([]*autograd.Var[T]{k, bk}, 2), functional.Concat([]*autograd.Var[T]{v, bv}, 2)
		extra++
	}
	if m.AddZeroAttn {
		zero := autograd.NewConst(tensor.New[T](n, h, 1, d))
		k, v = functional.Concat([]*autograd.Var[T]{k, zero}, 2), functional.Concat([]*autograd.Var[T]{v, zero}, 2)
		extra++
	}
	if extra > 0 && mask != nil {
		s := slices.Clone(mask.Shape())
		s[len(s)-1] = extra
		mask = functional.Concat([]*autograd.Var[T]{mask, autograd.NewConst(tensor.New[T](s...))}, len(s)-1)
	}
	return k, v, mask
}

// inProject returns the three input projections, each of its input's
// layout with E features.
func (m *MultiheadAttention[T]) inProject(query, key, value *autograd.Var[T]) (q, k, v *autograd.Var[T]) {
	e := m.EmbedDim
	var bq, bk, bv *autograd.Var[T]
	if m.InProjBias != nil {
		bs := functional.SplitSizes(m.InProjBias, []int{e, e, e}, 0)
		bq, bk, bv = bs[0], bs[1], bs[2]
	}
	if m.InProjWeight == nil {
		return functional.Linear(query, m.QProjWeight, bq), functional.Linear(key, m.KProjWeight, bk),
			functional.Linear(value, m.VProjWeight, bv)
	}
	w := m.InProjWeight
	last := len(query.Shape()) - 1
	if query == key && key == value {
		qkv := functional.SplitSizes(functional.Linear(query, w, m.InProjBias), []int{e, e, e}, last)
		return qkv[0], qkv[1], qkv[2]
	}
	ws := functional.SplitSizes(w, []int{e, e, e}, 0)
	q = functional.Linear(query, ws[0], bq)
	if key == value {
		var bkv *autograd.Var[T]
		if m.InProjBias != nil {
			bkv = functional.Narrow(m.InProjBias, 0, e, 2*e)
		}
		kv := functional.SplitSizes(functional.Linear(key, functional.Narrow(w, 0, e, 2*e), bkv), []int{e, e}, last)
		return q, kv[0], kv[1]
	}
	return q, functional.Linear(key, ws[1], bk), functional.Linear(value, ws[2], bv)
}

// toHeads rearranges a projection x (of the input's layout, seq positions,
// E features) into N×H×seq×D.
func (m *MultiheadAttention[T]) toHeads(x *autograd.Var[T], g mhaGeometry, seq int) *autograd.Var[T] {
	h := m.NumHeads
	d := m.EmbedDim / h
	if g.batched && !g.batchFirst {
		return functional.Permute(functional.Reshape(x, seq, g.n, h, d), 1, 2, 0, 3)
	}
	return functional.Permute(functional.Reshape(x, g.n, seq, h, d), 0, 2, 1, 3)
}

// fromHeads rearranges the heads' outputs y (N×H×L×D) into the query's
// layout with E features.
func (m *MultiheadAttention[T]) fromHeads(y *autograd.Var[T], g mhaGeometry) *autograd.Var[T] {
	e := m.EmbedDim
	switch {
	case !g.batched:
		return functional.Reshape(functional.Permute(y, 0, 2, 1, 3), g.l, e)
	case g.batchFirst:
		return functional.Reshape(functional.Permute(y, 0, 2, 1, 3), g.n, g.l, e)
	}
	return functional.Reshape(functional.Permute(y, 2, 0, 1, 3), g.l, g.n, e)
}

// additiveMask returns the sum of the masks cfg gives, as one additive
// mask broadcastable to N×H×L×S, or nil without masks. The causal mask is
// left to the attention core.
func (m *MultiheadAttention[T]) additiveMask(cfg *attentionConfig, g mhaGeometry) *autograd.Var[T] {
	h := m.NumHeads
	// maskShape4 is the N×H×L×S (or 1×1×L×S) shape of an attn_mask of
	// the given shape, or nil if the shape is not one PyTorch takes.
	maskShape4 := func(s []int) []int {
		switch {
		case tensor.EqualShapes(s, []int{g.l, g.s}):
			return []int{1, 1, g.l, g.s}
		case tensor.EqualShapes(s, []int{g.n * h, g.l, g.s}):
			return []int{g.n, h, g.l, g.s}
		}
		return nil
	}
	want3 := []int{g.n * h, g.l, g.s}
	var mask *autograd.Var[T]
	if cfg.attnMask != nil {
		if cfg.boolMask != nil {
			panic(errMHATwoMasks)
		}
		fm, ok := cfg.attnMask.(*autograd.Var[T])
		if !ok {
			panic(fmt.Sprintf(errMHAMaskType, cfg.attnMask, *new(T)))
		}
		s4 := maskShape4(fm.Shape())
		if s4 == nil {
			panic(fmt.Sprintf(errMHAAttnMask, fm.Shape(), []int{g.l, g.s}, want3))
		}
		mask = functional.Reshape(fm, s4...)
	}
	if cfg.boolMask != nil {
		s4 := maskShape4(cfg.boolMaskShape)
		if s4 == nil || len(cfg.boolMask) != tensor.NumElems(s4) {
			panic(fmt.Sprintf(errMHAAttnMaskBool, len(cfg.boolMask), cfg.boolMaskShape, []int{g.l, g.s}, want3))
		}
		mask = autograd.NewConst(boolToAdditive[T](cfg.boolMask, s4))
	}
	if cfg.keyPadFloat != nil {
		if cfg.keyPadding != nil {
			panic(errMHATwoPadding)
		}
		fm, ok := cfg.keyPadFloat.(*autograd.Var[T])
		if !ok {
			panic(fmt.Sprintf(errMHAMaskType, cfg.keyPadFloat, *new(T)))
		}
		want := []int{g.n, g.s}
		if !g.batched {
			want = want[1:]
		}
		if !tensor.EqualShapes(fm.Shape(), want) {
			panic(fmt.Sprintf(errMHAKeyPadFloat, fm.Shape(), want))
		}
		kpm := functional.Reshape(fm, g.n, 1, 1, g.s)
		if mask == nil {
			mask = kpm
		} else {
			mask = functional.Add(mask, kpm)
		}
	}
	if cfg.keyPadding != nil {
		if len(cfg.keyPadding) != g.n*g.s {
			want := []int{g.n, g.s}
			if !g.batched {
				want = want[1:]
			}
			panic(fmt.Sprintf(errMHAKeyPadding, len(cfg.keyPadding), want))
		}
		kpm := autograd.NewConst(boolToAdditive[T](cfg.keyPadding, []int{g.n, 1, 1, g.s}))
		if mask == nil {
			mask = kpm
		} else {
			mask = functional.Add(mask, kpm)
		}
	}
	return mask
}

// boolToAdditive returns the tensor of the given shape that is −Inf where
// b is true and 0 elsewhere.
func boolToAdditive[T tensor.Float](b []bool, shape []int) *tensor.Tensor[T] {
	t := tensor.New[T](shape...)
	d := t.Data()
	inf := T(math.Inf(-1))
	for i, v := range b {
		if v {
			d[i] = inf
		}
	}
	return t
}
