package optim

import (
	"fmt"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/tensor"
)

// PyTorch's defaults for Adam and AdamW, used where a config field is zero.
const (
	DefaultAdamLR           = 1e-3
	DefaultAdamBeta1        = 0.9
	DefaultAdamBeta2        = 0.999
	DefaultAdamEps          = 1e-8
	DefaultAdamWWeightDecay = 1e-2
)

// AdamConfig holds the hyperparameters of Adam. A zero LR, a zero Betas
// pair or a zero Eps means PyTorch's default (DefaultAdamLR, {DefaultAdamBeta1,
// DefaultAdamBeta2}, DefaultAdamEps). Any other Betas pair is taken as is, so
// a zero β₁ or β₂ alone is expressible ({0, 0.999}); only β₁ = β₂ = 0 is not.
// WeightDecay's zero is PyTorch's default and means none.
type AdamConfig struct {
	LR          float64    // learning rate η
	Betas       [2]float64 // decay rates β₁, β₂ of the moment estimates
	Eps         float64    // ε added to the denominator
	WeightDecay float64    // L2 penalty λ, added to the gradient
	Amsgrad     bool       // normalize by the running maximum of v̂ (AMSGrad)
}

// AdamWConfig holds the hyperparameters of AdamW. LR, Betas and Eps default
// as in AdamConfig. WeightDecay is the decoupled decay rate: nil means
// PyTorch's DefaultAdamWWeightDecay; point it at 0 for none.
type AdamWConfig struct {
	LR          float64
	Betas       [2]float64
	Eps         float64
	WeightDecay *float64
	Amsgrad     bool
}

// Adam is the Adam optimizer (Kingma & Ba), with PyTorch's torch.optim.Adam
// update order and bias correction. Each parameter p keeps its own step
// count t, first moment m and second moment v; for a p with gradient ∇p,
// Step computes
//
//	t = t + 1
//	g = ∇p + λ·p
//	m = β₁·m + (1 − β₁)·g
//	v = β₂·v + (1 − β₂)·g²
//	p = p − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
//
// With Amsgrad, v in the last line is replaced by the running maximum of v.
// The state of parameter i is named "<i>.step", "<i>.exp_avg",
// "<i>.exp_avg_sq" (and "<i>.max_exp_avg_sq").
type Adam[T tensor.Float] struct{ adam[T] }

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter), as
// torch.optim.AdamW: before Adam's update (with no L2 term in g), Step
// shrinks each parameter that has a gradient,
//
//	p = p · (1 − η·λ)
//
// using the current learning rate. Its state is Adam's.
type AdamW[T tensor.Float] struct{ adam[T] }

// Interface checks.
var (
	_ Optimizer[float64] = (*Adam[float64])(nil)
	_ Optimizer[float32] = (*AdamW[float32])(nil)
)

// adam is the update Adam and AdamW share; decoupled selects AdamW's
// weight decay.
type adam[T tensor.Float] struct {
	name                  string // "Adam" or "AdamW", for messages
	params                []*autograd.Var[T]
	lr, beta1, beta2, eps float64
	weightDecay           float64
	decoupled, amsgrad    bool
	states                []adamState[T]
}

// adamState is one parameter's state. The buffers are nil until the
// parameter's first update.
type adamState[T tensor.Float] struct {
	step                        int
	expAvg, expAvgSq, maxExpAvg *tensor.Tensor[T]
}

// NewAdam returns an Adam optimizer over params, which must be leaves.
// NewAdam panics if params is empty, holds nil, a non-leaf or the same Var
// twice, or if a hyperparameter is out of range (η, ε, λ ≥ 0; β in [0, 1)).
func NewAdam[T tensor.Float](params []*autograd.Var[T], cfg AdamConfig) *Adam[T] {
	return &Adam[T]{newAdam("Adam", params, cfg.LR, cfg.Betas, cfg.Eps, cfg.WeightDecay, false, cfg.Amsgrad)}
}

