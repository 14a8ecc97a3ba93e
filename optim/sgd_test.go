package optim_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestSGDByHand runs two steps on p = 1 with gradients 0.5 and 0.5, with
// the update worked out by hand for each option.
func TestSGDByHand(t *testing.T) {
	cases := []struct {
		name         string
		opts         []optim.SGDOption
		step1, step2 float64
	}{
		// g = 0.5 + 0.1·1 = 0.6, p = 1 − 0.1·0.6 = 0.94;
		// g = 0.5 + 0.1·0.94 = 0.594, p = 0.94 − 0.0594 = 0.8806.
		{"weight decay", []optim.SGDOption{optim.LR(0.1), optim.WeightDecay(0.1)}, 0.94, 0.8806},
		// b = 0.5 (the first gradient, undamped), p = 1 − 0.05 = 0.95;
		// b = 0.9·0.5 + 0.5 = 0.95, p = 0.95 − 0.095 = 0.855.
		{"momentum", []optim.SGDOption{optim.LR(0.1), optim.Momentum(0.9)}, 0.95, 0.855},
		// b = 0.5, p = 0.95; b = 0.9·0.5 + (1 − 0.5)·0.5 = 0.7, p = 0.95 − 0.07 = 0.88.
		{"dampening", []optim.SGDOption{optim.LR(0.1), optim.Momentum(0.9), optim.Dampening(0.5)}, 0.95, 0.88},
		// b = 0.5, g = 0.5 + 0.9·0.5 = 0.95, p = 1 − 0.095 = 0.905;
		// b = 0.45 + 0.5 = 0.95, g = 0.5 + 0.855 = 1.355, p = 0.905 − 0.1355 = 0.7695.
		{"nesterov", []optim.SGDOption{optim.LR(0.1), optim.Momentum(0.9), optim.Nesterov(true)}, 0.905, 0.7695},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := scalarParam(1)
			opt := optim.NewSGD([]*autograd.Var[float64]{p}, c.opts...)
			setGrad(p, 0.5)
			opt.Step()
			checkClose(t, "p after step 1", value(p), c.step1, 1e-15)
			setGrad(p, 0.5)
			opt.Step()
			checkClose(t, "p after step 2", value(p), c.step2, 1e-15)
		})
	}
}

// TestSGDReadsGradient checks that Step leaves the gradient as it was, even
// with weight decay and momentum (PyTorch adds the decay into a new tensor),
// and that ZeroGrad clears it.
func TestSGDReadsGradient(t *testing.T) {
	p := autograd.NewParam(tensor.FromSlice([]float64{1, -2}, 2))
	opt := optim.NewSGD([]*autograd.Var[float64]{p}, optim.LR(0.1), optim.Momentum(0.9), optim.WeightDecay(0.5))
	p.SetGrad(tensor.FromSlice([]float64{0.25, 4}, 2))
	opt.Step()
	if g := p.Grad().Data(); g[0] != 0.25 || g[1] != 4 {
		t.Errorf("gradient after Step: %v, want [0.25 4]", g)
	}
	// g = (0.25 + 0.5, 4 − 1) = (0.75, 3); p = (1 − 0.075, −2 − 0.3).
	checkClose(t, "p[0]", p.Value().Data()[0], 0.925, 1e-15)
	checkClose(t, "p[1]", p.Value().Data()[1], -2.3, 1e-15)
	opt.ZeroGrad()
	if p.Grad() != nil {
		t.Errorf("gradient after ZeroGrad: %v, want nil", p.Grad())
	}
}

// TestSGDSkipsNilGradients: a parameter without a gradient keeps its value
// and gets no momentum buffer; its first gradient later starts the buffer
// afresh (b = g, not μ·0 + (1 − d)·g).
func TestSGDSkipsNilGradients(t *testing.T) {
	a, b := scalarParam(1), scalarParam(2)
	opt := optim.NewSGD([]*autograd.Var[float64]{a, b}, optim.LR(0.1), optim.Momentum(0.9), optim.Dampening(0.5))
	setGrad(a, 1)
	opt.Step() // a = 1 − 0.1·1 = 0.9; b has no gradient
	opt.Step() // a: buffer 0.9·1 + 0.5·1 = 1.4, a = 0.9 − 0.14 = 0.76
	checkClose(t, "a", value(a), 0.76, 1e-15)
	if value(b) != 2 {
		t.Errorf("b = %v after two steps without a gradient, want 2", value(b))
	}
	if st := opt.State(); len(st) != 1 || st[0].Name != "0.momentum_buffer" {
		t.Errorf("state %v, want only 0.momentum_buffer", names(st))
	}
	opt.ZeroGrad()
	setGrad(b, 1)
	opt.Step() // b's first update: buffer = 1, b = 2 − 0.1 = 1.9; a has no gradient now
	checkClose(t, "b", value(b), 1.9, 1e-15)
	checkClose(t, "a", value(a), 0.76, 0)
}

