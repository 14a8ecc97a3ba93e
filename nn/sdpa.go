package nn

import (
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// sdpa is the attention core of MultiheadAttention, scaled dot-product
// attention per batch entry and head, for q of shape N×H×L×E, k N×H×S×E
// and v N×H×S×Ev:
//
//	y = dropout_p(softmax(q·kᵀ/√E + mask + causal))·v          N×H×L×Ev
//
// mask is an additive float mask broadcastable to N×H×L×S (−Inf where a
// position may not be attended), or nil; causal adds −Inf where the key
// position j lies after the query position i (j > i, the upper triangle
// of an L×S matrix aligned at the top left, as PyTorch's is_causal);
// dropoutP > 0 zeroes attention weights with that probability, drawing the
// mask from rng, and scales the survivors by 1/(1−p).
//
// It is the fused op, functional.ScaledDotProductAttention, which keeps no
// attention matrix for the backward pass; a causal attention with a mask
// as well adds the causal mask to it, since the op takes one or the other,
// as PyTorch. MultiheadAttention calls sdpaWeights, the composition, only
// when it must return the weights, and neither for batched self-attention
// with the packed projection, which packedSelfAttention runs on the
// projection's heads where they lie (functional.PackedAttention, the same
// values).
func sdpa[T tensor.Float](q, k, v, mask *autograd.Var[T], dropoutP float64, causal bool, rng *rand.Rand) *autograd.Var[T] {
	if causal && mask != nil {
		l, s := q.Shape()[len(q.Shape())-2], k.Shape()[len(k.Shape())-2]
		mask = functional.Add(mask, autograd.NewConst(causalMask[T](l, s)))
		causal = false
	}
	return functional.ScaledDotProductAttention(q, k, v, functional.SDPAOptions[T]{
		AttnMask: mask, IsCausal: causal, DropoutP: dropoutP, Rng: rng})
}

// sdpaWeights is sdpa composed from MatMul, Scale, Add, Softmax and Mul,
// returning also the attention weights P = dropout(softmax(…)) (N×H×L×S),
// after dropout as PyTorch 1.13's multi_head_attention_forward returns
// them. The query is scaled before the product, q/√E·kᵀ, in PyTorch 1.13's
// order.
func sdpaWeights[T tensor.Float](q, k, v, mask *autograd.Var[T], dropoutP float64, causal bool, rng *rand.Rand) (y, p *autograd.Var[T]) {
	qs := q.Shape()
	e := qs[len(qs)-1]
	scores := functional.MatMulT(functional.Scale(q, T(1/math.Sqrt(float64(e)))), false, k, true)
	if mask != nil {
		scores = functional.Add(scores, mask)
	}
	if causal {
		ss := scores.Shape()
		scores = functional.Add(scores, autograd.NewConst(causalMask[T](ss[len(ss)-2], ss[len(ss)-1])))
	}
	p = functional.Softmax(scores, -1)
	if dropoutP > 0 {
		p = functional.Mul(p, autograd.NewConst(dropoutMask[T](rng, dropoutP, p.Shape()...)))
	}
	return functional.MatMul(p, v), p
}

// causalMask returns the L×S additive mask of causal attention: 0 where
// j ≤ i, −Inf where j > i.
func causalMask[T tensor.Float](l, s int) *tensor.Tensor[T] {
	m := tensor.New[T](l, s)
	d := m.Data()
	inf := T(math.Inf(-1))
	for i := range l {
		for j := i + 1; j < s; j++ {
			d[i*s+j] = inf
		}
	}
	return m
}