// NewAdamW returns an AdamW optimizer over params, which must be leaves. It
// panics as NewAdam does.
func NewAdamW[T tensor.Float](params []*autograd.Var[T], cfg AdamWConfig) *AdamW[T] {
	wd := DefaultAdamWWeightDecay
	if cfg.WeightDecay != nil {
		wd = *cfg.WeightDecay
	}
	return &AdamW[T]{newAdam("AdamW", params, cfg.LR, cfg.Betas, cfg.Eps, wd, true, cfg.Amsgrad)}
}

func newAdam[T tensor.Float](name string, params []*autograd.Var[T], lr float64, betas [2]float64, eps, wd float64, decoupled, amsgrad bool) adam[T] {
	ps := checkParams(name, params)
	if lr == 0 {
		lr = DefaultAdamLR
	}
	if betas == [2]float64{} {
		betas = [2]float64{DefaultAdamBeta1, DefaultAdamBeta2}
	}
	if eps == 0 {
		eps = DefaultAdamEps
	}
	checkHyper(name, "learning rate", lr)
	checkHyper(name, "epsilon", eps)
	checkHyper(name, "weight decay", wd)
	for k, b := range betas {
		if !(b >= 0 && b < 1) {
			panic(fmt.Sprintf(errBeta, name, k+1, b))
		}
	}
	return adam[T]{
		name: name, params: ps,
		lr: lr, beta1: betas[0], beta2: betas[1], eps: eps, weightDecay: wd,
		decoupled: decoupled, amsgrad: amsgrad,
		states: make([]adamState[T], len(ps)),
	}
}

// Config returns the hyperparameters in use, defaults filled in and with
// the current learning rate.
func (o *Adam[T]) Config() AdamConfig {
	return AdamConfig{LR: o.lr, Betas: [2]float64{o.beta1, o.beta2}, Eps: o.eps, WeightDecay: o.weightDecay, Amsgrad: o.amsgrad}
}

// Config returns the hyperparameters in use, defaults filled in and with
// the current learning rate.
func (o *AdamW[T]) Config() AdamWConfig {
	wd := o.weightDecay
	return AdamWConfig{LR: o.lr, Betas: [2]float64{o.beta1, o.beta2}, Eps: o.eps, WeightDecay: &wd, Amsgrad: o.amsgrad}
}

// LR returns the learning rate of the next Step.
func (o *adam[T]) LR() float64 { return o.lr }

// SetLR sets the learning rate of the following Steps (AdamW's decay uses
// it too). It panics if lr is negative or not finite.
func (o *adam[T]) SetLR(lr float64) {
	checkHyper(o.name+".SetLR", "learning rate", lr)
	o.lr = lr
}

// Params returns (a copy of the list of) the parameters.
func (o *adam[T]) Params() []*autograd.Var[T] { return slices.Clone(o.params) }

// ZeroGrad clears every parameter's gradient to nil.
func (o *adam[T]) ZeroGrad() { zeroGrads(o.params) }

