package optim

import (
	"fmt"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// Optimizer updates a fixed list of parameters from their gradients. SGD,
// Adam and AdamW implement it.
type Optimizer[T tensor.Float] interface {
	// Step updates every parameter that has a gradient, in place, and
	// advances the optimizer's state for it. Parameters whose gradient is
	// nil are skipped: their values and state stay as they are.
	Step()
	// ZeroGrad clears the gradient of every parameter (to nil, PyTorch's
	// set_to_none), so that the next backward pass starts from zero.
	ZeroGrad()
	// Params returns the parameters, in the order the state names them by.
	Params() []*autograd.Var[T]
	// LR returns the learning rate the next Step uses.
	LR() float64
	// SetLR sets the learning rate of the following Steps; schedules call it
	// between steps. It panics if lr is negative or not finite.
	SetLR(lr float64)
	// State returns a copy of the per-parameter state, named as in
	// PyTorch's optimizer state_dict ("0.exp_avg", …); see LoadState.
	State() []NamedTensor[T]
	// LoadState replaces the state with a copy of one that State returned,
	// after checking every entry's name and shape. On error the state is
	// left as it was.
	LoadState(state []NamedTensor[T]) error
}

// checkParams validates an optimizer's parameter list and returns a copy of
// it: at least one parameter, none nil, none computed by an op, none twice.
func checkParams[T tensor.Float](who string, params []*autograd.Var[T]) []*autograd.Var[T] {
	if len(params) == 0 {
		panic(fmt.Sprintf(errNoParams, who))
	}
	seen := make(map[*autograd.Var[T]]int, len(params))
	for i, p := range params {
		if p == nil {
			panic(fmt.Sprintf(errNilParam, who, i))
		}
		if !p.IsLeaf() {
			panic(fmt.Sprintf(errNotLeaf, who, i, p))
		}
		if j, ok := seen[p]; ok {
			panic(fmt.Sprintf(errDupParam, who, i, j))
		}
		seen[p] = i
	}
	return slices.Clone(params)
}

// checkHyper panics unless the hyperparameter v is finite and ≥ 0.
func checkHyper(who, name string, v float64) {
	if !(v >= 0) || math.IsInf(v, 0) {
		panic(fmt.Sprintf(errHyper, who, name, v))
	}
}

// checkFinite panics unless the hyperparameter v is finite.
func checkFinite(who, name string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		panic(fmt.Sprintf(errFinite, who, name, v))
	}
}

// zeroGrads clears every parameter's gradient.
func zeroGrads[T tensor.Float](params []*autograd.Var[T]) {
	for _, p := range params {
		p.ZeroGrad()
	}
}
