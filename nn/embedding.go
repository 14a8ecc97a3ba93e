package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Embedding is PyTorch's nn.Embedding: a table of Num vectors of Dim
// features, the parameter "weight" (Num×Dim), looked up at integer indices
// of any shape, giving …×Dim. Options are functional.EmbeddingOptions
// (padding_idx, max_norm, norm_type, scale_grad_by_freq); with MaxNorm the
// looked-up rows of the weight are renormalized in place, unrecorded, as
// PyTorch's.
type Embedding[T tensor.Float] struct {
	Num, Dim int
	Weight   *autograd.Var[T]
	Options  functional.EmbeddingOptions
}

// NewEmbedding returns a table of num vectors of dim features, initialized
// as PyTorch's: weights from N(0, 1) drawn from rng, and the padding row,
// if o sets one, zero. It panics unless num and dim are positive and
// PaddingIdx is in [−num, num).
func NewEmbedding[T tensor.Float](num, dim int, o functional.EmbeddingOptions, rng *rand.Rand) *Embedding[T] {
	if num <= 0 || dim <= 0 {
		panic(fmt.Sprintf(errEmbeddingSizes, num, dim))
	}
	w := tensor.New[T](num, dim)
	Normal(w, 0, 1, rng)
	if o.PaddingIdx != nil {
		p := *o.PaddingIdx
		if p < -num || p >= num {
			panic(fmt.Sprintf(errEmbeddingPadding, num, dim, p))
		}
		if p < 0 {
			p += num
		}
		clear(w.Data()[p*dim : (p+1)*dim])
	}
	return &Embedding[T]{Num: num, Dim: dim, Weight: autograd.NewParam(w), Options: o}
}

// Lookup returns the rows of the weight at index, whose shape is shape:
// shape×Dim (see functional.Embedding). It panics as functional.Embedding.
func (e *Embedding[T]) Lookup(index, shape []int) *autograd.Var[T] {
	return functional.Embedding(index, shape, e.Weight, e.Options)
}

// Forward looks up the indices x holds as numbers (PyTorch's LongTensor
// input), for use in a Sequential; Lookup takes them as ints. x's values
// are constants: no gradient flows to them. The lookup is computed on x's
// tape (functional.EmbeddingOn), so a model that starts with it records its
// whole forward pass there, on the tape's reused buffers. It panics unless every value of
// x is an integer, and as functional.Embedding.
func (e *Embedding[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.EmbeddingOn(x.Tape(), integerIndices(x, e.Num, e.Dim), x.Shape(), e.Weight, e.Options)
}

// State lists "weight".
func (e *Embedding[T]) State() State[T] {
	return State[T]{Params: []Param[T]{{Name: "weight", Var: e.Weight}}}
}

// EmbeddingBag is PyTorch's nn.EmbeddingBag: a table of Num vectors of Dim
// features, the parameter "weight" (Num×Dim), whose rows are looked up and
// reduced per bag (see functional.EmbeddingBag and its options).
type EmbeddingBag[T tensor.Float] struct {
	Num, Dim int
	Weight   *autograd.Var[T]
	Options  functional.EmbeddingBagOptions
}

// NewEmbeddingBag returns a table of num vectors of dim features,
// initialized as PyTorch's: N(0, 1) from rng, the padding row, if o sets
// one, zero. It panics unless num and dim are positive and PaddingIdx is in
// [−num, num).
func NewEmbeddingBag[T tensor.Float](num, dim int, o functional.EmbeddingBagOptions, rng *rand.Rand) *EmbeddingBag[T] {
	e := NewEmbedding[T](num, dim, functional.EmbeddingOptions{PaddingIdx: o.PaddingIdx}, rng)
	return &EmbeddingBag[T]{Num: num, Dim: dim, Weight: e.Weight, Options: o}
}

// Bags reduces the bags of index (of the given shape: B×L, or 1-d with
// offsets), with perSampleWeights nil or of index's shape (mode sum): B×Dim.
// It panics as functional.EmbeddingBag.
func (e *EmbeddingBag[T]) Bags(index, shape, offsets []int, perSampleWeights *autograd.Var[T]) *autograd.Var[T] {
	return functional.EmbeddingBag(index, shape, offsets, e.Weight, perSampleWeights, e.Options)
}

// Forward reduces the bags of a B×L input holding the indices as numbers
// (PyTorch's LongTensor input, without offsets). It panics unless every
// value of x is an integer, and as functional.EmbeddingBag.
func (e *EmbeddingBag[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.EmbeddingBagOn(x.Tape(), integerIndices(x, e.Num, e.Dim), x.Shape(), nil, e.Weight, nil, e.Options)
}

// State lists "weight".
func (e *EmbeddingBag[T]) State() State[T] {
	return State[T]{Params: []Param[T]{{Name: "weight", Var: e.Weight}}}
}

// integerIndices returns x's values as ints, or panics naming the
// (num, dim) table if one is not an integer.
func integerIndices[T tensor.Float](x *autograd.Var[T], num, dim int) []int {
	xs := x.Value().Data()
	index := make([]int, len(xs))
	for i, v := range xs {
		if f := float64(v); f != math.Trunc(f) || math.IsInf(f, 0) {
			panic(fmt.Sprintf(errEmbeddingInput, num, dim, v, i, x.Shape()))
		}
		index[i] = int(v)
	}
	return index
}
