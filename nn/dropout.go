package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Dropout is inverted dropout, as PyTorch's nn.Dropout: in training mode each
// element is zeroed with probability P and the survivors are scaled by
// 1/(1−P), so that the expected output equals the input; in evaluation mode
// the input passes through unchanged. The masks come from the module's own
// random source, so the same seed gives the same masks.
//
//	y  = x ⊙ m / (1−P),   mᵢ ~ Bernoulli(1−P)
//	dx = dy ⊙ m / (1−P)
type Dropout[T tensor.Float] struct {
	stateless[T]
	P    float64
	rng  *rand.Rand
	eval bool
}

// NewDropout returns a Dropout layer that zeroes with probability p, drawing
// its masks from rng. It panics unless 0 ≤ p ≤ 1.
func NewDropout[T tensor.Float](p float64, rng *rand.Rand) *Dropout[T] {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf(errDropoutP, p))
	}
	return &Dropout[T]{P: p, rng: rng}
}

// SetTraining switches between training (dropping) and evaluation (identity).
func (d *Dropout[T]) SetTraining(training bool) { d.eval = !training }

// Forward returns x with a fresh dropout mask applied in training mode, and x
// itself in evaluation mode or when P is 0.
func (d *Dropout[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if d.eval || d.P == 0 {
		return x
	}
	return functional.Mul(x, autograd.NewConst(dropoutMask[T](d.rng, d.P, x.Shape()...)))
}

// dropoutMask returns a tensor of the given shape whose elements are, in
// row-major order, 1/(1−p) with probability 1−p and 0 otherwise, one draw
// from rng each (none when p is 1): the mask of Dropout and, one element
// per channel, of Dropout2d.
func dropoutMask[T tensor.Float](rng *rand.Rand, p float64, shape ...int) *tensor.Tensor[T] {
	mask := tensor.New[T](shape...)
	if p < 1 {
		keep := T(1 / (1 - p))
		m := mask.Data()
		for i := range m {
			if rng.Float64() >= p {
				m[i] = keep
			}
		}
	}
	return mask
}
