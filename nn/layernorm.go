package nn

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// LayerNorm is layer normalization over the last axes of its input, as
// PyTorch's nn.LayerNorm(normalized_shape, eps, elementwise_affine, bias):
// for an input of shape …×S, S = NormalizedShape,
//
//	y = γ ⊙ (x − μ)/√(σ² + Eps) + β
//
// with μ and the biased σ² taken over the last len(S) axes of each sample,
// the same in training and in evaluation. It uses the fused op
// (ops.LayerNorm through functional.LayerNorm), or the composed one
// (functional.LayerNormComposed) when Composed is set.
//
// Weight (γ, ones) and Bias (β, zeros) have shape S; Weight and Bias are
// both nil without the affine map (elementwise_affine=False), and Bias
// alone is nil with bias=False (PyTorch 2.x's flag). The state lists
// parameters "weight" and "bias", those that are not nil, as PyTorch's
// state_dict.
type LayerNorm[T tensor.Float] struct {
	NormalizedShape []int
	Eps             T // default 1e-5
	Composed        bool
	Weight, Bias    *autograd.Var[T]
}

// LayerNormOption is an argument of PyTorch's nn.LayerNorm beyond
// normalized_shape, given to NewLayerNorm, which applies them in order
// from PyTorch's defaults (eps 1e-5, elementwise_affine, bias).
type LayerNormOption func(*layerNormConfig)

type layerNormConfig struct {
	eps              float64
	noAffine, noBias bool
}

// LayerNormEps sets eps, added to the variance (PyTorch's eps=).
func LayerNormEps(eps float64) LayerNormOption {
	return func(c *layerNormConfig) { c.eps = eps }
}

// LayerNormElementwiseAffine says whether the module has the learnable γ
// and β (PyTorch's elementwise_affine=; true by default).
func LayerNormElementwiseAffine(affine bool) LayerNormOption {
	return func(c *layerNormConfig) { c.noAffine = !affine }
}

// LayerNormBias says whether the affine map has β (PyTorch 2.x's bias=;
// true by default).
func LayerNormBias(bias bool) LayerNormOption {
	return func(c *layerNormConfig) { c.noBias = !bias }
}

// NewLayerNorm returns layer norm over the trailing axes of shape
// normalizedShape, as PyTorch's nn.LayerNorm(normalized_shape, ...) with the
// options given: γ = 1, β = 0, eps 1e-5 by default. PyTorch's
// nn.LayerNorm(10) is NewLayerNorm[T]([]int{10}). It panics if
// normalizedShape is empty or has a size that is not positive.
func NewLayerNorm[T tensor.Float](normalizedShape []int, opts ...LayerNormOption) *LayerNorm[T] {
	checkNormShape("LayerNorm", normalizedShape)
	cfg := layerNormConfig{eps: 1e-5}
	for _, o := range opts {
		o(&cfg)
	}
	s := append([]int(nil), normalizedShape...)
	ln := &LayerNorm[T]{NormalizedShape: s, Eps: T(cfg.eps)}
	if !cfg.noAffine {
		ln.Weight = autograd.NewParam(tensor.Ones[T](s...))
		if !cfg.noBias {
			ln.Bias = autograd.NewParam(tensor.New[T](s...))
		}
	}
	return ln
}

// Forward normalizes x. It panics if x does not end in NormalizedShape.
func (ln *LayerNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	checkNormInput("LayerNorm", ln.NormalizedShape, x)
	if ln.Composed {
		return functional.LayerNormComposed(x, ln.NormalizedShape, ln.Weight, ln.Bias, ln.Eps)
	}
	return functional.LayerNorm(x, ln.NormalizedShape, ln.Weight, ln.Bias, ln.Eps)
}

// State lists "weight" and "bias", leaving out those that are nil.
func (ln *LayerNorm[T]) State() State[T] {
	var st State[T]
	if ln.Weight != nil {
		st.Params = append(st.Params, Param[T]{Name: "weight", Var: ln.Weight})
	}
	if ln.Bias != nil {
		st.Params = append(st.Params, Param[T]{Name: "bias", Var: ln.Bias})
	}
	return st
}