// TestSGDTrainsLinearRegression fits y = 2x − 1 and checks that the loss
// falls and the parameters land near (2, −1): the optimizer works with
// gradients from a real backward pass, over several steps and tapes.
func TestSGDTrainsLinearRegression(t *testing.T) {
	x := tensor.FromSlice([]float64{-1, 0, 1, 2}, 4, 1)
	y := tensor.FromSlice([]float64{-3, -1, 1, 3}, 4, 1)
	w := autograd.NewParam(tensor.FromSlice([]float64{0}, 1, 1))
	b := autograd.NewParam(tensor.FromSlice([]float64{0}, 1))
	opt := optim.NewSGD([]*autograd.Var[float64]{w, b}, optim.LR(0.1), optim.Momentum(0.5))
	tape := autograd.NewTape[float64]()
	var first, last float64
	for step := range 200 {
		tape.Reset()
		d := functional.Sub(functional.Linear(tape.Input(x), w, b), tape.Input(y))
		loss := functional.Mean(functional.Mul(d, d))
		opt.ZeroGrad()
		tape.Backward(loss)
		opt.Step()
		if step == 0 {
			first = loss.Value().Item()
		}
		last = loss.Value().Item()
	}
	if !(last < 1e-12*first) {
		t.Errorf("loss went from %g to %g", first, last)
	}
	checkClose(t, "w", w.Value().Item(), 2, 1e-6)
	checkClose(t, "b", b.Value().Item(), -1, 1e-6)
}

// TestSGDConfig: NewSGD without options is PyTorch's SGD with 2.x's
// learning rate; every option lands in Config, a later option overrides an
// earlier one, and SetLR shows in LR and Config.
func TestSGDConfig(t *testing.T) {
	p := scalarParam(0)
	ps := []*autograd.Var[float64]{p}
	def := optim.SGDConfig{LR: 1e-3}
	if got := optim.DefaultSGDConfig(); got != def {
		t.Errorf("DefaultSGDConfig() = %+v, want %+v", got, def)
	}
	if got := optim.NewSGD(ps).Config(); got != def {
		t.Errorf("NewSGD without options: Config() = %+v, want %+v", got, def)
	}
	all := optim.NewSGD(ps, optim.LR(0.5), optim.Momentum(0.9), optim.Dampening(0), optim.WeightDecay(0.25),
		optim.Nesterov(true), optim.Maximize(true), optim.LR(0.125))
	want := optim.SGDConfig{LR: 0.125, Momentum: 0.9, WeightDecay: 0.25, Nesterov: true, Maximize: true}
	if got := all.Config(); got != want {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
	// PyTorch leaves dampening unchecked: any finite value is a setting.
	if got := optim.NewSGD(ps, optim.Momentum(0.5), optim.Dampening(-0.5)).Config().Dampening; got != -0.5 {
		t.Errorf("Dampening(-0.5) became %v", got)
	}
	opt := optim.NewSGD(ps, optim.Momentum(0.9))
	opt.SetLR(0.25)
	if opt.LR() != 0.25 || opt.Config().LR != 0.25 {
		t.Errorf("after SetLR(0.25): LR() = %v, Config().LR = %v", opt.LR(), opt.Config().LR)
	}
	zero := optim.NewSGD(ps, optim.LR(0)) // a zero rate is a zero rate
	if zero.LR() != 0 {
		t.Errorf("LR(0) became %v", zero.LR())
	}
	setGrad(p, 1)
	zero.Step()
	opt.SetLR(0) // a schedule may reach 0: no update, but allowed
	opt.Step()
	if value(p) != 0 {
		t.Errorf("steps with learning rate 0 moved p to %v", value(p))
	}
}

// TestSGDMaximize: with Maximize, SGD climbs: every path (plain, weight
// decay, momentum) uses −∇p.
func TestSGDMaximize(t *testing.T) {
	cases := []struct {
		name         string
		opts         []optim.SGDOption
		step1, step2 float64
	}{
		// p = 1 + 0.1·0.5 = 1.05, then 1.1.
		{"plain", nil, 1.05, 1.1},
		// g = −0.5 + 0.1·1 = −0.4, p = 1.04; g = −0.5 + 0.104 = −0.396, p = 1.0796.
		{"weight decay", []optim.SGDOption{optim.WeightDecay(0.1)}, 1.04, 1.0796},
		// b = −0.5, p = 1.05; b = 0.9·(−0.5) + 0.5·(−0.5) = −0.7, p = 1.12.
		{"dampening", []optim.SGDOption{optim.Momentum(0.9), optim.Dampening(0.5)}, 1.05, 1.12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := scalarParam(1)
			opt := optim.NewSGD([]*autograd.Var[float64]{p}, append(c.opts, optim.LR(0.1), optim.Maximize(true))...)
			setGrad(p, 0.5)
			opt.Step()
			checkClose(t, "p after step 1", value(p), c.step1, 1e-15)
			setGrad(p, 0.5)
			opt.Step()
			checkClose(t, "p after step 2", value(p), c.step2, 1e-15)
		})
	}
}

