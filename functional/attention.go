package functional

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// SDPAOptions are the optional arguments of ScaledDotProductAttention,
// named after PyTorch's F.scaled_dot_product_attention(query, key, value,
// attn_mask=None, dropout_p=0.0, is_causal=False, scale=None). The zero
// value is PyTorch's defaults.
//
// PyTorch's attn_mask is either a float tensor, added to the scores, or a
// boolean one; here the two are separate fields, of which at most one may
// be set:
//
//   - AttnMask, a float Var that broadcasts to …×L×S, is added to the
//     scaled scores q·kᵀ·scale; use −Inf to keep a query from a key. It is
//     differentiable: its gradient is that of the scores.
//   - BoolMask, with its shape BoolMaskShape, is a boolean mask in the
//     sense of F.scaled_dot_product_attention (PyTorch 2.x, and 1.13's
//     torch.nn.functional._scaled_dot_product_attention): true where the
//     query MAY attend to the key, false where it may not. It is turned
//     into the additive mask 0 where true, −Inf where false, as PyTorch
//     does. Beware: nn.MultiheadAttention's boolean attn_mask and
//     key_padding_mask mean the opposite (true = NOT allowed to attend);
//     negate such a mask before passing it here.
//
// IsCausal masks the upper triangle, counted from the top left corner
// (query i attends to keys 0 … i, also when L ≠ S), as PyTorch's
// is_causal; PyTorch refuses it together with attn_mask, and so do these
// functions. Scale multiplies q·kᵀ; 0 (PyTorch's None) means 1/√E.
// DropoutP drops attention weights with that probability and scales the
// others by 1/(1−DropoutP) (training mode; pass 0 in evaluation); the
// masks are drawn from Rng, or from math/rand/v2's global source when Rng
// is nil (not reproducible, as PyTorch's unseeded generator). Two calls
// given sources in the same state draw the same masks, the fused and the
// composed function alike.
type SDPAOptions[T tensor.Float] struct {
	AttnMask      *autograd.Var[T] // attn_mask as an additive float mask, or nil
	BoolMask      []bool           // attn_mask as a boolean mask (true = attend), row-major, or nil
	BoolMaskShape []int            // the boolean mask's shape
	DropoutP      float64          // dropout_p
	IsCausal      bool             // is_causal
	Scale         float64          // scale; 0 for 1/√E
	Rng           *rand.Rand       // the source of the dropout masks; nil for math/rand/v2's
}

// ScaledDotProductAttention is PyTorch's F.scaled_dot_product_attention
// (1.13's torch.nn.functional._scaled_dot_product_attention) for q of
// shape …×L×E, k of shape …×S×E and v of shape …×S×Ev, the same batch
// axes on all three (N×H for N sequences of H heads):
//
//	y = softmax(q·kᵀ·scale + mask) · v      …×L×Ev
//
// with the softmax over the keys, dropout applied to its result, and the
// mask from opt (see SDPAOptions). It is the fused op
// ops.ScaledDotProductAttention, which keeps no attention matrix for the
// backward pass and is differentiable to any order. A query that may
// attend to no key gives a row of NaN, its row of dq and all of dk and dv
// NaN, as in PyTorch.
//
// It panics on shapes that do not fit, on a mask that does not broadcast
// to …×L×S, on both masks, on a mask with IsCausal, and on a DropoutP
// outside [0, 1].
func ScaledDotProductAttention[T tensor.Float](q, k, v *autograd.Var[T], opt SDPAOptions[T]) *autograd.Var[T] {
	mask := sdpaMask("ScaledDotProductAttention", opt)
	op := &ops.ScaledDotProductAttention[T]{IsCausal: opt.IsCausal, Scale: opt.Scale, DropoutP: opt.DropoutP, Rng: opt.Rng}
	if mask == nil {
		return autograd.Apply[T](op, q, k, v)
	}
	return autograd.Apply[T](op, q, k, v, mask)
}

