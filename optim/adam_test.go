package optim_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
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
	opt := optim.NewAdam([]*autograd.Var[float64]{p}, optim.LR(0.1), optim.Eps(0.5))
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
	opt := optim.NewAdam([]*autograd.Var[float64]{p}, optim.LR(0.1))
	setGrad(p, 0.5)
	opt.Step()
	checkClose(t, "p", value(p), 1-0.1/(1+2e-8), 1e-15)
}

// TestAdamWeightDecayByHand: Adam adds λ·p to the gradient; AdamW shrinks p
// first and leaves the gradient alone.
func TestAdamWeightDecayByHand(t *testing.T) {
	p := scalarParam(1)
	adam := optim.NewAdam([]*autograd.Var[float64]{p}, optim.LR(0.1), optim.Eps(0.5), optim.WeightDecay(0.5))
	setGrad(p, 0.5)
	adam.Step() // g = 0.5 + 0.5·1 = 1, m = 0.1, v = 0.001, √v̂ = 1; p = 1 − 1·0.1/(1 + 0.5)
	checkClose(t, "Adam: p", value(p), 1-0.1/1.5, 1e-15)

	q := scalarParam(1)
	adamw := optim.NewAdamW([]*autograd.Var[float64]{q}, optim.LR(0.1), optim.Eps(0.5), optim.WeightDecay(0.5))
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
		opt := optim.NewAdam([]*autograd.Var[float64]{p}, optim.LR(0.1), optim.Betas(0.5, 0.5), optim.Eps(0.5), optim.Amsgrad(amsgrad))
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
	opt := optim.NewAdam([]*autograd.Var[float64]{a, b}, optim.LR(0.1))
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
	p, q := scalarParam(1), scalarParam(1)
	adam := optim.NewAdam([]*autograd.Var[float64]{p}, optim.LR(0.05))
	adamw := optim.NewAdamW([]*autograd.Var[float64]{q}, optim.LR(0.05), optim.WeightDecay(0))
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

// TestAdamConfigDefaults: without options Adam and AdamW are PyTorch's
// defaults; every option lands in Config, zeros included, and a later
// option overrides an earlier one.
func TestAdamConfigDefaults(t *testing.T) {
	ps := []*autograd.Var[float64]{scalarParam(0)}
	want := optim.AdamConfig{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
	if got := optim.DefaultAdamConfig(); got != want {
		t.Errorf("DefaultAdamConfig() = %+v, want %+v", got, want)
	}
	if got := optim.NewAdam(ps).Config(); got != want {
		t.Errorf("Adam defaults %+v, want %+v", got, want)
	}
	wantW := want
	wantW.WeightDecay = 1e-2
	if got := optim.DefaultAdamWConfig(); got != wantW {
		t.Errorf("DefaultAdamWConfig() = %+v, want %+v", got, wantW)
	}
	if got := optim.NewAdamW(ps).Config(); got != wantW {
		t.Errorf("AdamW defaults %+v, want %+v", got, wantW)
	}
	zeros := []optim.AdamOption{optim.LR(0), optim.Betas(0, 0), optim.Eps(0), optim.WeightDecay(0)}
	for name, cfg := range map[string]optim.AdamConfig{
		"Adam":  optim.NewAdam(ps, zeros...).Config(),
		"AdamW": optim.NewAdamW(ps, zeros...).Config(),
	} {
		if cfg != (optim.AdamConfig{}) {
			t.Errorf("%s with every hyperparameter 0: Config() = %+v", name, cfg)
		}
	}
	all := optim.NewAdamW(ps, optim.LR(0.5), optim.Betas(0.5, 0.25), optim.Eps(1e-3), optim.WeightDecay(0.125),
		optim.Amsgrad(true), optim.Maximize(true), optim.Betas(0, 0.75))
	wantAll := optim.AdamConfig{LR: 0.5, Betas: [2]float64{0, 0.75}, Eps: 1e-3, WeightDecay: 0.125, Amsgrad: true, Maximize: true}
	if got := all.Config(); got != wantAll {
		t.Errorf("Config() = %+v, want %+v", got, wantAll)
	}
	opt := optim.NewAdamW(ps)
	opt.SetLR(0.5)
	if opt.LR() != 0.5 || opt.Config().LR != 0.5 {
		t.Errorf("after SetLR(0.5): LR() = %v, Config().LR = %v", opt.LR(), opt.Config().LR)
	}
}

// TestAdamZerosByHand: β = (0, 0) and ε = 0 make Adam's step
// η·g/|g| = η·sign(g) whatever g; a rate of 0 leaves p where it is but
// advances the moments.
func TestAdamZerosByHand(t *testing.T) {
	p := scalarParam(1)
	opt := optim.NewAdam([]*autograd.Var[float64]{p}, optim.LR(0.1), optim.Betas(0, 0), optim.Eps(0))
	for i, g := range []float64{0.5, -3, 1e-3} {
		setGrad(p, g)
		opt.Step()
		want := []float64{0.9, 1, 0.9}[i]
		checkClose(t, fmt.Sprintf("p after step %d", i+1), value(p), want, 1e-15)
	}
	q := scalarParam(1)
	still := optim.NewAdam([]*autograd.Var[float64]{q}, optim.LR(0))
	setGrad(q, 0.5)
	still.Step()
	if value(q) != 1 {
		t.Errorf("a step with learning rate 0 moved q to %v", value(q))
	}
	beta1, beta2 := 0.9, 0.999 // variables: 1 − β rounds as at run time
	st := still.State()        // step 1, m = (1 − β₁)·0.5, v = (1 − β₂)·0.5·0.5
	if len(st) != 3 || st[0].Tensor.Item() != 1 || st[1].Tensor.Item() != (1-beta1)*0.5 || st[2].Tensor.Item() != (1-beta2)*0.5*0.5 {
		t.Errorf("state after a step with learning rate 0: %v", st)
	}
}

// TestAdamMaximize: with Maximize, Adam and AdamW climb: the first step
// moves p up by about η, and with Adam's L2 penalty the gradient is
// −∇p + λ·p (PyTorch's order).
func TestAdamMaximize(t *testing.T) {
	for _, amsgrad := range []bool{false, true} {
		p := scalarParam(1)
		opt := optim.NewAdam([]*autograd.Var[float64]{p}, optim.LR(0.1), optim.Eps(0.5), optim.Maximize(true), optim.Amsgrad(amsgrad))
		setGrad(p, 0.5)
		opt.Step() // m = −0.05, v = 0.00025: p = 1 + (0.1/0.1)·0.05/(0.5 + 0.5) = 1.05
		checkClose(t, "p", value(p), 1.05, 1e-15)
		beta1 := 0.9
		if m, want := opt.State()[1].Tensor.Item(), -(1-beta1)*0.5; m != want {
			t.Errorf("exp_avg %v, want %v", m, want)
		}
	}
	p := scalarParam(1)
	opt := optim.NewAdam([]*autograd.Var[float64]{p}, optim.LR(0.1), optim.Eps(0.5), optim.WeightDecay(1.5), optim.Maximize(true))
	setGrad(p, 0.5)
	opt.Step() // g = −0.5 + 1.5 = 1, m = 0.1, √v̂ = 1: p = 1 − 0.1/1.5
	checkClose(t, "Adam with weight decay: p", value(p), 1-0.1/1.5, 1e-15)
	q := scalarParam(1)
	optW := optim.NewAdamW([]*autograd.Var[float64]{q}, optim.LR(0.1), optim.Eps(0.5), optim.WeightDecay(0.5), optim.Maximize(true))
	setGrad(q, 0.5)
	optW.Step() // q = 0.95, then 0.95 + 0.05/(0.5 + 0.5) = 1
	checkClose(t, "AdamW: q", value(q), 1, 1e-15)
}

// TestAdamMaximizeFloat32Vectorized: the vectorized path (a long float32
// parameter, no weight decay, no AMSGrad) with Maximize gives bit for bit
// the result of minimizing with the gradient negated.
func TestAdamMaximizeFloat32Vectorized(t *testing.T) {
	const n = 1000
	rng := rand.New(rand.NewPCG(3, 4))
	x := tensor.RandN[float32](rng, n)
	g := tensor.RandN[float32](rng, n)
	p, q := autograd.NewParam(x.Clone()), autograd.NewParam(x.Clone())
	maxi := optim.NewAdam([]*autograd.Var[float32]{p}, optim.LR(0.01), optim.Maximize(true))
	mini := optim.NewAdam([]*autograd.Var[float32]{q}, optim.LR(0.01))
	for range 3 {
		negated := g.Clone()
		negated.ScaleInPlace(-1)
		p.SetGrad(g.Clone())
		q.SetGrad(negated)
		maxi.Step()
		mini.Step()
	}
	if !slices.Equal(p.Value().Data(), q.Value().Data()) {
		t.Error("maximizing differs from minimizing the negated gradient")
	}
	if d := stateDiff(maxi.State(), mini.State()); d != "" {
		t.Errorf("states differ: %s", d)
	}
	if slices.Equal(p.Value().Data(), x.Data()) {
		t.Error("the parameters did not move")
	}
}

func TestAdamPanics(t *testing.T) {
	ps := []*autograd.Var[float64]{scalarParam(0)}
	testutil.MustPanic(t, func() { optim.NewAdam(ps, optim.Betas(1, 0.999)) },
		"optim: Adam: invalid beta1 1 (must be in [0, 1))")
	testutil.MustPanic(t, func() { optim.NewAdam(ps, optim.Betas(0.9, -0.1)) },
		"optim: Adam: invalid beta2 -0.1 (must be in [0, 1))")
	testutil.MustPanic(t, func() { optim.NewAdamW(ps, optim.Betas(math.NaN(), 0.9)) },
		"optim: AdamW: invalid beta1 NaN")
	testutil.MustPanic(t, func() { optim.NewAdam(ps, optim.LR(math.NaN())) },
		"optim: Adam: invalid learning rate NaN (must be finite and ≥ 0)")
	testutil.MustPanic(t, func() { optim.NewAdam(ps, optim.LR(-1e-3)) }, "optim: Adam: invalid learning rate -0.001")
	testutil.MustPanic(t, func() { optim.NewAdam(ps, optim.Eps(-1e-8)) }, "optim: Adam: invalid epsilon -1e-08")
	testutil.MustPanic(t, func() { optim.NewAdam(ps, optim.WeightDecay(math.Inf(1))) },
		"optim: Adam: invalid weight decay +Inf")
	testutil.MustPanic(t, func() { optim.NewAdamW(ps, optim.WeightDecay(-0.01)) },
		"optim: AdamW: invalid weight decay -0.01")
	// The last option counts: a valid value after an invalid one is fine, not the reverse.
	testutil.MustPanic(t, func() { optim.NewAdam(ps, optim.Eps(0), optim.Eps(-1)) }, "optim: Adam: invalid epsilon -1")
	optim.NewAdam(ps, optim.Eps(-1), optim.Eps(0))
	testutil.MustPanic(t, func() { optim.NewAdamW(ps, optim.Eps(0), optim.Option{}) },
		"optim: AdamW: option 1 is nil or a zero Option")
	testutil.MustPanic(t, func() { optim.NewAdam(ps, nil) }, "optim: Adam: option 0 is nil or a zero Option")
	testutil.MustPanic(t, func() { optim.NewAdamW[float64](nil) }, "optim: AdamW: empty parameter list")
	testutil.MustPanic(t, func() { optim.NewAdam(ps).SetLR(math.Inf(1)) },
		"optim: Adam.SetLR: invalid learning rate +Inf")
	testutil.MustPanic(t, func() { optim.NewAdamW(ps).SetLR(-2) }, "optim: AdamW.SetLR: invalid learning rate -2")
}