// RMSNorm is root-mean-square normalization over the last axes of its
// input, as PyTorch 2.x's nn.RMSNorm(normalized_shape, eps,
// elementwise_affine): for an input of shape …×S, S = NormalizedShape,
//
//	y = γ ⊙ x/√(mean(x²) + Eps)
//
// with the mean over the last len(S) axes. PyTorch's default eps=None means
// the machine epsilon of the input's dtype (torch.finfo(dtype).eps); Go has
// no None for a float, so NewRMSNorm sets Eps to that epsilon of T
// (2⁻²³ for float32, 2⁻⁵² for float64) unless RMSNormEps gives one. It
// uses the fused op ops.RMSNorm, or functional.RMSNormComposed when
// Composed is set. Weight (γ, ones, shape S) is nil without the affine map
// (elementwise_affine=False); the state lists the parameter "weight".
type RMSNorm[T tensor.Float] struct {
	NormalizedShape []int
	Eps             T
	Composed        bool
	Weight          *autograd.Var[T]
}

// RMSNormOption is an argument of PyTorch's nn.RMSNorm beyond
// normalized_shape, given to NewRMSNorm.
type RMSNormOption func(*rmsNormConfig)

type rmsNormConfig struct {
	eps      *float64
	noAffine bool
}

// RMSNormEps sets eps, added to the mean square (PyTorch's eps= a float).
func RMSNormEps(eps float64) RMSNormOption {
	return func(c *rmsNormConfig) { c.eps = &eps }
}

// RMSNormElementwiseAffine says whether the module has the learnable γ
// (PyTorch's elementwise_affine=; true by default).
func RMSNormElementwiseAffine(affine bool) RMSNormOption {
	return func(c *rmsNormConfig) { c.noAffine = !affine }
}

// NewRMSNorm returns RMS norm over the trailing axes of shape
// normalizedShape, as PyTorch 2.x's nn.RMSNorm(normalized_shape, ...):
// γ = 1, eps the machine epsilon of T by default. It panics if
// normalizedShape is empty or has a size that is not positive.
func NewRMSNorm[T tensor.Float](normalizedShape []int, opts ...RMSNormOption) *RMSNorm[T] {
	checkNormShape("RMSNorm", normalizedShape)
	var cfg rmsNormConfig
	for _, o := range opts {
		o(&cfg)
	}
	s := append([]int(nil), normalizedShape...)
	m := &RMSNorm[T]{NormalizedShape: s, Eps: machineEpsilon[T]()}
	if cfg.eps != nil {
		m.Eps = T(*cfg.eps)
	}
	if !cfg.noAffine {
		m.Weight = autograd.NewParam(tensor.Ones[T](s...))
	}
	return m
}

// Forward normalizes x. It panics if x does not end in NormalizedShape.
func (m *RMSNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	checkNormInput("RMSNorm", m.NormalizedShape, x)
	if m.Composed {
		return functional.RMSNormComposed(x, m.NormalizedShape, m.Weight, m.Eps)
	}
	return functional.RMSNorm(x, m.NormalizedShape, m.Weight, m.Eps)
}

// State lists "weight" unless it is nil.
func (m *RMSNorm[T]) State() State[T] {
	var st State[T]
	if m.Weight != nil {
		st.Params = append(st.Params, Param[T]{Name: "weight", Var: m.Weight})
	}
	return st
}

// machineEpsilon is the distance from 1 to the next value of T, PyTorch's
// torch.finfo(dtype).eps.
func machineEpsilon[T tensor.Float]() T {
	if _, ok := any(T(0)).(float32); ok {
		return T(math.Nextafter32(1, 2) - 1)
	}
	return T(math.Nextafter(1, 2) - 1)
}

func checkNormShape(name string, s []int) {
	ok := len(s) > 0
	for _, n := range s {
		ok = ok && n > 0
	}
	if !ok {
		panic(fmt.Sprintf(errLNShape, name, s))
	}
}

func checkNormInput[T tensor.Float](name string, s []int, x *autograd.Var[T]) {
	xs := x.Shape()
	if len(s) > len(xs) || !tensor.EqualShapes(xs[len(xs)-len(s):], s) {
		panic(fmt.Sprintf(errLNInput, name, s, xs))
	}
}
