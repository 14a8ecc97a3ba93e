package optim_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// copyOf returns the problem with fresh parameters holding copies of p's
// current values and no gradients: what a program resuming from a
// checkpoint has.
func (p *softmaxRegression[T]) copyOf() *softmaxRegression[T] {
	return &softmaxRegression[T]{
		x: p.x, labels: p.labels,
		w:    autograd.NewParam(p.w.Value().Clone()),
		b:    autograd.NewParam(p.b.Value().Clone()),
		tape: autograd.NewTape[T](),
	}
}

// train runs steps [from, to) of training, setting the learning rate from
// sched before each.
func (p *softmaxRegression[T]) train(opt optim.Optimizer[T], sched optim.Schedule, from, to int) {
	for step := from; step < to; step++ {
		opt.SetLR(sched(step))
		p.lossAndGrad()
		opt.Step()
	}
}

// resumeCases are optimizers that keep state, each with every option that
// touches it.
func resumeCases[T tensor.Float]() map[string]func([]*autograd.Var[T]) optim.Optimizer[T] {
	wd := 0.05
	return map[string]func([]*autograd.Var[T]) optim.Optimizer[T]{
		"SGD momentum": func(ps []*autograd.Var[T]) optim.Optimizer[T] {
			return optim.NewSGD(ps, optim.LR(0.1), optim.Momentum(0.9), optim.Dampening(0.3), optim.WeightDecay(0.01))
		},
		"SGD Nesterov": func(ps []*autograd.Var[T]) optim.Optimizer[T] {
			return optim.NewSGD(ps, optim.LR(0.1), optim.Momentum(0.8), optim.Nesterov(true))
		},
		"Adam": func(ps []*autograd.Var[T]) optim.Optimizer[T] {
			return optim.NewAdam(ps, optim.LR(0.05), optim.WeightDecay(0.01))
		},
		"AdamW": func(ps []*autograd.Var[T]) optim.Optimizer[T] {
			return optim.NewAdamW(ps, optim.LR(0.05), optim.WeightDecay(wd))
		},
		"AdamW AMSGrad": func(ps []*autograd.Var[T]) optim.Optimizer[T] {
			return optim.NewAdamW(ps, optim.LR(0.05), optim.Amsgrad(true))
		},
	}
}

// TestResumeIsExact trains 10 steps straight through, and 5 steps, then
// State, then a fresh optimizer over copies of the parameters, LoadState and
// 5 more steps: the parameters and the state must be bit-identical. Without
// LoadState the resumed run must differ, or the test would prove nothing.
func TestResumeIsExact(t *testing.T) {
	testResume[float64](t)
}

// TestResumeIsExactFloat32 does the same in float32, where the step counter
// is stored as a float32.
func TestResumeIsExactFloat32(t *testing.T) {
	testResume[float32](t)
}

func testResume[T tensor.Float](t *testing.T) {
	ref := loadReference(t)
	for name, newOpt := range resumeCases[T]() {
		t.Run(name, func(t *testing.T) {
			straight := newProblem[T](ref.Problem)
			opt := newOpt(straight.params())
			sched := optim.LinearWarmup(2, 0.5, optim.CosineAnnealingLR(opt.LR(), 8, 0.001))
			straight.train(opt, sched, 0, 10)

			first := newProblem[T](ref.Problem)
			opt1 := newOpt(first.params())
			first.train(opt1, sched, 0, 5)
			saved := opt1.State()
			if len(saved) == 0 {
				t.Fatal("no state after 5 steps")
			}

			resumed := first.copyOf()
			opt2 := newOpt(resumed.params())
			if err := opt2.LoadState(saved); err != nil {
				t.Fatalf("LoadState(State()): %v", err)
			}
			resumed.train(opt2, sched, 5, 10)
			for i, p := range resumed.params() {
				if want := straight.params()[i].Value().Data(); !slices.Equal(p.Value().Data(), want) {
					t.Errorf("parameter %d after resuming:\n%v\nstraight through:\n%v", i, p.Value().Data(), want)
				}
			}
			if d := stateDiff(opt2.State(), opt.State()); d != "" {
				t.Errorf("state after resuming differs from straight through: %s", d)
			}

			control := first.copyOf()
			control.train(newOpt(control.params()), sched, 5, 10)
			if slices.Equal(control.w.Value().Data(), straight.w.Value().Data()) {
				t.Error("resuming without the state gives the same parameters: the test cannot fail")
			}
		})
	}
}

