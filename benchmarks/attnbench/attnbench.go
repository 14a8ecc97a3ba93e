package attnbench

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Case is the shape of one attention: Batch sequences of Heads heads,
// Tokens queries and keys each, HeadDim values per query, key and value.
type Case struct {
	Batch, Heads, Tokens, HeadDim int
	Causal                        bool
}

// W7 is WORKLOADS.md's attention: batch 32, 4 heads, 128 tokens, head
// dimension 32, causal.
var W7 = Case{Batch: 32, Heads: 4, Tokens: 128, HeadDim: 32, Causal: true}

// Shape is the shape of q, k, v, y and g: Batch×Heads×Tokens×HeadDim.
func (c Case) Shape() []int { return []int{c.Batch, c.Heads, c.Tokens, c.HeadDim} }

// Name is the case as sub-benchmarks name it, such as 32x4x128x32-causal.
func (c Case) Name() string {
	n := fmt.Sprintf("%dx%dx%dx%d", c.Batch, c.Heads, c.Tokens, c.HeadDim)
	if c.Causal {
		n += "-causal"
	}
	return n
}

// Variant says how a Step computes attention.
type Variant int

const (
	Composed Variant = iota // functional.ScaledDotProductAttentionComposed: tape primitives
	Fused                   // functional.ScaledDotProductAttention: the fused op
)

func (v Variant) String() string {
	switch v {
	case Composed:
		return "composed"
	case Fused:
		return "fused"
	}
	return fmt.Sprintf("Variant(%d)", int(v))
}

// Inputs are a workload's tensors, all of the case's Shape.
type Inputs[T tensor.Float] struct {
	Q, K, V, G *tensor.Tensor[T]
}

// NewInputs draws q, k, v and g, in this order, from N(0, 1). The same
// source state gives the same inputs.
func NewInputs[T tensor.Float](rng *rand.Rand, c Case) Inputs[T] {
	s := c.Shape()
	return Inputs[T]{Q: tensor.RandN[T](rng, s...), K: tensor.RandN[T](rng, s...), V: tensor.RandN[T](rng, s...), G: tensor.RandN[T](rng, s...)}
}

// Result is what one Step computed: the output, the gradients of
// L = Σ y ⊙ g with respect to q, k and v, and the bytes the recorded ops
// kept for the backward pass (Tape.SavedBytes after the forward pass). Its
// tensors are valid until the next Step, which reuses their storage; Clone
// keeps them longer.
type Result[T tensor.Float] struct {
	Y, DQ, DK, DV *tensor.Tensor[T]
	SavedBytes    int
}

// Clone returns a copy of r that later Steps leave alone.
func (r Result[T]) Clone() Result[T] {
	return Result[T]{Y: r.Y.Clone(), DQ: r.DQ.Clone(), DK: r.DK.Clone(), DV: r.DV.Clone(), SavedBytes: r.SavedBytes}
}

// Named is a tensor of a Result under the name the compare command and
// workloads.py give it.
type Named[T tensor.Float] struct {
	Name   string
	Tensor *tensor.Tensor[T]
}

// Named lists the result's tensors as y, dq, dk and dv.
func (r Result[T]) Named() []Named[T] {
	return []Named[T]{{"y", r.Y}, {"dq", r.DQ}, {"dk", r.DK}, {"dv", r.DV}}
}

// MaxDiff returns the largest absolute difference between two results,
// over y and the gradients.
func MaxDiff[T tensor.Float](a, b Result[T]) float64 {
	return max(tensor.MaxAbsDiff(a.Y, b.Y), tensor.MaxAbsDiff(a.DQ, b.DQ), tensor.MaxAbsDiff(a.DK, b.DK), tensor.MaxAbsDiff(a.DV, b.DV))
}

// Workload is one case's inputs and the tape its Steps reuse, with buffer
// reuse on, as a training loop's. It is used by one goroutine at a time.
type Workload[T tensor.Float] struct {
	Case  Case
	In    Inputs[T]
	tape  *autograd.Tape[T]
	saved [2]int // SavedBytes by variant, measured at its first Step
}

// NewWorkload draws a case's inputs from rng (NewInputs) and returns its
// workload.
func NewWorkload[T tensor.Float](rng *rand.Rand, c Case) *Workload[T] {
	return FromInputs(c, NewInputs[T](rng, c))
}

// FromInputs returns the workload of a case on the given inputs. It panics
// if their shapes are not the case's.
func FromInputs[T tensor.Float](c Case, in Inputs[T]) *Workload[T] {
	for _, x := range []*tensor.Tensor[T]{in.Q, in.K, in.V, in.G} {
		if x == nil || !tensor.EqualShapes(x.Shape(), c.Shape()) {
			panic(fmt.Sprintf("attnbench: inputs of %s do not fit: want q, k, v and g of shape %v", c.Name(), c.Shape()))
		}
	}
	w := &Workload[T]{Case: c, In: in, tape: autograd.NewTape[T]()}
	w.tape.ReuseBuffers(true)
	return w
}

// InputBytes returns the size of q, k and v in bytes.
func (w *Workload[T]) InputBytes() int { return 3 * w.In.Q.Bytes() }

// Step runs attention forward and backward once on the reset tape, as
// variant v, and returns what it computed, valid until the next Step. It
// panics for an unknown variant.
func (w *Workload[T]) Step(v Variant) Result[T] {
	attn := functional.ScaledDotProductAttention[T]
	switch v {
	case Fused:
	case Composed:
		attn = functional.ScaledDotProductAttentionComposed[T]
	default:
		panic(fmt.Sprintf("attnbench: no %v", v))
	}
	w.tape.Reset()
	q, k, vv := w.tape.Param(w.In.Q), w.tape.Param(w.In.K), w.tape.Param(w.In.V)
	y := attn(q, k, vv, functional.SDPAOptions[T]{IsCausal: w.Case.Causal})
	if w.saved[v] == 0 { // the same every Step: measured once, not in every timed one
		w.saved[v] = w.tape.SavedBytes()
	}
	w.tape.BackwardWithGrad(y, w.In.G)
	return Result[T]{Y: y.Value(), DQ: q.Grad(), DK: k.Grad(), DV: vv.Grad(), SavedBytes: w.saved[v]}
}
