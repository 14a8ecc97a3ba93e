package manual

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/tensor"
)

// Module is a layer with a hand-written backward pass: Backward takes the
// gradient of the loss with respect to the output of the last Forward and
// returns the gradient with respect to its input.
type Module[T tensor.Float] interface {
	Forward(x *tensor.Tensor[T]) *tensor.Tensor[T]
	Backward(dy *tensor.Tensor[T]) *tensor.Tensor[T]
}

// Config describes an MLP: Inputs features, one Linear layer per Hidden
// size each followed by the activation, and a last Linear layer to Classes
// logits, turned into probabilities by a softmax.
type Config struct {
	Inputs  int
	Hidden  []int
	Classes int
	// Std is the standard deviation of the initial weights; 0 means
	// DefaultStd, the course's 1e-4.
	Std float64
	// ELU selects ELU (α = 1) as the activation instead of ReLU.
	ELU bool
}

// MLP is the course's multi-layer perceptron with hand-written
// backpropagation:
//
//	x → Linear → act → … → Linear → Softmax → p
//
// trained with the mean cross-entropy of p against integer labels.
type MLP[T tensor.Float] struct {
	Layers  []Module[T] // Linear, activation, …, Linear: input to logits
	Softmax Softmax[T]
	Loss    CrossEntropy[T]
}

// NewMLP builds an MLP from c, drawing initial weights from rng. It panics if
// a size is not positive.
func NewMLP[T tensor.Float](c Config, rng *rand.Rand) *MLP[T] {
	if c.Inputs <= 0 || c.Classes <= 0 {
		panic(fmt.Sprintf(errLayerSizes, c.Inputs, c.Hidden, c.Classes))
	}
	std := c.Std
	if std == 0 {
		std = DefaultStd
	}
	m := &MLP[T]{}
	in := c.Inputs
	for _, h := range c.Hidden {
		if h <= 0 {
			panic(fmt.Sprintf(errLayerSizes, c.Inputs, c.Hidden, c.Classes))
		}
		m.Layers = append(m.Layers, NewLinear[T](in, h, std, rng))
		if c.ELU {
			m.Layers = append(m.Layers, &ELU[T]{Alpha: 1})
		} else {
			m.Layers = append(m.Layers, &ReLU[T]{})
		}
		in = h
	}
	m.Layers = append(m.Layers, NewLinear[T](in, c.Classes, std, rng))
	return m
}

// Logits returns the output of the last Linear layer for the B×Inputs batch
// x.
func (m *MLP[T]) Logits(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	for _, l := range m.Layers {
		x = l.Forward(x)
	}
	return x
}

// Forward returns the B×Classes class probabilities for the batch x.
func (m *MLP[T]) Forward(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	return m.Softmax.Forward(m.Logits(x))
}

// Backward back-propagates dp, the gradient of the loss with respect to the
// probabilities of the last Forward, through the softmax and every layer,
// filling the Linear layers' DW and DB. It returns the gradient with respect
// to the input.
func (m *MLP[T]) Backward(dp *tensor.Tensor[T]) *tensor.Tensor[T] {
	return m.BackwardLogits(m.Softmax.Backward(dp))
}

// BackwardLogits back-propagates the gradient with respect to the logits
// through every layer, skipping the softmax — the path of the combined
// SoftmaxCrossEntropyGrad.
func (m *MLP[T]) BackwardLogits(dx *tensor.Tensor[T]) *tensor.Tensor[T] {
	for i := len(m.Layers) - 1; i >= 0; i-- {
		dx = m.Layers[i].Backward(dx)
	}
	return dx
}

// Linears returns the Linear layers, input side first.
func (m *MLP[T]) Linears() []*Linear[T] {
	var ls []*Linear[T]
	for _, l := range m.Layers {
		if lin, ok := l.(*Linear[T]); ok {
			ls = append(ls, lin)
		}
	}
	return ls
}

// Step updates every Linear layer by plain gradient descent with rate lr.
func (m *MLP[T]) Step(lr T) {
	for _, l := range m.Linears() {
		l.Step(lr)
	}
}

// TrainStep runs one step of SGD on the batch x with the given labels: the
// forward pass, the loss, the combined softmax–cross-entropy gradient, the
// backward pass and the update. It returns the loss before the update.
func (m *MLP[T]) TrainStep(x *tensor.Tensor[T], labels []int, lr T) T {
	p := m.Forward(x)
	loss := m.Loss.Forward(p, labels)
	m.BackwardLogits(SoftmaxCrossEntropyGrad(p, labels))
	m.Step(lr)
	return loss
}

// Predict returns the most probable class of every example of x.
func (m *MLP[T]) Predict(x *tensor.Tensor[T]) []int {
	return tensor.ArgMax(m.Logits(x), 1)
}