// ScaledDotProductAttentionComposed computes the same as
// ScaledDotProductAttention with tape primitives — MatMulT, Scale, Add (the
// mask), MaskedFill (the causal mask), Softmax, Mul (the dropout mask) and
// MatMul — so that the tape derives its backward, as PyTorch 1.13's CPU
// kernel composes it (which scales q rather than q·kᵀ). It is the reference the fused op is checked against,
// and keeps more for the backward pass: the scores' softmax (its log and
// its exponential, two …×L×S tensors), and the dropped weights with
// dropout. Given a source in the same state it drops exactly what
// ScaledDotProductAttention drops. It panics as ScaledDotProductAttention.
func ScaledDotProductAttentionComposed[T tensor.Float](q, k, v *autograd.Var[T], opt SDPAOptions[T]) *autograd.Var[T] {
	mask := sdpaMask("ScaledDotProductAttentionComposed", opt)
	qs, ks, vs := q.Shape(), k.Shape(), v.Shape()
	r := len(qs)
	if r < 2 || len(ks) != r || len(vs) != r || !tensor.EqualShapes(qs[:r-2], ks[:r-2]) || !tensor.EqualShapes(qs[:r-2], vs[:r-2]) ||
		ks[r-1] != qs[r-1] || vs[r-2] != ks[r-2] {
		panic(fmt.Sprintf(errSDPAShapes, "ScaledDotProductAttentionComposed", qs, ks, vs))
	}
	if !(opt.DropoutP >= 0 && opt.DropoutP <= 1) {
		panic(fmt.Sprintf(errSDPADropout, "ScaledDotProductAttentionComposed", opt.DropoutP))
	}
	l, s := qs[r-2], ks[r-2]
	scale := opt.Scale
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(qs[r-1]))
	}
	scores := Scale(MatMulT(q, false, k, true), T(scale))
	if mask != nil {
		scores = Add(scores, mask)
	}
	if opt.IsCausal {
		above := make([]bool, l*s)
		for i := range l {
			for j := i + 1; j < s; j++ {
				above[i*s+j] = true
			}
		}
		scores = MaskedFill(scores, above, []int{l, s}, T(math.Inf(-1)))
	}
	p := Softmax(scores, -1)
	if opt.DropoutP > 0 {
		seed := ops.AttentionDropoutSeeds(opt.Rng)
		p = Mul(p, autograd.NewConst(ops.AttentionDropoutMask[T](seed, opt.DropoutP, p.Shape()...)))
	}
	return MatMul(p, v)
}

// sdpaMask returns the additive mask of opt: AttnMask, the constant 0/−Inf
// mask of BoolMask, or nil. It panics if both are set, if BoolMask does not
// have BoolMaskShape's number of values, or if a mask is given with
// IsCausal.
func sdpaMask[T tensor.Float](name string, opt SDPAOptions[T]) *autograd.Var[T] {
	if opt.AttnMask != nil && opt.BoolMask != nil {
		panic(fmt.Sprintf(errSDPATwoMasks, name, opt.AttnMask.Shape(), opt.BoolMaskShape))
	}
	if opt.BoolMask == nil {
		if opt.AttnMask != nil && opt.IsCausal {
			panic(fmt.Sprintf(errSDPACausalMask, name, opt.AttnMask.Shape()))
		}
		return opt.AttnMask
	}
	if len(opt.BoolMask) != tensor.NumElems(opt.BoolMaskShape) {
		panic(fmt.Sprintf(errSDPABoolMask, name, len(opt.BoolMask), opt.BoolMaskShape))
	}
	if opt.IsCausal {
		panic(fmt.Sprintf(errSDPACausalMask, name, opt.BoolMaskShape))
	}
	m := tensor.New[T](opt.BoolMaskShape...)
	inf := T(math.Inf(-1))
	for i, ok := range opt.BoolMask {
		if !ok {
			m.Data()[i] = inf
		}
	}
	return autograd.NewConst(m)
}
