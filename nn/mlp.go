package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/tensor"
)

// MLPConfig describes a multi-layer perceptron: Inputs features, one Linear
// layer per Hidden size, each followed by an activation, and a last Linear
// layer to Classes logits.
type MLPConfig[T tensor.Float] struct {
	Inputs  int
	Hidden  []int
	Classes int
	// Activation makes the module placed after each hidden Linear layer;
	// nil means ReLU.
	Activation func() Module[T]
	// BatchNorm puts a BatchNorm1d between each hidden Linear layer and its
	// activation.
	BatchNorm bool
}

// NewMLP returns the MLP as the Sequential PyTorch users write,
//
//	nn.Sequential(nn.Linear(in, h1), nn.ReLU(), nn.Linear(h1, h2), nn.ReLU(), …, nn.Linear(hk, classes))
//
// (with nn.BatchNorm1d(h) after each hidden Linear when BatchNorm is set) so
// that its parameters carry the same names ("0.weight", "0.bias",
// "2.weight", …). Weights are initialized as PyTorch's from rng. It panics if
// a size is not positive.
func NewMLP[T tensor.Float](c MLPConfig[T], rng *rand.Rand) *Sequential[T] {
	if c.Inputs <= 0 || c.Classes <= 0 {
		panic(fmt.Sprintf(errMLPSizes, c.Inputs, c.Hidden, c.Classes))
	}
	act := c.Activation
	if act == nil {
		act = func() Module[T] { return ReLU[T]{} }
	}
	s := NewSequential[T]()
	in := c.Inputs
	for _, h := range c.Hidden {
		if h <= 0 {
			panic(fmt.Sprintf(errMLPSizes, c.Inputs, c.Hidden, c.Classes))
		}
		s.Append(NewLinear[T](in, h, true, rng))
		if c.BatchNorm {
			s.Append(NewBatchNorm1d[T](h))
		}
		s.Append(act())
		in = h
	}
	s.Append(NewLinear[T](in, c.Classes, true, rng))
	return s
}
