package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Dropout2d is channel-wise inverted dropout, as PyTorch's nn.Dropout2d: in
// training mode each channel x[n, c] of an N×C×H×W input is zeroed whole
// with probability P and the kept channels are scaled by 1/(1−P); in
// evaluation mode the input passes through unchanged.
//
//	y[n, c, …] = x[n, c, …]·m[n, c]/(1−P),   m[n, c] ~ Bernoulli(1−P)
//	dx         = dy ⊙ m/(1−P)
//
// As PyTorch 1.13 does, any input of at least 2 dimensions is taken as
// N×C×…: a 3-d input is N×C×L (channel-wise 1-d dropout, not one unbatched
// C×H×W image; PyTorch warns of a future change), a 2-d one N×C. The masks
// come from the module's own random source, one draw per channel in
// row-major (n, c) order, so the same seed gives the same masks.
type Dropout2d[T tensor.Float] struct {
	stateless[T]
	P    float64
	rng  *rand.Rand
	eval bool
}

// NewDropout2d returns a Dropout2d layer that zeroes channels with
// probability p (PyTorch's default is 0.5), drawing its masks from rng. It
// panics unless 0 ≤ p ≤ 1.
func NewDropout2d[T tensor.Float](p float64, rng *rand.Rand) *Dropout2d[T] {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf(errDropout2dP, p))
	}
	return &Dropout2d[T]{P: p, rng: rng}
}

// SetTraining switches between training (dropping) and evaluation (identity).
func (d *Dropout2d[T]) SetTraining(training bool) { d.eval = !training }

// Forward returns x with a fresh channel mask applied in training mode, and
// x itself in evaluation mode (any input, as PyTorch's) or when P is 0. It
// panics in training mode for an input of fewer than 2 dimensions, as
// PyTorch 1.13 raises an error.
func (d *Dropout2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if d.eval {
		return x
	}
	shape := x.Shape()
	if len(shape) < 2 {
		panic(fmt.Sprintf(errDropout2dRank, shape))
	}
	if d.P == 0 {
		return x
	}
	// The mask is N×C×1×…, broadcast over the channel's elements by Mul.
	ms := make([]int, len(shape))
	for i := range ms {
		ms[i] = 1
	}
	ms[0], ms[1] = shape[0], shape[1]
	return functional.Mul(x, autograd.NewConst(dropoutMask[T](d.rng, d.P, ms...)))
}
