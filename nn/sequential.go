package nn

import (
	"strconv"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// Sequential applies its layers in order, as PyTorch's nn.Sequential; layer i
// is the child named "i", so a Sequential's parameters are named "0.weight",
// "0.bias", "2.weight", … exactly as in PyTorch.
type Sequential[T tensor.Float] struct {
	Layers []Module[T]
}

// NewSequential returns a Sequential of the given layers.
func NewSequential[T tensor.Float](layers ...Module[T]) *Sequential[T] {
	return &Sequential[T]{Layers: layers}
}

// Append adds layers at the end.
func (s *Sequential[T]) Append(layers ...Module[T]) { s.Layers = append(s.Layers, layers...) }

// Forward feeds x through every layer in turn.
func (s *Sequential[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	for _, l := range s.Layers {
		x = l.Forward(x)
	}
	return x
}

// State lists the layers as children "0", "1", ….
func (s *Sequential[T]) State() State[T] {
	st := State[T]{Children: make([]Child[T], len(s.Layers))}
	for i, l := range s.Layers {
		st.Children[i] = Child[T]{Name: strconv.Itoa(i), Module: l}
	}
	return st
}
