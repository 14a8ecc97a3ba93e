package optim

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/tensor"
)

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum, weight decay and maximization, with PyTorch's
// torch.optim.SGD update order. For each parameter p with gradient ∇p, Step
// computes
//
//	g = ∇p  (−∇p with Maximize)
//	g = g + λ·p
//	b = g                         on p's first update (a copy)
//	b = μ·b + (1 − d)·g           on later ones          (only if μ ≠ 0)
//	g = g + μ·b  with Nesterov,  g = b  without          (only if μ ≠ 0)
//	p = p − η·g
//
// The momentum buffer b is the state, named "<i>.momentum_buffer"; without
// momentum SGD keeps no state.
type SGD[T tensor.Float] struct {
	params []*autograd.Var[T]
	cfg    SGDConfig
	bufs   []*tensor.Tensor[T] // momentum buffers; nil until a parameter's first update
}

// Interface check.
var _ Optimizer[float64] = (*SGD[float64])(nil)

// NewSGD returns an SGD optimizer over params, which must be leaves (made by
// autograd.NewParam, say). It starts from DefaultSGDConfig, PyTorch's
// defaults, and applies the options in order, a later one overriding an
// earlier one:
//
//	optim.NewSGD(params, optim.LR(0.1), optim.Momentum(0.9), optim.Nesterov(true))
//
// is torch.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True). NewSGD
// panics if params is empty, holds nil, a non-leaf or the same Var twice,
// if an option is nil, if the learning rate, momentum or weight decay is
// negative or not finite, if the dampening is not finite, or if Nesterov is
// set without momentum or with dampening (as PyTorch raises).
func NewSGD[T tensor.Float](params []*autograd.Var[T], opts ...SGDOption) *SGD[T] {
	ps := checkParams("SGD", params)
	cfg := DefaultSGDConfig()
	for i, o := range opts {
		if !validOption(o) {
			panic(fmt.Sprintf(errNilOption, "SGD", i))
		}
		o.applySGD(&cfg)
	}
	checkHyper("SGD", "learning rate", cfg.LR)
	checkHyper("SGD", "momentum", cfg.Momentum)
	checkFinite("SGD", "dampening", cfg.Dampening)
	checkHyper("SGD", "weight decay", cfg.WeightDecay)
	if cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0) {
		panic(fmt.Sprintf(errNesterov, cfg.Momentum, cfg.Dampening))
	}
	return &SGD[T]{params: ps, cfg: cfg, bufs: make([]*tensor.Tensor[T], len(ps))}
}

// Config returns the hyperparameters in use, with the current learning
// rate.
func (o *SGD[T]) Config() SGDConfig { return o.cfg }

// LR returns the learning rate of the next Step.
func (o *SGD[T]) LR() float64 { return o.cfg.LR }

// SetLR sets the learning rate of the following Steps. It panics if lr is
// negative or not finite.
func (o *SGD[T]) SetLR(lr float64) {
	checkHyper("SGD.SetLR", "learning rate", lr)
	o.cfg.LR = lr
}

// Params returns (a copy of the list of) the parameters.
func (o *SGD[T]) Params() []*autograd.Var[T] { return slices.Clone(o.params) }

// ZeroGrad clears every parameter's gradient to nil.
func (o *SGD[T]) ZeroGrad() { zeroGrads(o.params) }

// Step updates every parameter that has a gradient; see SGD. The gradients
// are read, not modified.
func (o *SGD[T]) Step() {
	var (
		lr   = T(o.cfg.LR)
		wd   = T(o.cfg.WeightDecay)
		mu   = T(o.cfg.Momentum)
		keep = T(1 - o.cfg.Dampening)
		neg  = o.cfg.Maximize
	)
	for i, p := range o.params {
		grad := p.Grad()
		if grad == nil {
			continue
		}
		x, d := p.Value().Data(), grad.Data()
		d = d[:len(x)]
		if o.cfg.Momentum == 0 {
			parallel.Chunks(len(x), parallel.Grain, func(lo, hi int) {
				if wd == 0 {
					// p − η·(−∇p) and p + η·∇p round alike: negation is exact.
					alpha := -lr
					if neg {
						alpha = lr
					}
					vec.AddScaled(x[lo:hi], alpha, d[lo:hi])
					return
				}
				for j := lo; j < hi; j++ {
					g := d[j]
					if neg {
						g = -g
					}
					g += T(wd * x[j])
					x[j] += T(-lr * g)
				}
			})
			continue
		}
		first := o.bufs[i] == nil
		if first {
			o.bufs[i] = tensor.New[T](p.Shape()...)
		}
		b := o.bufs[i].Data()[:len(x)]
		// Every product is rounded before the sum (T(…)), as on amd64 and
		// as internal/vec rounds, so that no platform fuses a multiply-add.
		parallel.Chunks(len(x), parallel.Grain, func(lo, hi int) {
			for j := lo; j < hi; j++ {
				g := d[j]
				if neg {
					g = -g
				}
				if wd != 0 {
					g += T(wd * x[j])
				}
				if first {
					b[j] = g
				} else {
					b[j] = T(b[j]*mu) + T(keep*g)
				}
				if o.cfg.Nesterov {
					g += T(mu * b[j])
				} else {
					g = b[j]
				}
				x[j] += T(-lr * g)
			}
		})
	}
}

// sgdKey is the name of SGD's one state entry per parameter.
const sgdKey = "momentum_buffer"

// State returns copies of the momentum buffers that exist, named
// "<i>.momentum_buffer", in parameter order; nothing without momentum.
func (o *SGD[T]) State() []NamedTensor[T] {
	var st []NamedTensor[T]
	for i, b := range o.bufs {
		if b != nil {
			st = append(st, NamedTensor[T]{Name: stateName(i, sgdKey), Tensor: b.Clone()})
		}
	}
	return st
}

// LoadState replaces the momentum buffers with copies of those in state, as
// State returned them. A parameter without an entry gets no buffer: its next
// update starts the momentum afresh, as its first one would. LoadState
// returns an error naming the entry if a name is malformed, names a
// parameter that does not exist, a key SGD does not keep (any key at all
// without momentum), or appears twice, or if a tensor is nil or has the
// wrong shape; the state is then left as it was.
func (o *SGD[T]) LoadState(state []NamedTensor[T]) error {
	var keys []string
	if o.cfg.Momentum != 0 {
		keys = []string{sgdKey}
	}
	parsed, err := parseState("SGD", o.params, keys, state)
	if err != nil {
		return err
	}
	for i, ts := range parsed {
		o.bufs[i] = nil
		if ts != nil {
			o.bufs[i] = ts[0]
		}
	}
	return nil
}