// TestSGDZeroMomentumIgnoresDampening: momentum 0 with dampening 0.5 is plain
// SGD, as in PyTorch (the dampening only scales a momentum buffer), and
// keeps no state.
func TestSGDZeroMomentumIgnoresDampening(t *testing.T) {
	p := scalarParam(1)
	opt := optim.NewSGD([]*autograd.Var[float64]{p}, optim.LR(0.1), optim.Momentum(0), optim.Dampening(0.5))
	for range 2 {
		setGrad(p, 0.5)
		opt.Step()
	}
	checkClose(t, "p", value(p), 0.9, 1e-15)
	if st := opt.State(); len(st) != 0 {
		t.Errorf("state %v, want none", names(st))
	}
}

func TestSGDPanics(t *testing.T) {
	p := scalarParam(0)
	ps := []*autograd.Var[float64]{p}
	testutil.MustPanic(t, func() { optim.NewSGD(ps, optim.LR(0.1), optim.Nesterov(true)) },
		"optim: SGD: Nesterov", "Momentum 0")
	testutil.MustPanic(t, func() {
		optim.NewSGD(ps, optim.LR(0.1), optim.Momentum(0.9), optim.Dampening(0.1), optim.Nesterov(true))
	}, "optim: SGD: Nesterov", "Dampening 0.1")
	testutil.MustPanic(t, func() { optim.NewSGD(ps, optim.LR(-0.1)) }, "optim: SGD", "learning rate -0.1")
	testutil.MustPanic(t, func() { optim.NewSGD(ps, optim.Momentum(-0.9)) }, "momentum -0.9")
	testutil.MustPanic(t, func() { optim.NewSGD(ps, optim.WeightDecay(-1)) }, "weight decay -1")
	testutil.MustPanic(t, func() { optim.NewSGD(ps, optim.LR(math.Inf(1))) },
		"optim: SGD: invalid learning rate +Inf (must be finite and ≥ 0)")
	testutil.MustPanic(t, func() { optim.NewSGD(ps, optim.Momentum(math.NaN())) }, "optim: SGD: invalid momentum NaN")
	testutil.MustPanic(t, func() { optim.NewSGD(ps, optim.Momentum(0.9), optim.Dampening(math.NaN())) },
		"optim: SGD: invalid dampening NaN (must be finite)")
	testutil.MustPanic(t, func() { optim.NewSGD(ps, optim.Dampening(math.Inf(-1))) },
		"optim: SGD: invalid dampening -Inf")
	// The last Nesterov option counts; so does the last Momentum.
	testutil.MustPanic(t, func() { optim.NewSGD(ps, optim.Momentum(0.9), optim.Nesterov(true), optim.Momentum(0)) },
		"optim: SGD: Nesterov momentum requires Momentum > 0 and Dampening = 0, got Momentum 0 and Dampening 0")
	testutil.MustPanic(t, func() { optim.NewSGD[float64](nil) }, "optim: SGD: empty parameter list")
	testutil.MustPanic(t, func() { optim.NewSGD([]*autograd.Var[float64]{p, nil}) }, "parameter 1 is nil")
	testutil.MustPanic(t, func() { optim.NewSGD([]*autograd.Var[float64]{p, scalarParam(1), p}) },
		"parameter 2 is parameter 0 again")
	tape := autograd.NewTape[float64]()
	computed := functional.Scale(tape.Param(tensor.Ones[float64](1)), 2)
	testutil.MustPanic(t, func() { optim.NewSGD([]*autograd.Var[float64]{computed}) }, "parameter 0 is not a leaf")
	testutil.MustPanic(t, func() { optim.NewSGD(ps, optim.LR(0.1), nil) },
		"optim: SGD: option 1 is nil or a zero Option")
	testutil.MustPanic(t, func() { optim.NewSGD(ps, optim.Option{}) }, "optim: SGD: option 0 is nil or a zero Option")
	opt := optim.NewSGD(ps)
	testutil.MustPanic(t, func() { opt.SetLR(-1) }, "optim: SGD.SetLR", "learning rate -1")
}

func names[T tensor.Float](st []optim.NamedTensor[T]) []string {
	var s []string
	for _, nt := range st {
		s = append(s, nt.Name)
	}
	return s
}
