package optim

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// clipEps is added to the total norm before dividing, as PyTorch does.
const clipEps = 1e-6

// ClipGradNorm rescales the gradients of params so that their joint 2-norm,
// taken as if they were one concatenated vector, is at most about maxNorm,
// as PyTorch's clip_grad_norm_ does. It returns the total norm before
// clipping:
//
//	total = ‖(‖g₁‖, ‖g₂‖, …)‖     over the parameters with a gradient
//	coef  = maxNorm / (total + 1e-6)
//	gᵢ    = coef·gᵢ               for every i, if coef < 1
//
// Parameters whose gradient is nil are skipped; with none, the total is 0.
// The gradients are scaled in place: a leaf owns its gradient. The sums run
// in float64 whatever T is, so a float32 norm does not overflow early. As in
// PyTorch, a NaN total (a NaN somewhere in the gradients) makes coef NaN and
// every gradient NaN, and an infinite total makes coef 0.
//
// Call it between the backward pass and Step. It panics if maxNorm is
// negative or NaN.
func ClipGradNorm[T tensor.Float](params []*autograd.Var[T], maxNorm T) (total T) {
	if !(maxNorm >= 0) {
		panic(fmt.Sprintf(errMaxNorm, maxNorm))
	}
	var sumSq float64 // Σ ‖gᵢ‖², each ‖gᵢ‖ rounded to T first, as PyTorch stacks them
	found := false
	for _, p := range params {
		g := p.Grad()
		if g == nil {
			continue
		}
		found = true
		var s float64
		for _, v := range g.Data() {
			s += float64(v) * float64(v)
		}
		n := float64(T(math.Sqrt(s)))
		sumSq += n * n
	}
	if !found {
		return 0
	}
	total = T(math.Sqrt(sumSq))
	coef := T(float64(maxNorm) / (float64(total) + clipEps))
	if coef >= 1 {
		return total
	}
	for _, p := range params {
		if g := p.Grad(); g != nil {
			g.ScaleInPlace(coef)
		}
	}
	return total
}
