package optim

// SGDConfig holds the hyperparameters of SGD, as Config reports them.
// DefaultSGDConfig gives PyTorch's defaults. NewSGD does not take a config:
// it starts from the defaults and applies options (see the package
// documentation for why).
type SGDConfig struct {
	LR          float64 // learning rate η
	Momentum    float64 // momentum factor μ; 0 is plain SGD
	Dampening   float64 // dampening d of the momentum update
	WeightDecay float64 // L2 penalty λ, added to the gradient
	Nesterov    bool    // Nesterov momentum; needs Momentum > 0 and Dampening = 0
	Maximize    bool    // ascend the objective: the gradient's sign is flipped
}

// AdamConfig holds the hyperparameters of Adam and of AdamW, as Config
// reports them. DefaultAdamConfig and DefaultAdamWConfig give PyTorch's
// defaults; NewAdam and NewAdamW start from them and apply options.
type AdamConfig struct {
	LR    float64    // learning rate η
	Betas [2]float64 // decay rates β₁, β₂ of the moment estimates
	Eps   float64    // ε added to the denominator
	// WeightDecay is λ: Adam's L2 penalty, added to the gradient, or
	// AdamW's decoupled decay rate, p ← p·(1 − η·λ).
	WeightDecay float64
	Amsgrad     bool // normalize by the running maximum of v (AMSGrad)
	Maximize    bool // ascend the objective: the gradient's sign is flipped
}

// DefaultSGDConfig returns the hyperparameters NewSGD starts from:
// torch.optim.SGD's defaults, with PyTorch 2.x's learning rate 10⁻³
// (PyTorch 1.13 has no default rate and requires one):
//
//	LR 1e-3, Momentum 0, Dampening 0, WeightDecay 0, Nesterov false, Maximize false
func DefaultSGDConfig() SGDConfig { return SGDConfig{LR: 1e-3} }

// DefaultAdamConfig returns the hyperparameters NewAdam starts from,
// torch.optim.Adam's defaults:
//
//	LR 1e-3, Betas (0.9, 0.999), Eps 1e-8, WeightDecay 0, Amsgrad false, Maximize false
func DefaultAdamConfig() AdamConfig {
	return AdamConfig{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
}

// DefaultAdamWConfig returns the hyperparameters NewAdamW starts from,
// torch.optim.AdamW's defaults: Adam's, but with WeightDecay 1e-2.
func DefaultAdamWConfig() AdamConfig {
	c := DefaultAdamConfig()
	c.WeightDecay = 1e-2
	return c
}

// SGDOption sets one hyperparameter of SGD. LR, WeightDecay and Maximize
// (of type Option), Momentum, Dampening and Nesterov are SGDOptions.
type SGDOption interface{ applySGD(*SGDConfig) }

// AdamOption sets one hyperparameter of Adam or AdamW. LR, WeightDecay and
// Maximize (of type Option), Betas, Eps and Amsgrad are AdamOptions.
type AdamOption interface{ applyAdam(*AdamConfig) }

// Option sets a hyperparameter that every optimizer has. It is both an
// SGDOption and an AdamOption.
type Option struct {
	sgd  func(*SGDConfig)
	adam func(*AdamConfig)
}

func (o Option) applySGD(c *SGDConfig)   { o.sgd(c) }
func (o Option) applyAdam(c *AdamConfig) { o.adam(c) }

// validOption reports whether o, an SGDOption or AdamOption, is one an
// option function returned: not nil, not a zero Option.
func validOption(o any) bool {
	switch o := o.(type) {
	case nil:
		return false
	case Option:
		return o.sgd != nil && o.adam != nil
	case sgdOption:
		return o != nil
	case adamOption:
		return o != nil
	}
	return false
}

// sgdOption and adamOption are the options of one family only.
type (
	sgdOption  func(*SGDConfig)
	adamOption func(*AdamConfig)
)

func (f sgdOption) applySGD(c *SGDConfig)    { f(c) }
func (f adamOption) applyAdam(c *AdamConfig) { f(c) }

// LR sets the learning rate η (PyTorch's lr). 0 is allowed: the step then
// leaves the parameters where they are, though the state still advances.
func LR(lr float64) Option {
	return Option{
		sgd:  func(c *SGDConfig) { c.LR = lr },
		adam: func(c *AdamConfig) { c.LR = lr },
	}
}

// WeightDecay sets the weight decay λ (PyTorch's weight_decay): an L2
// penalty λ·p added to the gradient in SGD and Adam, the decoupled decay
// p ← p·(1 − η·λ) in AdamW.
func WeightDecay(lambda float64) Option {
	return Option{
		sgd:  func(c *SGDConfig) { c.WeightDecay = lambda },
		adam: func(c *AdamConfig) { c.WeightDecay = lambda },
	}
}

// Maximize makes the optimizer ascend the objective instead of descending
// it (PyTorch's maximize): every update uses −∇p in place of ∇p.
func Maximize(on bool) Option {
	return Option{
		sgd:  func(c *SGDConfig) { c.Maximize = on },
		adam: func(c *AdamConfig) { c.Maximize = on },
	}
}

// Momentum sets SGD's momentum factor μ (PyTorch's momentum); 0 turns
// momentum off.
func Momentum(mu float64) SGDOption { return sgdOption(func(c *SGDConfig) { c.Momentum = mu }) }

// Dampening sets the dampening d of SGD's momentum update (PyTorch's
// dampening). It has no effect without momentum.
func Dampening(d float64) SGDOption { return sgdOption(func(c *SGDConfig) { c.Dampening = d }) }

// Nesterov turns Nesterov momentum on or off (PyTorch's nesterov).
func Nesterov(on bool) SGDOption { return sgdOption(func(c *SGDConfig) { c.Nesterov = on }) }

// Betas sets the decay rates β₁ and β₂ of Adam's first and second moment
// estimates (PyTorch's betas). 0 is allowed for either or both.
func Betas(beta1, beta2 float64) AdamOption {
	return adamOption(func(c *AdamConfig) { c.Betas = [2]float64{beta1, beta2} })
}

// Eps sets the ε that Adam adds to the denominator (PyTorch's eps). 0 is
// allowed; a zero second moment then gives 0/0 = NaN, as in PyTorch.
func Eps(eps float64) AdamOption { return adamOption(func(c *AdamConfig) { c.Eps = eps }) }

// Amsgrad turns the AMSGrad variant on or off (PyTorch's amsgrad).
func Amsgrad(on bool) AdamOption { return adamOption(func(c *AdamConfig) { c.Amsgrad = on }) }