// stateDiff describes the first difference between two states, "" if they
// are identical bit for bit.
func stateDiff[T tensor.Float](got, want []optim.NamedTensor[T]) string {
	if !slices.Equal(names(got), names(want)) {
		return "names " + strings.Join(names(got), ",") + " vs " + strings.Join(names(want), ",")
	}
	for i := range got {
		g, w := got[i].Tensor, want[i].Tensor
		if !slices.Equal(g.Shape(), w.Shape()) || !slices.Equal(g.Data(), w.Data()) {
			return got[i].Name + ": " + g.String() + " vs " + w.String()
		}
	}
	return ""
}

// TestStateLayout checks names, order, shapes and values of Adam's state,
// that a parameter never updated has no entries, that State returns copies
// and that LoadState keeps copies.
func TestStateLayout(t *testing.T) {
	ref := loadReference(t)
	p := newProblem[float64](ref.Problem)
	unused := autograd.NewParam(tensor.Zeros[float64](4))
	opt := optim.NewAdam(append(p.params(), unused), optim.LR(0.01), optim.Amsgrad(true))
	p.lossAndGrad()
	opt.Step()
	opt.Step()
	st := opt.State()
	want := []string{
		"0.step", "0.exp_avg", "0.exp_avg_sq", "0.max_exp_avg_sq",
		"1.step", "1.exp_avg", "1.exp_avg_sq", "1.max_exp_avg_sq",
	}
	if !slices.Equal(names(st), want) {
		t.Fatalf("state names %v, want %v", names(st), want)
	}
	if s := st[0].Tensor; s.NDim() != 0 || s.Item() != 2 {
		t.Errorf("0.step = %v, want the scalar 2", s)
	}
	if sh := st[1].Tensor.Shape(); !slices.Equal(sh, []int{3, 5}) {
		t.Errorf("0.exp_avg has shape %v, want [3 5]", sh)
	}
	// After two steps on the same gradient g, m = (1 − 0.9²)·g = 0.19·g.
	g := p.b.Grad().Data()
	for j, m := range st[5].Tensor.Data() {
		checkClose(t, "1.exp_avg", m, 0.19*g[j], 1e-15)
	}

	st[1].Tensor.Fill(99) // State returned a copy
	if opt.State()[1].Tensor.Data()[0] == 99 {
		t.Error("modifying State's result changed the optimizer")
	}
	fresh := optim.NewAdam(append(p.copyOf().params(), unused), optim.LR(0.01), optim.Amsgrad(true))
	if err := fresh.LoadState(st); err != nil {
		t.Fatal(err)
	}
	st[1].Tensor.Fill(7) // LoadState kept a copy
	if got := fresh.State()[1].Tensor.Data()[0]; got != 99 {
		t.Errorf("0.exp_avg[0] after loading 99 and changing the input: %v", got)
	}
}

// TestLoadStateEmpty: loading an empty state resets the optimizer, so that
// the next step is a first step again.
func TestLoadStateEmpty(t *testing.T) {
	p := scalarParam(1)
	opt := optim.NewSGD([]*autograd.Var[float64]{p}, optim.LR(0.1), optim.Momentum(0.9))
	setGrad(p, 1)
	opt.Step() // p = 0.9, buffer 1
	if err := opt.LoadState(nil); err != nil {
		t.Fatal(err)
	}
	opt.Step() // buffer starts afresh at 1: p = 0.8 (with the old buffer: 0.9 − 0.19)
	checkClose(t, "p", value(p), 0.8, 1e-15)
}

