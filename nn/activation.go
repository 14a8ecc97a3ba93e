package nn

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// stateless is embedded by modules without parameters, buffers or children.
type stateless[T tensor.Float] struct{}

// State is empty.
func (stateless[T]) State() State[T] { return State[T]{} }

// ReLU applies max(x, 0), as PyTorch's nn.ReLU.
type ReLU[T tensor.Float] struct{ stateless[T] }

// Forward returns max(x, 0).
func (ReLU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return functional.ReLU(x) }

// LeakyReLU applies x where x > 0 and Slope·x elsewhere, as PyTorch's
// nn.LeakyReLU; NewLeakyReLU gives PyTorch's default slope, 0.01.
type LeakyReLU[T tensor.Float] struct {
	stateless[T]
	Slope T
}

// NewLeakyReLU returns a LeakyReLU with PyTorch's default slope 0.01.
func NewLeakyReLU[T tensor.Float]() *LeakyReLU[T] { return &LeakyReLU[T]{Slope: 0.01} }

// Forward returns LeakyReLU(x).
func (l *LeakyReLU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.LeakyReLU(x, l.Slope)
}

// ELU applies x where x > 0 and Alpha·(eˣ − 1) elsewhere, as PyTorch's
// nn.ELU; NewELU gives PyTorch's default alpha, 1.
type ELU[T tensor.Float] struct {
	stateless[T]
	Alpha T
}

// NewELU returns an ELU with PyTorch's default alpha 1.
func NewELU[T tensor.Float]() *ELU[T] { return &ELU[T]{Alpha: 1} }

// Forward returns ELU(x).
func (e *ELU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return functional.ELU(x, e.Alpha) }

// Tanh applies the hyperbolic tangent, as PyTorch's nn.Tanh.
type Tanh[T tensor.Float] struct{ stateless[T] }

// Forward returns tanh x.
func (Tanh[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return functional.Tanh(x) }

// Sigmoid applies the logistic function, as PyTorch's nn.Sigmoid.
type Sigmoid[T tensor.Float] struct{ stateless[T] }

// Forward returns σ(x).
func (Sigmoid[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return functional.Sigmoid(x) }
