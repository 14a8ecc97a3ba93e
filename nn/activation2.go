package nn

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// The activation modules of issue 18, each PyTorch's nn class of the same
// name, its constructor giving PyTorch's defaults.

// GELU applies x Φ(x), as PyTorch's nn.GELU: Approximate is "none" or
// "tanh"; NewGELU gives PyTorch's default, "none".
type GELU[T tensor.Float] struct {
	stateless[T]
	Approximate string
}

// NewGELU returns a GELU with PyTorch's default approximate "none".
func NewGELU[T tensor.Float]() *GELU[T] { return &GELU[T]{Approximate: "none"} }

// Forward returns GELU(x).
func (g *GELU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.GELU(x, g.Approximate)
}

// SiLU applies x σ(x), as PyTorch's nn.SiLU.
type SiLU[T tensor.Float] struct{ stateless[T] }

// Forward returns x σ(x).
func (SiLU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return functional.SiLU(x) }

// Softplus applies ln(1 + e^(Beta·x))/Beta, linear where Beta·x >
// Threshold, as PyTorch's nn.Softplus; NewSoftplus gives PyTorch's
// defaults, beta 1 and threshold 20.
type Softplus[T tensor.Float] struct {
	stateless[T]
	Beta, Threshold T
}

// NewSoftplus returns a Softplus with PyTorch's defaults beta 1 and
// threshold 20.
func NewSoftplus[T tensor.Float]() *Softplus[T] { return &Softplus[T]{Beta: 1, Threshold: 20} }

// Forward returns Softplus(x).
func (s *Softplus[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.Softplus(x, s.Beta, s.Threshold)
}

// Mish applies x tanh(softplus(x)), as PyTorch's nn.Mish.
type Mish[T tensor.Float] struct{ stateless[T] }

// Forward returns Mish(x).
func (Mish[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return functional.Mish(x) }

// Hardtanh clamps to [MinVal, MaxVal], with a zero gradient at the bounds,
// as PyTorch's nn.Hardtanh; NewHardtanh gives PyTorch's defaults, −1 and 1.
type Hardtanh[T tensor.Float] struct {
	stateless[T]
	MinVal, MaxVal T
}

// NewHardtanh returns a Hardtanh with PyTorch's defaults min_val −1 and
// max_val 1.
func NewHardtanh[T tensor.Float]() *Hardtanh[T] { return &Hardtanh[T]{MinVal: -1, MaxVal: 1} }

// Forward returns Hardtanh(x).
func (h *Hardtanh[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.Hardtanh(x, h.MinVal, h.MaxVal)
}

// ReLU6 applies min(max(x, 0), 6), as PyTorch's nn.ReLU6 (Hardtanh(0, 6)).
type ReLU6[T tensor.Float] struct{ stateless[T] }

// Forward returns ReLU6(x).
func (ReLU6[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return functional.ReLU6(x) }

// Hardswish applies x·relu6(x + 3)/6, as PyTorch's nn.Hardswish.
type Hardswish[T tensor.Float] struct{ stateless[T] }

// Forward returns Hardswish(x).
func (Hardswish[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return functional.Hardswish(x) }

// Hardsigmoid applies relu6(x + 3)/6, as PyTorch's nn.Hardsigmoid.
type Hardsigmoid[T tensor.Float] struct{ stateless[T] }

// Forward returns Hardsigmoid(x).
func (Hardsigmoid[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.Hardsigmoid(x)
}

// Softsign applies x / (1 + |x|), as PyTorch's nn.Softsign.
type Softsign[T tensor.Float] struct{ stateless[T] }

// Forward returns Softsign(x).
func (Softsign[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return functional.Softsign(x) }

// LogSigmoid applies ln σ(x), as PyTorch's nn.LogSigmoid.
type LogSigmoid[T tensor.Float] struct{ stateless[T] }

// Forward returns ln σ(x).
func (LogSigmoid[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.LogSigmoid(x)
}

// PReLU is PyTorch's nn.PReLU: x where x > 0 and w·x elsewhere, with a
// learned slope, one for all channels or one per channel (axis 1 of the
// input), the parameter "weight" of shape [num_parameters].
type PReLU[T tensor.Float] struct {
	Weight *autograd.Var[T]
}

// NewPReLU returns a PReLU of numParameters slopes (PyTorch's default 1;
// or the number of channels), each initialized to init (PyTorch's default
// 0.25). It panics unless numParameters is positive.
func NewPReLU[T tensor.Float](numParameters int, init T) *PReLU[T] {
	if numParameters <= 0 {
		panic(fmt.Sprintf(errPReLUParams, numParameters))
	}
	w := tensor.New[T](numParameters)
	w.Fill(init)
	return &PReLU[T]{Weight: autograd.NewParam(w)}
}

// Forward returns PReLU(x). It panics, as ops.PReLU, unless the weight has
// one element or one per channel of x.
func (p *PReLU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.PRelu(x, p.Weight)
}

// State lists "weight".
func (p *PReLU[T]) State() State[T] {
	return State[T]{Params: []Param[T]{{Name: "weight", Var: p.Weight}}}
}
