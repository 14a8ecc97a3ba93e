package bnbench

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Shapes are the input shapes of W3: three N×C batches and one N×C×H×W.
var Shapes = [][]int{{200, 100}, {128, 1024}, {1024, 4096}, {32, 64, 32, 32}}

// Eps is the ε added to the variance, PyTorch's default.
const Eps = 1e-5

// ShapeName writes a shape as its sizes joined by "x", such as "32x64x32x32":
// a name that benchstat and flag values can carry.
func ShapeName(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, "x")
}

// Variant says which batch norm a Step runs.
type Variant int

const (
	Composed Variant = iota // functional.BatchNormComposed: tape primitives
	Fused                   // functional.BatchNorm: the fused op
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

// Result is what one Step computed: the output, the gradients of
// L = Σ y ⊙ g with respect to x, γ and β, and the bytes the recorded ops kept
// for the backward pass (Tape.SavedBytes after the forward pass). Its
// tensors are valid until the next Step, which reuses their storage (the
// tape's buffers, and the parameters' gradients, which ZeroGrad keeps for
// the next pass); Clone keeps them longer.
type Result[T tensor.Float] struct {
	Y, DX, DGamma, DBeta *tensor.Tensor[T]
	SavedBytes           int
}

// Clone returns a copy of r that later Steps leave alone.
func (r Result[T]) Clone() Result[T] {
	return Result[T]{Y: r.Y.Clone(), DX: r.DX.Clone(), DGamma: r.DGamma.Clone(), DBeta: r.DBeta.Clone(), SavedBytes: r.SavedBytes}
}

// Workload is one shape's inputs and the tape its Steps reuse, with buffer
// reuse on, as a training loop's (and as PyTorch's caching allocator does).
// It is used by one goroutine at a time.
type Workload[T tensor.Float] struct {
	x, g        *tensor.Tensor[T] // input and output gradient, the given shape
	gamma, beta *autograd.Var[T]  // parameters, shape C
	tape        *autograd.Tape[T]
	saved       [2]int // SavedBytes by variant, measured at its first Step
}

// NewWorkload draws the inputs of the given shape (N×C or N×C×…) from rng:
// x and g from N(0, 1), γ from U(0.5, 1.5), β from N(0, 1). The same source
// state gives the same inputs.
func NewWorkload[T tensor.Float](rng *rand.Rand, shape ...int) *Workload[T] {
	c := shape[1]
	return &Workload[T]{
		x:     tensor.RandN[T](rng, shape...),
		g:     tensor.RandN[T](rng, shape...),
		gamma: autograd.NewParam(tensor.RandU[T](rng, 0.5, 1.5, c)),
		beta:  autograd.NewParam(tensor.RandN[T](rng, c)),
		tape:  reusingTape[T](),
	}
}

// reusingTape returns a tape that recycles its buffers at every Reset.
func reusingTape[T tensor.Float]() *autograd.Tape[T] {
	t := autograd.NewTape[T]()
	t.ReuseBuffers(true)
	return t
}

// Inputs returns the workload's x, g, γ and β, which its Steps read: a
// change to them shows in the next Step.
func (w *Workload[T]) Inputs() (x, g, gamma, beta *tensor.Tensor[T]) {
	return w.x, w.g, w.gamma.Value(), w.beta.Value()
}

// InputBytes returns the size of x in bytes.
func (w *Workload[T]) InputBytes() int { return w.x.Bytes() }

// Step runs variant v forward and backward once on the reset tape and
// returns what it computed, valid until the next Step.
func (w *Workload[T]) Step(v Variant) Result[T] {
	if v != Composed && v != Fused {
		panic(fmt.Sprintf("bnbench: unknown %v", v))
	}
	w.tape.Reset()
	w.gamma.ZeroGrad()
	w.beta.ZeroGrad()
	x := w.tape.Param(w.x)
	var y *autograd.Var[T]
	switch v {
	case Composed:
		y, _, _ = functional.BatchNormComposed(x, w.gamma, w.beta, Eps)
	case Fused:
		y, _, _ = functional.BatchNorm(x, w.gamma, w.beta, Eps)
	}
	if w.saved[v] == 0 { // the same every Step: measured once, not in every timed one
		w.saved[v] = w.tape.SavedBytes()
	}
	w.tape.BackwardWithGrad(y, w.g)
	return Result[T]{Y: y.Value(), DX: x.Grad(), DGamma: w.gamma.Grad(), DBeta: w.beta.Grad(), SavedBytes: w.saved[v]}
}

// MaxGradDiff returns the largest absolute difference between the gradients
// of two results, over dx, dγ and dβ, of values computed in T.
func MaxGradDiff[T tensor.Float](a, b Result[T]) float64 {
	return max(tensor.MaxAbsDiff(a.DX, b.DX),
		tensor.MaxAbsDiff(a.DGamma, b.DGamma),
		tensor.MaxAbsDiff(a.DBeta, b.DBeta))
}
