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

// Adam is the Adam optimizer (Kingma & Ba), with PyTorch's torch.optim.Adam
// update order and bias correction. Each parameter p keeps its own step
// count t, first moment m and second moment v; for a p with gradient ∇p,
// Step computes
//
//	t = t + 1
//	g = ∇p  (−∇p with Maximize)
//	g = g + λ·p
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
	name      string // "Adam" or "AdamW", for messages
	params    []*autograd.Var[T]
	cfg       AdamConfig
	decoupled bool
	states    []adamState[T]
	runs      []adamRun[T] // Step's, kept for their storage
}

// adamState is one parameter's state. The buffers are nil until the
// parameter's first update.
type adamState[T tensor.Float] struct {
	step                        int
	expAvg, expAvgSq, maxExpAvg *tensor.Tensor[T]
}

// NewAdam returns an Adam optimizer over params, which must be leaves. It
// starts from DefaultAdamConfig, PyTorch's defaults, and applies the options
// in order, a later one overriding an earlier one:
//
//	optim.NewAdam(params, optim.LR(0.01), optim.Betas(0, 0.99), optim.Eps(0))
//
// is torch.optim.Adam(params, lr=0.01, betas=(0, 0.99), eps=0). NewAdam
// panics if params is empty, holds nil, a non-leaf or the same Var twice,
// if an option is nil, or if a hyperparameter is out of range (η, ε, λ
// finite and ≥ 0; β₁, β₂ in [0, 1)).
func NewAdam[T tensor.Float](params []*autograd.Var[T], opts ...AdamOption) *Adam[T] {
	return &Adam[T]{newAdam("Adam", params, DefaultAdamConfig(), opts, false)}
}

// NewAdamW returns an AdamW optimizer over params, which must be leaves. It
// starts from DefaultAdamWConfig, PyTorch's defaults (weight decay 10⁻²),
// applies the options as NewAdam does, and panics as NewAdam does.
// optim.WeightDecay(0) turns the decay off.
func NewAdamW[T tensor.Float](params []*autograd.Var[T], opts ...AdamOption) *AdamW[T] {
	return &AdamW[T]{newAdam("AdamW", params, DefaultAdamWConfig(), opts, true)}
}

func newAdam[T tensor.Float](name string, params []*autograd.Var[T], cfg AdamConfig, opts []AdamOption, decoupled bool) adam[T] {
	ps := checkParams(name, params)
	for i, o := range opts {
		if !validOption(o) {
			panic(fmt.Sprintf(errNilOption, name, i))
		}
		o.applyAdam(&cfg)
	}
	checkHyper(name, "learning rate", cfg.LR)
	checkHyper(name, "epsilon", cfg.Eps)
	checkHyper(name, "weight decay", cfg.WeightDecay)
	for k, b := range cfg.Betas {
		if !(b >= 0 && b < 1) {
			panic(fmt.Sprintf(errBeta, name, k+1, b))
		}
	}
	return adam[T]{name: name, params: ps, cfg: cfg, decoupled: decoupled, states: make([]adamState[T], len(ps))}
}

// Config returns the hyperparameters in use, with the current learning
// rate.
func (o *adam[T]) Config() AdamConfig { return o.cfg }

// LR returns the learning rate of the next Step.
func (o *adam[T]) LR() float64 { return o.cfg.LR }

// SetLR sets the learning rate of the following Steps (AdamW's decay uses
// it too). It panics if lr is negative or not finite.
func (o *adam[T]) SetLR(lr float64) {
	checkHyper(o.name+".SetLR", "learning rate", lr)
	o.cfg.LR = lr
}

// Params returns (a copy of the list of) the parameters.
func (o *adam[T]) Params() []*autograd.Var[T] { return slices.Clone(o.params) }

// ZeroGrad clears every parameter's gradient to nil.
func (o *adam[T]) ZeroGrad() { zeroGrads(o.params) }

