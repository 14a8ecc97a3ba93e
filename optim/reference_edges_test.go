package optim_test

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// The edge cases' reference numbers come from torch.optim in float64 and in
// float32; regenerate them with
//
//	/usr/bin/python3 optim/testdata/gen_torch_optim_edges.py
const (
	edgesPath  = "testdata/torch_optim_edges.json"
	edgesRegen = "/usr/bin/python3 optim/testdata/gen_torch_optim_edges.py"
)

// edgesFile is the layout of torch_optim_edges.json.
type edgesFile struct {
	reftest.Header
	Problem    refProblem           `json:"problem"`
	Steps      int                  `json:"steps"`
	Defaults   map[string]refConfig `json:"defaults"`
	Validation []edgeCheck          `json:"validation"`
	Cases      []edgeCase           `json:"cases"`
}

// edgeCheck is a setting of hyperparameters and whether torch's constructor
// accepts it (its message when it does not).
type edgeCheck struct {
	Optimizer string    `json:"optimizer"`
	Config    refConfig `json:"config"`
	Accepted  bool      `json:"accepted"`
	Error     string    `json:"error"`
}

// edgeCase is one optimizer trained in both precisions.
type edgeCase struct {
	Name      string    `json:"name"`
	Optimizer string    `json:"optimizer"`
	Config    refConfig `json:"config"`
	Float64   edgeRun   `json:"float64"`
	Float32   edgeRun   `json:"float32"`
}

// edgeRun is what torch recorded in one precision: the loss before every
// step, W and b after some steps, and the state after the last one, named
// as State names it.
type edgeRun struct {
	Loss      []float64 `json:"loss"`
	Snapshots []struct {
		Step int       `json:"step"`
		W    []float64 `json:"w"`
		B    []float64 `json:"b"`
	} `json:"snapshots"`
	State map[string][]float64 `json:"state"`
}

// loadEdges reads and sanity-checks the reference file.
func loadEdges(t *testing.T) edgesFile {
	t.Helper()
	var ref edgesFile
	reftest.Load(t, edgesPath, edgesRegen, &ref)
	p := ref.Problem
	if ref.Steps < 2 || len(p.XShape) != 2 || len(p.X) != tensor.NumElems(p.XShape) || len(p.Labels) != p.XShape[0] ||
		len(p.WShape) != 2 || p.WShape[1] != p.XShape[1] || len(p.W) != tensor.NumElems(p.WShape) || len(p.B) != p.WShape[0] {
		t.Fatalf("%s: malformed header or problem", edgesPath)
	}
	if len(ref.Cases) < 15 || len(ref.Validation) < 15 || len(ref.Defaults) != 3 {
		t.Fatalf("%s: %d cases, %d validation checks, %d defaults: too few", edgesPath, len(ref.Cases), len(ref.Validation), len(ref.Defaults))
	}
	for _, c := range ref.Cases {
		for _, r := range []edgeRun{c.Float64, c.Float32} {
			if len(r.Loss) != ref.Steps || len(r.Snapshots) == 0 || r.Snapshots[len(r.Snapshots)-1].Step != ref.Steps {
				t.Fatalf("%s: case %q: %d losses, %d snapshots; want %d steps", edgesPath, c.Name, len(r.Loss), len(r.Snapshots), ref.Steps)
			}
		}
	}
	return ref
}

// edgeTrajectory trains the case's optimizer in precision T for the file's
// steps and returns the losses, W and b after every step, and the final
// state, all widened to float64.
func edgeTrajectory[T tensor.Float](t *testing.T, ref edgesFile, c edgeCase) (loss []float64, snaps map[int][2][]float64, state map[string][]float64) {
	t.Helper()
	p := newProblem[T](ref.Problem)
	opt, err := newOptimizer(c.Optimizer, c.Config, p.params())
	if err != nil {
		t.Fatalf("case %q: %v", c.Name, err)
	}
	snaps = map[int][2][]float64{}
	for step := range ref.Steps {
		loss = append(loss, float64(p.lossAndGrad()))
		opt.Step()
		snaps[step+1] = [2][]float64{testutil.Convert[float64](p.w.Value().Data()), testutil.Convert[float64](p.b.Value().Data())}
	}
	state = map[string][]float64{}
	for _, nt := range opt.State() {
		state[nt.Name] = testutil.Convert[float64](nt.Tensor.Data())
	}
	return loss, snaps, state
}

// relDiff returns max |got − want| / max(1, max |want|): the difference
// relative to the size of the numbers, absolute for small ones. It is +Inf
// if the lengths differ and NaN if a difference is.
func relDiff(got, want []float64) float64 {
	scale := 1.0
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	return testutil.MaxAbsDiff(got, want) / scale
}

