package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Linear is PyTorch's nn.Linear: y = x·Wᵀ + b for x of shape …×In, with the
// parameters "weight" (Out×In) and "bias" (Out, absent without a bias).
type Linear[T tensor.Float] struct {
	In, Out int
	Weight  *autograd.Var[T]
	Bias    *autograd.Var[T] // nil without a bias
}

// NewLinear returns a layer from in to out features, initialized as
// PyTorch's: weights Kaiming-uniform with a = √5 (U(±1/√in)) and biases
// U(±1/√in), drawn from rng. Without bias the layer has no bias parameter.
// It panics unless in and out are positive.
func NewLinear[T tensor.Float](in, out int, bias bool, rng *rand.Rand) *Linear[T] {
	if in <= 0 || out <= 0 {
		panic(fmt.Sprintf(errLinearSizes, in, out))
	}
	w := tensor.New[T](out, in)
	var b *tensor.Tensor[T]
	if bias {
		b = tensor.New[T](out)
	}
	initLinearLike(w, b, rng)
	l := &Linear[T]{In: in, Out: out, Weight: autograd.NewParam(w)}
	if bias {
		l.Bias = autograd.NewParam(b)
	}
	return l
}

// Forward returns x·Wᵀ + b. It panics unless x's last axis has In features
// (tensor.MatMulShape of x and Wᵀ checks it, before the product does).
func (l *Linear[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if _, err := tensor.MatMulShape(x.Shape(), l.Weight.Shape(), false, true); err != nil {
		panic(fmt.Sprintf(errLinearInput, l.In, l.Out, x.Shape(), l.In))
	}
	return functional.Linear(x, l.Weight, l.Bias)
}

// State lists "weight" and, if present, "bias".
func (l *Linear[T]) State() State[T] {
	s := State[T]{Params: []Param[T]{{Name: "weight", Var: l.Weight}}}
	if l.Bias != nil {
		s.Params = append(s.Params, Param[T]{Name: "bias", Var: l.Bias})
	}
	return s
}