// Step updates every parameter that has a gradient and advances its step
// count; see Adam and AdamW. The gradients are read, not modified.
func (o *adam[T]) Step() {
	var (
		b1, c1 = T(o.beta1), T(1 - o.beta1)
		b2, c2 = T(o.beta2), T(1 - o.beta2)
		eps    = T(o.eps)
		l2     = T(0) // Adam's weight decay, added to the gradient
		decay  = T(1 - o.lr*o.weightDecay)
	)
	if !o.decoupled {
		l2 = T(o.weightDecay)
	}
	for i, p := range o.params {
		grad := p.Grad()
		if grad == nil {
			continue
		}
		s := &o.states[i]
		if s.expAvg == nil {
			s.expAvg = tensor.New[T](p.Shape()...)
			s.expAvgSq = tensor.New[T](p.Shape()...)
			if o.amsgrad {
				s.maxExpAvg = tensor.New[T](p.Shape()...)
			}
		}
		s.step++
		// Scalars in float64, as PyTorch computes them in Python floats.
		t := float64(s.step)
		stepSize := o.lr / (1 - math.Pow(o.beta1, t))
		bc2Sqrt := math.Sqrt(1 - math.Pow(o.beta2, t))
		// Multiplying by 1/√(1−β₂ᵗ) rather than dividing by its root, as
		// PyTorch does, saves a division per element and changes results by
		// at most an ulp.
		negStep, invSq := T(-stepSize), T(1/bc2Sqrt)

		x := p.Value().Data()
		d := grad.Data()[:len(x)]
		m := s.expAvg.Data()[:len(x)]
		v := s.expAvgSq.Data()[:len(x)]
		var vmax []T
		if o.amsgrad {
			vmax = s.maxExpAvg.Data()[:len(x)]
		}
		// Element by element, so large parameters are split among goroutines
		// without changing a bit. The options are tested once per chunk, not
		// per element.
		coeffs := vec.AdamCoeffs[T]{
			Beta1: b1, OneMinusBeta1: c1, Beta2: b2, OneMinusBeta2: c2,
			Eps: eps, NegStep: negStep, InvRootBias2: invSq,
		}
		parallel.Chunks(len(x), parallel.Grain, func(lo, hi int) {
			x, d, m, v := x[lo:hi], d[lo:hi], m[lo:hi], v[lo:hi]
			if o.decoupled {
				for j := range x {
					x[j] *= decay
				}
			}
			if vmax == nil && l2 == 0 {
				// The common case, vectorized: PyTorch's addcdiv order,
				// (value·m)/denom.
				vec.Adam(x, d, m, v, coeffs)
				return
			}
			for j := range x {
				g := d[j]
				if l2 != 0 { // Adam's weight decay enters through the gradient
					g += l2 * x[j]
				}
				mj := T(m[j]*b1) + T(c1*g)
				vj := T(v[j]*b2) + T(T(c2*g)*g)
				m[j], v[j] = mj, vj
				if vmax != nil {
					vmax[lo+j] = max(vmax[lo+j], vj)
					vj = vmax[lo+j]
				}
				x[j] += T(negStep*mj) / (T(T(math.Sqrt(float64(vj)))*invSq) + eps)
			}
		})
	}
}

// adamKeys returns the names of a parameter's state entries, in the order
// State lists them.
func (o *adam[T]) adamKeys() []string {
	if o.amsgrad {
		return []string{stepKey, "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
	}
	return []string{stepKey, "exp_avg", "exp_avg_sq"}
}

// State returns copies of the state of every parameter that has been
// updated, in parameter order: "<i>.step" (a scalar), "<i>.exp_avg",
// "<i>.exp_avg_sq" and, with Amsgrad, "<i>.max_exp_avg_sq".
func (o *adam[T]) State() []NamedTensor[T] {
	keys := o.adamKeys()
	var st []NamedTensor[T]
	for i, s := range o.states {
		if s.expAvg == nil {
			continue
		}
		ts := []*tensor.Tensor[T]{tensor.Scalar(T(s.step)), s.expAvg.Clone(), s.expAvgSq.Clone()}
		if o.amsgrad {
			ts = append(ts, s.maxExpAvg.Clone())
		}
		for k, t := range ts {
			st = append(st, NamedTensor[T]{Name: stateName(i, keys[k]), Tensor: t})
		}
	}
	return st
}

// LoadState replaces the state with copies of the entries in state, as
// State returned them. A parameter without entries starts afresh (step 0).
// LoadState returns an error naming the entry if a name is malformed, names
// a parameter that does not exist, a key this optimizer does not keep
// (max_exp_avg_sq without Amsgrad, say) or appears twice, if a tensor is nil
// or has the wrong shape, if a step is not a whole number ≥ 0, or if a
// parameter has some of its entries but not all; the state is then left as
// it was.
func (o *adam[T]) LoadState(state []NamedTensor[T]) error {
	parsed, err := parseState(o.name, o.params, o.adamKeys(), state)
	if err != nil {
		return err
	}
	for i, ts := range parsed {
		o.states[i] = adamState[T]{}
		if ts == nil {
			continue
		}
		step, _ := wholeStep(ts[0].Item())
		o.states[i] = adamState[T]{step: step, expAvg: ts[1], expAvgSq: ts[2]}
		if o.amsgrad {
			o.states[i].maxExpAvg = ts[3]
		}
	}
	return nil
}