// stateRelDiff compares each state entry relative to its own largest
// element (moments can be far below 1), reporting the worst entry.
func stateRelDiff(got, want map[string][]float64) (float64, string) {
	if len(got) != len(want) {
		return math.Inf(1), fmt.Sprintf("entries %v, torch's %v", sortedKeys(got), sortedKeys(want))
	}
	worst, where := 0.0, ""
	for name, w := range want {
		scale := 0.0
		for _, v := range w {
			scale = max(scale, math.Abs(v))
		}
		if len(got[name]) != len(w) {
			return math.Inf(1), fmt.Sprintf("%s has %d values, torch's %d", name, len(got[name]), len(w))
		}
		d := testutil.MaxAbsDiff(got[name], w)
		if scale > 0 {
			d /= scale
		}
		if !(d <= worst) {
			worst, where = d, name
		}
	}
	return worst, where
}

func sortedKeys(m map[string][]float64) []string {
	var k []string
	for name := range m {
		k = append(k, name)
	}
	slices.Sort(k)
	return k
}

// TestTorchOptimizerEdges trains every edge case — hyperparameters at zero,
// maximize, AMSGrad, dampening with and without momentum — in float64 and
// float32 and compares the losses, W and b after steps 1, 2 and the last,
// and the final state with torch's in the same precision.
func TestTorchOptimizerEdges(t *testing.T) {
	ref := loadEdges(t)
	t.Logf("%d cases from PyTorch %s", len(ref.Cases), ref.TorchVersion)
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Run("float64", func(t *testing.T) { checkEdgeCase[float64](t, ref, c, c.Float64, 1e-10) })
			t.Run("float32", func(t *testing.T) { checkEdgeCase[float32](t, ref, c, c.Float32, 1e-5) })
		})
	}
}

func checkEdgeCase[T tensor.Float](t *testing.T, ref edgesFile, c edgeCase, want edgeRun, tol float64) {
	loss, snaps, state := edgeTrajectory[T](t, ref, c)
	if d := relDiff(loss, want.Loss); !(d <= tol) {
		t.Errorf("losses differ by %.3g:\ngot  %v\nwant %v", d, loss, want.Loss)
	}
	worst := 0.0
	for _, s := range want.Snapshots {
		got := snaps[s.Step]
		dw, db := relDiff(got[0], s.W), relDiff(got[1], s.B)
		if !(dw <= tol && db <= tol) {
			t.Errorf("after step %d: W differs by %.3g, b by %.3g\nW got  %v\nW want %v\nb got  %v\nb want %v",
				s.Step, dw, db, got[0], s.W, got[1], s.B)
		}
		worst = max(worst, dw, db)
	}
	if d, where := stateRelDiff(state, want.State); !(d <= tol) {
		t.Errorf("state differs from torch's by %.3g in %s", d, where)
	}
	// A rate of 0 must leave the parameters exactly where they were; any
	// other must move them, or matching would prove little.
	last := snaps[ref.Steps]
	w0 := testutil.Convert[float64](testutil.Convert[T](ref.Problem.W))
	moved := testutil.MaxAbsDiff(last[0], w0)
	if c.Config.LR != nil && *c.Config.LR == 0 {
		if moved != 0 {
			t.Errorf("W moved by %g with learning rate 0", moved)
		}
		if len(state) == 0 {
			t.Error("no state after steps with learning rate 0 and momentum: the state must still advance")
		}
	} else if moved < 1e-3 {
		t.Errorf("W moved by only %g", moved)
	}
	t.Logf("max relative |tapegrad − torch| in W, b: %.3g", worst)
}

