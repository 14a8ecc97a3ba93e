// Package charmodel is a small character-level Transformer language model,
// CharLM, shared by the example command examples/charlm and workload W9 of
// the benchmarks (benchmarks/transformerbench), so that an example need not
// import a benchmark package.
//
// The model embeds each of up to Context characters from a vocabulary of
// Vocab (a token embedding plus a learned position embedding), runs them
// through a TransformerEncoder of pre-norm layers (GELU feed-forward block,
// no dropout, causal attention) with a final LayerNorm, and maps each
// position to Vocab logits. The defaults below are W9's sizes.
package charmodel

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// The default sizes, WORKLOADS.md's W9.
const (
	Vocab   = 96  // characters
	Context = 128 // positions per sequence
	DModel  = 128 // features
	Heads   = 4   // attention heads
	Layers  = 2   // encoder layers
	FFN     = 512 // width of the feed-forward block
)

// CharLM is a character-level language model:
//
//	h = tok[x] + pos                                     N×T×DModel
//	h = encoder(h, causal)                               Layers pre-norm layers, final LayerNorm
//	logits = head(h), reshaped to (N·T)×Vocab
//
// Its state_dict keys are "pos" (Context×DModel), "tok.weight",
// "encoder.layers.0.…", "encoder.norm.…", "head.weight" and "head.bias",
// those of the PyTorch twins in benchmarks/pytorch/w9_transformer.py and
// examples/pytorch/charlm.py.
type CharLM[T tensor.Float] struct {
	Tok     *nn.Embedding[T]
	Pos     *autograd.Var[T]
	Encoder *nn.TransformerEncoder[T]
	Head    *nn.Linear[T]
}

// NewCharLM returns the model with a context of ctx positions, drawn from
// rng: the token embedding N(0, 1) and the encoder and head as PyTorch
// initializes them, the position embedding N(0, 0.02²).
func NewCharLM[T tensor.Float](rng *rand.Rand, vocab, ctx, dModel, heads, layers, ffn int) *CharLM[T] {
	tok := nn.NewEmbedding[T](vocab, dModel, functional.EmbeddingOptions{}, rng)
	pos := tensor.New[T](ctx, dModel)
	nn.Normal(pos, 0, 0.02, rng)
	l := nn.NewTransformerEncoderLayer[T](dModel, heads, rng, nn.EncoderDimFeedforward(ffn), nn.EncoderDropout(0),
		nn.EncoderActivation("gelu"), nn.EncoderBatchFirst(true), nn.EncoderNormFirst(true))
	enc := nn.NewTransformerEncoder(l, layers, nn.NewLayerNorm[T]([]int{dModel}))
	return &CharLM[T]{Tok: tok, Pos: autograd.NewParam(pos), Encoder: enc, Head: nn.NewLinear[T](dModel, vocab, true, rng)}
}

// Context returns the longest sequence the model takes.
func (m *CharLM[T]) Context() int { return m.Pos.Shape()[0] }

// Forward returns the (N·T)×Vocab logits for the N×T characters x (their
// indices as numbers, as nn.Embedding.Forward takes them), T at most the
// context. It panics if x is not N×T with T ≤ the context.
func (m *CharLM[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	s := x.Shape()
	ctx := m.Context()
	if len(s) != 2 || s[1] > ctx {
		panic(fmt.Sprintf("charmodel: CharLM: input of shape %v: want N×T with T ≤ %d", s, ctx))
	}
	pos := m.Pos
	if s[1] < ctx {
		pos = functional.Narrow(pos, 0, 0, s[1])
	}
	h := functional.Add(m.Tok.Forward(x), pos) // the lookup runs on x's tape
	h = m.Encoder.ForwardMasked(h, nn.CausalMask())
	return functional.Reshape(m.Head.Forward(h), s[0]*s[1], -1)
}

// State lists the parameter "pos" and the children "tok", "encoder" and
// "head".
func (m *CharLM[T]) State() nn.State[T] {
	return nn.State[T]{
		Params: []nn.Param[T]{{Name: "pos", Var: m.Pos}},
		Children: []nn.Child[T]{{Name: "tok", Module: m.Tok}, {Name: "encoder", Module: m.Encoder},
			{Name: "head", Module: m.Head}},
	}
}
