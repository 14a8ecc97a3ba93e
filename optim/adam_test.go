package optim_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/optim"
)

// The hand computations below mostly take ε = 0.5 so that the denominators
// come out round. With β = (0.9, 0.999) and gradient ±0.5:
//
//	step 1: m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025,
//	        1 − β₁ = 0.1, 1 − β₂ = 0.001: step size η/0.1, √v̂ = √0.25 = 0.5
//	step 2: 1 − β₁² = 0.19, 1 − β₂² = 0.001999, v = 0.999·0.00025 + 0.00025
//	        = 0.00049975, so √v̂ = √(0.00049975/0.001999) = 0.5 again.

func TestAdamByHand(t *testing.T) {
	p := scalarParam(1)
	opt := optim.NewAdam([]*autograd.Var[float64]{p}, optim.AdamConfig{LR: 0.1, Eps: 0.5})
	setGrad(p, 0.5)
	opt.Step() // p = 1 − (0.1/0.1)·0.05/(0.5 + 0.5) = 0.95
	checkClose(t, "p after step 1", value(p), 0.95, 1e-15)
	setGrad(p, -0.5)
	opt.Step() // m = 0.045 − 0.05 = −0.005; p = 0.95 + (0.1/0.19)·0.005/1 = 0.95 + 0.05/19
	checkClose(t, "p after step 2", value(p), 0.95+0.05/19, 1e-15)
}

// TestAdamDefaultEps: with the default ε the first step moves p by almost
// exactly η whatever the gradient's size: 1 − 0.05/(0.5 + 1e-8).
func TestAdamDefaultEps(t *testing.T) {
	p := scalarParam(1)
	opt := optim.NewAdam([]*autograd.Var[float64]{p}, optim.AdamConfig{LR: 0.1})
	setGrad(p, 0.5)
	opt.Step()
	checkClose(t, "p", value(p), 1-0.1/(1+2e-8), 1e-15)
}

// TestAdamWeightDecayByHand: Adam adds λ·p to the gradient; AdamW shrinks p
// first and leaves the gradient alone.
func TestAdamWeightDecayByHand(t *testing.T) {
	p := scalarParam(1)
	adam := optim.NewAdam([]*autograd.Var[float64]{p}, optim.AdamConfig{LR: 0.1, Eps: 0.5, WeightDecay: 0.5})
	setGrad(p, 0.5)
	adam.Step() // g = 0.5 + 0.5·1 = 1, m = 0.1, v = 0.001, √v̂ = 1; p = 1 − 1·0.1/(1 + 0.5)
	checkClose(t, "Adam: p", value(p), 1-0.1/1.5, 1e-15)

	wd := 0.5
	q := scalarParam(1)
	adamw := optim.NewAdamW([]*autograd.Var[float64]{q}, optim.AdamWConfig{LR: 0.1, Eps: 0.5, WeightDecay: &wd})
	setGrad(q, 0.5)
	adamw.Step() // q = 1·(1 − 0.1·0.5) = 0.95, then 0.95 − 1·0.05/(0.5 + 0.5) = 0.9
	checkClose(t, "AdamW: q after step 1", value(q), 0.9, 1e-15)
	adamw.SetLR(0.2) // the decay follows the learning rate
	setGrad(q, 0.5)
	adamw.Step() // q = 0.9·(1 − 0.2·0.5) = 0.81; m = 0.045 + 0.05 = 0.095, √v̂ = 0.5;
	// q = 0.81 − (0.2/0.19)·0.095/(0.5 + 0.5) = 0.81 − 0.1
	checkClose(t, "AdamW: q after step 2", value(q), 0.71, 1e-15)
}

// TestAmsgradByHand: with β = (0.5, 0.5) and gradients 1 then 0, v falls
// from 0.5 to 0.25 while its running maximum stays 0.5.
//
//	step 1: m = 0.5, v = 0.5; step size 0.1/0.5 = 0.2; √v̂ = 1;
//	        p = 1 − 0.2·0.5/(1 + 0.5) = 14/15 (both variants)
//	step 2: m = 0.25, v = 0.25, max 0.5; step size 0.1/0.75 = 2/15;
//	        √v̂ = √(0.25/0.75) = √(1/3), with AMSGrad √(0.5/0.75) = √(2/3);
//	        p = 14/15 − (2/15)·0.25/(√v̂ + 0.5)
func TestAmsgradByHand(t *testing.T) {
	for _, amsgrad := range []bool{false, true} {
		p := scalarParam(1)
		opt := optim.NewAdam([]*autograd.Var[float64]{p}, optim.AdamConfig{LR: 0.1, Betas: [2]float64{0.5, 0.5}, Eps: 0.5, Amsgrad: amsgrad})
		setGrad(p, 1)
		opt.Step()
		checkClose(t, "p after step 1", value(p), 14.0/15, 1e-15)
		setGrad(p, 0)
		opt.Step()
		vHat := 1.0 / 3
		if amsgrad {
			vHat = 2.0 / 3
		}
		checkClose(t, "p after step 2", value(p), 14.0/15-(2.0/15)*0.25/(math.Sqrt(vHat)+0.5), 1e-15)
	}
}