func TestLoadStateErrors(t *testing.T) {
	ref := loadReference(t)
	p := newProblem[float64](ref.Problem)
	adam := optim.NewAdam(p.params(), optim.LR(0.01))
	p.lossAndGrad()
	adam.Step()
	good := adam.State() // 0.step 0.exp_avg 0.exp_avg_sq 1.step 1.exp_avg 1.exp_avg_sq

	edit := func(f func(st []optim.NamedTensor[float64]) []optim.NamedTensor[float64]) []optim.NamedTensor[float64] {
		st := slices.Clone(good)
		return f(st)
	}
	rename := func(i int, name string) []optim.NamedTensor[float64] {
		return edit(func(st []optim.NamedTensor[float64]) []optim.NamedTensor[float64] {
			st[i].Name = name
			return st
		})
	}
	replace := func(i int, x *tensor.Tensor[float64]) []optim.NamedTensor[float64] {
		return edit(func(st []optim.NamedTensor[float64]) []optim.NamedTensor[float64] {
			st[i].Tensor = x
			return st
		})
	}
	threeParams := optim.NewAdam(append(p.copyOf().params(), autograd.NewParam(tensor.Zeros[float64](3))))
	for _, q := range threeParams.Params() {
		q.SetGrad(tensor.Ones[float64](q.Shape()...))
	}
	threeParams.Step()
	amsgrad := optim.NewAdam(p.copyOf().params(), optim.Amsgrad(true))
	for _, q := range amsgrad.Params() {
		q.SetGrad(tensor.Ones[float64](q.Shape()...))
	}
	amsgrad.Step()

	cases := []struct {
		name  string
		state []optim.NamedTensor[float64]
		want  []string // substrings of the error
	}{
		{"unknown key", rename(1, "0.exp_avgg"), []string{`entry 1 "0.exp_avgg"`, `unknown key "exp_avgg"`, "exp_avg_sq"}},
		{"no index", rename(0, "w.step"), []string{`entry 0 "w.step"`, "not <parameter index>.<key>"}},
		{"leading zero", rename(0, "00.step"), []string{`"00.step"`, "not <parameter index>.<key>"}},
		{"no key", rename(3, "1."), []string{`entry 3 "1."`, "not <parameter index>.<key>"}},
		{"duplicate", rename(4, "0.exp_avg"), []string{`entry 4 "0.exp_avg"`, "appears twice"}},
		{"buffer shape", replace(1, tensor.Zeros[float64](15)), []string{`entry 1 "0.exp_avg"`, "shape [15], want [3 5]"}},
		{"step shape", replace(3, tensor.Ones[float64](1)), []string{`entry 3 "1.step"`, "shape [1], want []"}},
		{"nil tensor", replace(2, nil), []string{`entry 2 "0.exp_avg_sq"`, "nil tensor"}},
		{"fractional step", replace(0, tensor.Scalar(2.5)), []string{`entry 0 "0.step"`, "step 2.5 is not a whole number"}},
		{"negative step", replace(0, tensor.Scalar(-1.0)), []string{"step -1 is not a whole number"}},
		{"missing entry", slices.Delete(slices.Clone(good), 5, 6), []string{`parameter 1 has "1.step" but no "1.exp_avg_sq"`}},
		{"more parameters", threeParams.State(), []string{`"2.step"`, "parameter 2 does not exist: the optimizer has 2 parameters"}},
		{"AMSGrad state", amsgrad.State(), []string{`"0.max_exp_avg_sq"`, `unknown key "max_exp_avg_sq"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fresh := optim.NewAdam(p.copyOf().params(), optim.LR(0.01))
			if err := fresh.LoadState(good); err != nil {
				t.Fatalf("loading the good state: %v", err)
			}
			err := fresh.LoadState(c.state)
			if err == nil {
				t.Fatalf("no error; want one mentioning %q", c.want)
			}
			for _, s := range append(c.want, "optim: Adam.LoadState") {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if d := stateDiff(fresh.State(), good); d != "" {
				t.Errorf("a failed LoadState changed the state: %s", d)
			}
		})
	}

	sgd := optim.NewSGD(p.copyOf().params(), optim.LR(0.1))
	err := sgd.LoadState([]optim.NamedTensor[float64]{{Name: "0.momentum_buffer", Tensor: tensor.Zeros[float64](3, 5)}})
	if err == nil || !strings.Contains(err.Error(), "optim: SGD.LoadState") || !strings.Contains(err.Error(), "keeps no state") {
		t.Errorf("SGD without momentum loading a buffer: %v", err)
	}
	sgdM := optim.NewSGD(p.copyOf().params(), optim.LR(0.1), optim.Momentum(0.9))
	if err := sgdM.LoadState(good); err == nil || !strings.Contains(err.Error(), `unknown key "step"`) {
		t.Errorf("SGD loading Adam's state: %v", err)
	}
}