// Step updates every parameter that has a gradient and advances its step
// count; see Adam and AdamW. The gradients are read, not modified.
//
// The update is element by element, so the elements of all the parameters
// are split among goroutines as one run (adamRuns): a net of many small
// parameters and a few large ones, such as the course's ConvNet, keeps every
// core busy in one parallel loop instead of one loop per large parameter
// and none for the small ones, without changing a bit.
func (o *adam[T]) Step() {
	var (
		beta1, beta2 = o.cfg.Betas[0], o.cfg.Betas[1]
		b1, c1       = T(beta1), T(1 - beta1)
		b2, c2       = T(beta2), T(1 - beta2)
		eps          = T(o.cfg.Eps)
		l2           = T(0) // Adam's weight decay, added to the gradient
		decay        = T(1 - o.cfg.LR*o.cfg.WeightDecay)
		neg          = o.cfg.Maximize
		amsgrad      = o.cfg.Amsgrad
	)
	if !o.decoupled {
		l2 = T(o.cfg.WeightDecay)
	}
	runs := o.runs[:0]
	total := 0
	for i, p := range o.params {
		grad := p.Grad()
		if grad == nil {
			continue
		}
		s := &o.states[i]
		if s.expAvg == nil {
			s.expAvg = tensor.New[T](p.Shape()...)
			s.expAvgSq = tensor.New[T](p.Shape()...)
			if amsgrad {
				s.maxExpAvg = tensor.New[T](p.Shape()...)
			}
		}
		s.step++
		// Scalars in float64, as PyTorch computes them in Python floats.
		t := float64(s.step)
		stepSize := o.cfg.LR / (1 - math.Pow(beta1, t))
		bc2Sqrt := math.Sqrt(1 - math.Pow(beta2, t))
		// Multiplying by 1/√(1−β₂ᵗ) rather than dividing by its root, as
		// PyTorch does, saves a division per element and changes results by
		// at most an ulp.
		negStep, invSq := T(-stepSize), T(1/bc2Sqrt)

		x := p.Value().Data()
		r := adamRun[T]{
			start: total,
			x:     x,
			d:     grad.Data()[:len(x)],
			m:     s.expAvg.Data()[:len(x)],
			v:     s.expAvgSq.Data()[:len(x)],
			coeffs: vec.AdamCoeffs[T]{
				Beta1: b1, OneMinusBeta1: c1, Beta2: b2, OneMinusBeta2: c2,
				Eps: eps, NegStep: negStep, InvRootBias2: invSq,
			},
		}
		if amsgrad {
			r.vmax = s.maxExpAvg.Data()[:len(x)]
		}
		if neg {
			// Maximizing feeds −∇p to the update. (1−β₁)·(−g) is −((1−β₁)·g)
			// exactly, and the second moment's ((1−β₂)·(−g))·(−g) is
			// ((1−β₂)·g)·g exactly, so negating 1−β₁ alone gives PyTorch's
			// bits without a negated copy of the gradient.
			r.coeffs.OneMinusBeta1 = -c1
		}
		runs = append(runs, r)
		total += len(x)
	}
	o.runs = runs
	update := func(r *adamRun[T], lo, hi int) {
		x, d, m, v := r.x[lo:hi], r.d[lo:hi], r.m[lo:hi], r.v[lo:hi]
		if o.decoupled {
			for j := range x {
				x[j] *= decay
			}
		}
		if r.vmax == nil && l2 == 0 {
			// The common case, vectorized: PyTorch's addcdiv order,
			// (value·m)/denom.
			vec.Adam(x, d, m, v, r.coeffs)
			return
		}
		negStep, invSq := r.coeffs.NegStep, r.coeffs.InvRootBias2
		for j := range x {
			g := d[j]
			if neg {
				g = -g
			}
			if l2 != 0 { // Adam's weight decay enters through the gradient
				g += T(l2 * x[j])
			}
			mj := T(m[j]*b1) + T(c1*g)
			vj := T(v[j]*b2) + T(T(c2*g)*g)
			m[j], v[j] = mj, vj
			if r.vmax != nil {
				r.vmax[lo+j] = max(r.vmax[lo+j], vj)
				vj = r.vmax[lo+j]
			}
			x[j] += T(negStep*mj) / (T(T(math.Sqrt(float64(vj)))*invSq) + eps)
		}
	}
	parallel.Chunks(total, parallel.Grain, func(lo, hi int) { adamRuns(runs, lo, hi, update) })
	clear(o.runs) // do not keep the parameters' buffers alive between steps
}

// adamRun is one parameter's share of a Step: its elements are elements
// start to start+len(x) of the run of all the parameters', and its
// coefficients those of its own step count.
type adamRun[T tensor.Float] struct {
	start      int
	x, d, m, v []T
	vmax       []T // nil without Amsgrad
	coeffs     vec.AdamCoeffs[T]
}

// adamRuns calls f on the part of each run that falls in elements [lo, hi)
// of all the runs, in order, with bounds relative to the run.
func adamRuns[T tensor.Float](runs []adamRun[T], lo, hi int, f func(r *adamRun[T], lo, hi int)) {
	for i := range runs {
		r := &runs[i]
		a, b := max(lo, r.start), min(hi, r.start+len(r.x))
		if a < b {
			f(r, a-r.start, b-r.start)
		}
	}
}

// adamKeys returns the names of a parameter's state entries, in the order
// State lists them.
func (o *adam[T]) adamKeys() []string {
	if o.cfg.Amsgrad {
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
		if o.cfg.Amsgrad {
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
		if o.cfg.Amsgrad {
			o.states[i].maxExpAvg = ts[3]
		}
	}
	return nil
}