// TestAdamPerParameterSteps: a parameter without a gradient is skipped and
// its step count does not advance, so its first update, one step later, is
// a first step (bias correction with t = 1): it moves by about η.
func TestAdamPerParameterSteps(t *testing.T) {
	a, b := scalarParam(1), scalarParam(1)
	opt := optim.NewAdam([]*autograd.Var[float64]{a, b}, optim.AdamConfig{LR: 0.1})
	setGrad(a, 0.5)
	opt.Step()
	if value(b) != 1 {
		t.Fatalf("b = %v after a step without a gradient, want 1", value(b))
	}
	setGrad(b, 0.5)
	opt.Step()
	checkClose(t, "b after its first update", value(b), 1-0.1/(1+2e-8), 1e-15)
	st := opt.State()
	steps := map[string]float64{}
	for _, nt := range st {
		if nt.Tensor.NDim() == 0 {
			steps[nt.Name] = nt.Tensor.Item()
		}
	}
	if steps["0.step"] != 2 || steps["1.step"] != 1 || len(steps) != 2 {
		t.Errorf("step counts %v, want 0.step = 2, 1.step = 1", steps)
	}
}

// TestAdamWWithoutDecayIsAdam: AdamW's weight decay of exactly 0 is
// expressible and then gives Adam's trajectory bit for bit.
func TestAdamWWithoutDecayIsAdam(t *testing.T) {
	zero := 0.0
	p, q := scalarParam(1), scalarParam(1)
	adam := optim.NewAdam([]*autograd.Var[float64]{p}, optim.AdamConfig{LR: 0.05})
	adamw := optim.NewAdamW([]*autograd.Var[float64]{q}, optim.AdamWConfig{LR: 0.05, WeightDecay: &zero})
	for i, g := range []float64{0.3, -1.2, 0.7, 0.01, -0.4} {
		setGrad(p, g)
		setGrad(q, g)
		adam.Step()
		adamw.Step()
		if value(p) != value(q) {
			t.Fatalf("step %d: Adam %v, AdamW without decay %v", i+1, value(p), value(q))
		}
	}
	if value(p) == 1 {
		t.Fatal("the parameters did not move")
	}
}

func TestAdamConfigDefaults(t *testing.T) {
	ps := []*autograd.Var[float64]{scalarParam(0)}
	want := optim.AdamConfig{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
	if got := optim.NewAdam(ps, optim.AdamConfig{}).Config(); got != want {
		t.Errorf("Adam defaults %+v, want %+v", got, want)
	}
	// A zero β₁ alone is a setting, not "the default".
	if got := optim.NewAdam(ps, optim.AdamConfig{Betas: [2]float64{0, 0.99}}).Config().Betas; got != [2]float64{0, 0.99} {
		t.Errorf("Betas {0, 0.99} became %v", got)
	}
	cfg := optim.NewAdamW(ps, optim.AdamWConfig{}).Config()
	if cfg.WeightDecay == nil || *cfg.WeightDecay != 1e-2 || cfg.LR != 1e-3 || cfg.Betas != want.Betas || cfg.Eps != 1e-8 {
		t.Errorf("AdamW defaults %+v (weight decay %v)", cfg, cfg.WeightDecay)
	}
	zero := 0.0
	if wd := optim.NewAdamW(ps, optim.AdamWConfig{WeightDecay: &zero}).Config().WeightDecay; *wd != 0 {
		t.Errorf("AdamW weight decay 0 became %v", *wd)
	}
	opt := optim.NewAdamW(ps, optim.AdamWConfig{})
	opt.SetLR(0.5)
	if opt.LR() != 0.5 || opt.Config().LR != 0.5 {
		t.Errorf("after SetLR(0.5): LR() = %v, Config().LR = %v", opt.LR(), opt.Config().LR)
	}
}

func TestAdamPanics(t *testing.T) {
	ps := []*autograd.Var[float64]{scalarParam(0)}
	mustPanic(t, func() { optim.NewAdam(ps, optim.AdamConfig{Betas: [2]float64{1, 0.999}}) }, "optim: Adam", "beta1 1")
	mustPanic(t, func() { optim.NewAdam(ps, optim.AdamConfig{Betas: [2]float64{0.9, -0.1}}) }, "beta2 -0.1")
	mustPanic(t, func() { optim.NewAdam(ps, optim.AdamConfig{LR: math.NaN()}) }, "learning rate NaN")
	mustPanic(t, func() { optim.NewAdam(ps, optim.AdamConfig{Eps: -1e-8}) }, "epsilon -1e-08")
	mustPanic(t, func() { optim.NewAdam(ps, optim.AdamConfig{WeightDecay: math.Inf(1)}) }, "weight decay +Inf")
	neg := -0.01
	mustPanic(t, func() { optim.NewAdamW(ps, optim.AdamWConfig{WeightDecay: &neg}) }, "optim: AdamW", "weight decay -0.01")
	mustPanic(t, func() { optim.NewAdamW[float64](nil, optim.AdamWConfig{}) }, "optim: AdamW: empty parameter list")
	mustPanic(t, func() { optim.NewAdam(ps, optim.AdamConfig{}).SetLR(math.Inf(1)) }, "optim: Adam.SetLR", "+Inf")
}
