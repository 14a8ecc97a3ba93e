package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// PackedAttention is the multi-head self-attention of PyTorch's
// MultiheadAttention on its packed in-projection x, N×L×3E (L×N×3E with
// seqFirst) holding each position's q, k and v side by side along the last
// axis, each of the heads heads of D = E/heads values:
//
//	y[n, i, hD : hD+D] = ScaledDotProductAttention(q_nh, k_nh, v_nh)ᵢ     N×L×E (L×N×E)
//
// with the mask (broadcasting to N×heads×L×L), causal mask, scale (1/√D by
// default) and dropout of opt. It is the fused op ops.PackedAttention,
// which reads the heads where they lie in x and writes them where they lie
// in y instead of splitting, permuting and merging copies; its results are
// ScaledDotProductAttention's on the split heads bit for bit, and it is
// differentiable to any order.
//
// It panics if x is not 3-d with a last axis that 3·heads divides, on a
// mask that does not broadcast to N×heads×L×L, on both masks, on a mask
// with IsCausal, and on a DropoutP outside [0, 1].
func PackedAttention[T tensor.Float](x *autograd.Var[T], heads int, seqFirst bool, opt SDPAOptions[T]) *autograd.Var[T] {
	mask := sdpaMask("PackedAttention", opt)
	op := &ops.PackedAttention[T]{Heads: heads, SeqFirst: seqFirst, IsCausal: opt.IsCausal, Scale: opt.Scale,
		DropoutP: opt.DropoutP, Rng: opt.Rng}
	if mask == nil {
		return autograd.Apply[T](op, x)
	}
	return autograd.Apply[T](op, x, mask)
}