// TestTorchOptimizerDefaults: the optimizers' defaults are torch's, except
// SGD's learning rate where torch 1.13 has none: there tapegrad takes
// PyTorch 2.x's 1e-3.
func TestTorchOptimizerDefaults(t *testing.T) {
	ref := loadEdges(t)
	ps := []*autograd.Var[float64]{scalarParam(0)}
	val := func(p *float64) float64 { return *p }
	bval := func(p *bool) bool { return *p }

	s := ref.Defaults["sgd"]
	lr := 1e-3
	if s.LR != nil {
		lr = *s.LR
	}
	wantSGD := optim.SGDConfig{LR: lr, Momentum: val(s.Momentum), Dampening: val(s.Dampening),
		WeightDecay: val(s.WeightDecay), Nesterov: bval(s.Nesterov), Maximize: bval(s.Maximize)}
	if got := optim.DefaultSGDConfig(); got != wantSGD {
		t.Errorf("DefaultSGDConfig() = %+v, torch's %+v", got, wantSGD)
	}
	if got := optim.NewSGD(ps).Config(); got != wantSGD {
		t.Errorf("NewSGD(ps).Config() = %+v, torch's %+v", got, wantSGD)
	}

	adam := func(c refConfig) optim.AdamConfig {
		return optim.AdamConfig{LR: val(c.LR), Betas: *c.Betas, Eps: val(c.Eps),
			WeightDecay: val(c.WeightDecay), Amsgrad: bval(c.Amsgrad), Maximize: bval(c.Maximize)}
	}
	wantAdam, wantAdamW := adam(ref.Defaults["adam"]), adam(ref.Defaults["adamw"])
	for _, c := range []struct {
		name      string
		got, want optim.AdamConfig
	}{
		{"DefaultAdamConfig()", optim.DefaultAdamConfig(), wantAdam},
		{"NewAdam(ps).Config()", optim.NewAdam(ps).Config(), wantAdam},
		{"DefaultAdamWConfig()", optim.DefaultAdamWConfig(), wantAdamW},
		{"NewAdamW(ps).Config()", optim.NewAdamW(ps).Config(), wantAdamW},
	} {
		if c.got != c.want {
			t.Errorf("%s = %+v, torch's %+v", c.name, c.got, c.want)
		}
	}
	if wantAdamW.WeightDecay == 0 || wantAdam.WeightDecay != 0 {
		t.Errorf("torch's weight decays: Adam %v, AdamW %v; want 0 and a positive default", wantAdam.WeightDecay, wantAdamW.WeightDecay)
	}
}

// torchMessages maps torch's ValueError messages onto the text tapegrad's
// panic must contain; %s receives the offending value as Go prints it,
// %d the one-based index of a beta.
var torchMessages = []struct {
	re   *regexp.Regexp
	want string
}{
	{regexp.MustCompile(`^Invalid learning rate: (\S+)$`), "invalid learning rate %s "},
	{regexp.MustCompile(`^Invalid momentum value: (\S+)$`), "invalid momentum %s "},
	{regexp.MustCompile(`^Invalid weight_decay value: (\S+)$`), "invalid weight decay %s "},
	{regexp.MustCompile(`^Invalid epsilon value: (\S+)$`), "invalid epsilon %s "},
	{regexp.MustCompile(`^Invalid beta parameter at index (\d): (\S+)$`), "invalid beta%d %s "},
	{regexp.MustCompile(`^Nesterov momentum requires a momentum and zero dampening$`), "Nesterov momentum requires Momentum > 0 and Dampening = 0"},
}

// expectedPanic translates torch's message into what tapegrad's must say.
func expectedPanic(torchMsg string) (string, bool) {
	for _, m := range torchMessages {
		sub := m.re.FindStringSubmatch(torchMsg)
		if sub == nil {
			continue
		}
		var args []any
		for k, s := range sub[1:] {
			if k == 0 && len(sub) == 3 { // the beta's index, 0-based in torch
				i, _ := strconv.Atoi(s)
				args = append(args, i+1)
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return "", false
			}
			args = append(args, fmt.Sprint(v))
		}
		return fmt.Sprintf(m.want, args...), true
	}
	return "", false
}

// TestTorchOptimizerValidation: tapegrad's constructors accept exactly the
// finite settings torch's accept, and reject the others with a panic that
// names the optimizer, the hyperparameter and the value.
func TestTorchOptimizerValidation(t *testing.T) {
	ref := loadEdges(t)
	names := map[string]string{"sgd": "SGD", "adam": "Adam", "adamw": "AdamW"}
	rejected := 0
	for i, c := range ref.Validation {
		t.Run(fmt.Sprintf("%d_%s", i, c.Optimizer), func(t *testing.T) {
			ps := []*autograd.Var[float64]{scalarParam(0)}
			var err error
			msg, _ := testutil.PanicMessage(func() { _, err = newOptimizer(c.Optimizer, c.Config, ps) })
			if err != nil {
				t.Fatal(err)
			}
			if c.Accepted {
				if msg != "" {
					t.Errorf("torch accepts %+v; tapegrad panics: %s", c.Config, msg)
				}
				return
			}
			rejected++
			want, ok := expectedPanic(c.Error)
			if !ok {
				t.Fatalf("torch's message %q is not one this test knows", c.Error)
			}
			prefix := "optim: " + names[c.Optimizer] + ": "
			if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, want) {
				t.Errorf("torch rejects %+v with %q; tapegrad's panic %q, want %q…%q", c.Config, c.Error, msg, prefix, want)
			}
		})
	}
	if rejected == 0 || rejected == len(ref.Validation) {
		t.Errorf("%d of %d settings rejected: want some of each", rejected, len(ref.Validation))
	}
}
