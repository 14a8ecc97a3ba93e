package optim_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers come from torch.optim in float64; regenerate them with
//
//	/usr/bin/python3 optim/testdata/gen_torch_optim.py
//
// The tests only read the JSON: they never need Python.
const referencePath = "testdata/torch_optim.json"

// refTol bounds |tapegrad − torch| in float64. The acceptance criterion is
// 1e-6; the observed differences are rounding (PyTorch's vectorized kernels
// use fused multiply-adds, Go on amd64 does not), a few 1e-15 after 20 steps,
// and the test logs them. The bound sits far above those and far below what
// a misplaced ε or a wrong bias correction would cause.
const refTol = 1e-10

// refFile is the layout of torch_optim.json.
type refFile struct {
	reftest.Header
	DType      string        `json:"dtype"`
	Problem    refProblem    `json:"problem"`
	Steps      int           `json:"steps"`
	Optimizers []refOptCase  `json:"optimizers"`
	Schedules  []refSchedule `json:"schedules"`
	Clip       []refClip     `json:"clip"`
}

// refProblem is the softmax regression every optimizer case trains:
// loss = cross_entropy(X·Wᵀ + b, labels), the mean over the batch.
type refProblem struct {
	XShape []int     `json:"x_shape"`
	X      []float64 `json:"x"`
	Labels []int     `json:"labels"`
	WShape []int     `json:"w_shape"`
	W      []float64 `json:"w"`
	B      []float64 `json:"b"`
}

// refOptCase is one optimizer trained for Steps steps: the loss before and
// the learning rate of every step, and W and b after some of them.
type refOptCase struct {
	Name      string        `json:"name"`
	Optimizer string        `json:"optimizer"`
	Config    refConfig     `json:"config"`
	Schedule  *refSchedSpec `json:"schedule"`
	Loss      []float64     `json:"loss"`
	LR        []float64     `json:"lr"`
	Snapshots []struct {
		Step int       `json:"step"`
		W    []float64 `json:"w"`
		B    []float64 `json:"b"`
	} `json:"snapshots"`
}

// refConfig holds the keyword arguments given to the torch optimizer; a nil
// field was left to torch's default, and is left to tapegrad's here.
type refConfig struct {
	LR          *float64    `json:"lr"`
	Momentum    *float64    `json:"momentum"`
	Dampening   *float64    `json:"dampening"`
	WeightDecay *float64    `json:"weight_decay"`
	Nesterov    *bool       `json:"nesterov"`
	Betas       *[2]float64 `json:"betas"`
	Eps         *float64    `json:"eps"`
	Amsgrad     *bool       `json:"amsgrad"`
	Maximize    *bool       `json:"maximize"`
}

type refSchedSpec struct {
	Kind        string  `json:"kind"`
	StepSize    int     `json:"step_size"`
	Gamma       float64 `json:"gamma"`
	TMax        int     `json:"t_max"`
	EtaMin      float64 `json:"eta_min"`
	Warmup      int     `json:"warmup"`
	StartFactor float64 `json:"start_factor"`
}

// refSchedule is the learning rate of a torch scheduler before each step.
type refSchedule struct {
	Name     string       `json:"name"`
	BaseLR   float64      `json:"base_lr"`
	Schedule refSchedSpec `json:"schedule"`
	LR       []float64    `json:"lr"`
}

// refClip is one clip_grad_norm_ call on the problem's gradients at the
// initial parameters, the loss multiplied by GradScale.
type refClip struct {
	Name        string  `json:"name"`
	MaxNorm     float64 `json:"max_norm"`
	GradScale   float64 `json:"grad_scale"`
	GradsBefore refWB   `json:"grads_before"`
	TotalNorm   float64 `json:"total_norm"`
	GradsAfter  refWB   `json:"grads_after"`
}

type refWB struct {
	W []float64 `json:"w"`
	B []float64 `json:"b"`
}

// loadReference reads and sanity-checks the reference file, so that a
// truncated or hand-edited file fails loudly instead of testing less.
func loadReference(t *testing.T) refFile {
	t.Helper()
	var ref refFile
	reftest.Load(t, referencePath, "/usr/bin/python3 optim/testdata/gen_torch_optim.py", &ref)
	p := ref.Problem
	if ref.DType != "float64" || ref.Steps < 2 ||
		len(p.XShape) != 2 || len(p.X) != tensor.NumElems(p.XShape) || len(p.Labels) != p.XShape[0] ||
		len(p.WShape) != 2 || p.WShape[1] != p.XShape[1] || len(p.W) != tensor.NumElems(p.WShape) || len(p.B) != p.WShape[0] {
		t.Fatalf("%s: malformed header or problem: dtype %q, %d steps, X %v (%d values), %d labels, W %v (%d values), %d biases",
			referencePath, ref.DType, ref.Steps, p.XShape, len(p.X), len(p.Labels), p.WShape, len(p.W), len(p.B))
	}
	kinds := map[string]int{}
	for _, c := range ref.Optimizers {
		kinds[c.Optimizer]++
		last := c.Snapshots[len(c.Snapshots)-1]
		if len(c.Loss) != ref.Steps || len(c.LR) != ref.Steps || len(c.Snapshots) == 0 || last.Step != ref.Steps {
			t.Fatalf("%s: case %q: %d losses, %d rates, snapshots up to step %d; want %d steps",
				referencePath, c.Name, len(c.Loss), len(c.LR), last.Step, ref.Steps)
		}
		for _, s := range c.Snapshots {
			if len(s.W) != len(p.W) || len(s.B) != len(p.B) || s.Step < 1 || s.Step > ref.Steps {
				t.Fatalf("%s: case %q: malformed snapshot of step %d", referencePath, c.Name, s.Step)
			}
		}
	}
	if kinds["sgd"] < 5 || kinds["adam"] < 2 || kinds["adamw"] < 1 || len(ref.Schedules) < 3 || len(ref.Clip) < 2 {
		t.Fatalf("%s: too few cases: %v optimizer cases, %d schedules, %d clip cases", referencePath, kinds, len(ref.Schedules), len(ref.Clip))
	}
	return ref
}

// softmaxRegression is the reference problem in precision T: data, and
// parameters W and b that the optimizers train.
type softmaxRegression[T tensor.Float] struct {
	x      *tensor.Tensor[T]
	labels []int
	w, b   *autograd.Var[T]
	tape   *autograd.Tape[T]
}

func newProblem[T tensor.Float](p refProblem) *softmaxRegression[T] {
	return &softmaxRegression[T]{
		x:      tensor.FromSlice(testutil.Convert[T](p.X), p.XShape...),
		labels: p.Labels,
		w:      autograd.NewParam(tensor.FromSlice(testutil.Convert[T](p.W), p.WShape...)),
		b:      autograd.NewParam(tensor.FromSlice(testutil.Convert[T](p.B), len(p.B))),
		tape:   autograd.NewTape[T](),
	}
}

func (p *softmaxRegression[T]) params() []*autograd.Var[T] { return []*autograd.Var[T]{p.w, p.b} }

// lossAndGrad resets the tape, zeroes the gradients, computes the loss and
// runs the backward pass, leaving the gradients on w and b.
func (p *softmaxRegression[T]) lossAndGrad() T {
	p.tape.Reset()
	p.w.ZeroGrad()
	p.b.ZeroGrad()
	loss := functional.CrossEntropy(functional.Linear(p.tape.Input(p.x), p.w, p.b), p.labels)
	p.tape.Backward(loss)
	return loss.Value().Item()
}

// newOptimizer builds the optimizer of a reference case: each keyword
// argument torch was given becomes the option of the same name, and the
// arguments left out are left to the defaults on both sides.
func newOptimizer[T tensor.Float](kind string, c refConfig, params []*autograd.Var[T]) (optim.Optimizer[T], error) {
	var common []optim.Option
	if c.LR != nil {
		common = append(common, optim.LR(*c.LR))
	}
	if c.WeightDecay != nil {
		common = append(common, optim.WeightDecay(*c.WeightDecay))
	}
	if c.Maximize != nil {
		common = append(common, optim.Maximize(*c.Maximize))
	}
	switch kind {
	case "sgd":
		if c.Betas != nil || c.Eps != nil || c.Amsgrad != nil {
			return nil, fmt.Errorf("an Adam argument for SGD: %+v", c)
		}
		var opts []optim.SGDOption
		for _, o := range common {
			opts = append(opts, o)
		}
		if c.Momentum != nil {
			opts = append(opts, optim.Momentum(*c.Momentum))
		}
		if c.Dampening != nil {
			opts = append(opts, optim.Dampening(*c.Dampening))
		}
		if c.Nesterov != nil {
			opts = append(opts, optim.Nesterov(*c.Nesterov))
		}
		return optim.NewSGD(params, opts...), nil
	case "adam", "adamw":
		if c.Momentum != nil || c.Dampening != nil || c.Nesterov != nil {
			return nil, fmt.Errorf("an SGD argument for %s: %+v", kind, c)
		}
		var opts []optim.AdamOption
		for _, o := range common {
			opts = append(opts, o)
		}
		if c.Betas != nil {
			opts = append(opts, optim.Betas(c.Betas[0], c.Betas[1]))
		}
		if c.Eps != nil {
			opts = append(opts, optim.Eps(*c.Eps))
		}
		if c.Amsgrad != nil {
			opts = append(opts, optim.Amsgrad(*c.Amsgrad))
		}
		if kind == "adamw" {
			return optim.NewAdamW(params, opts...), nil
		}
		return optim.NewAdam(params, opts...), nil
	}
	return nil, fmt.Errorf("unknown optimizer %q", kind)
}

// newSchedule builds a reference schedule starting from base.
func newSchedule(base float64, s refSchedSpec) (optim.Schedule, error) {
	switch s.Kind {
	case "step":
		return optim.StepLR(base, s.StepSize, s.Gamma), nil
	case "cosine":
		return optim.CosineAnnealingLR(base, s.TMax, s.EtaMin), nil
	case "warmup_cosine":
		return optim.LinearWarmup(s.Warmup, s.StartFactor, optim.CosineAnnealingLR(base, s.TMax, s.EtaMin)), nil
	}
	return nil, fmt.Errorf("unknown schedule %q", s.Kind)
}

// trajectory trains the case's optimizer on the reference problem in
// precision T and returns the losses, the learning rates and, for each
// snapshot step, W and b, all widened to float64.
func trajectory[T tensor.Float](t *testing.T, ref refFile, c refOptCase) (loss, lr []float64, snaps map[int][2][]float64) {
	t.Helper()
	p := newProblem[T](ref.Problem)
	opt, err := newOptimizer(c.Optimizer, c.Config, p.params())
	if err != nil {
		t.Fatalf("case %q: %v", c.Name, err)
	}
	var sched optim.Schedule
	if c.Schedule != nil {
		if sched, err = newSchedule(opt.LR(), *c.Schedule); err != nil {
			t.Fatalf("case %q: %v", c.Name, err)
		}
	}
	snaps = map[int][2][]float64{}
	for step := range ref.Steps {
		if sched != nil {
			opt.SetLR(sched(step))
		}
		loss = append(loss, float64(p.lossAndGrad()))
		lr = append(lr, opt.LR())
		opt.Step()
		snaps[step+1] = [2][]float64{testutil.Convert[float64](p.w.Value().Data()), testutil.Convert[float64](p.b.Value().Data())}
	}
	return loss, lr, snaps
}

// TestTorchOptimizers trains every reference case for 20 steps in float64 and
// compares the parameters after steps 1, 2 and 20, the losses and the
// learning rates with torch.optim's.
func TestTorchOptimizers(t *testing.T) {
	ref := loadReference(t)
	t.Logf("%d optimizer cases from PyTorch %s", len(ref.Optimizers), ref.TorchVersion)
	for _, c := range ref.Optimizers {
		t.Run(c.Name, func(t *testing.T) {
			loss, lr, snaps := trajectory[float64](t, ref, c)
			if d := testutil.MaxAbsDiff(lr, c.LR); d > 1e-15 {
				t.Errorf("learning rates differ by up to %.3g:\ngot  %v\nwant %v", d, lr, c.LR)
			}
			if d := testutil.MaxAbsDiff(loss, c.Loss); d > refTol {
				t.Errorf("losses differ by up to %.3g:\ngot  %v\nwant %v", d, loss, c.Loss)
			}
			worst := 0.0
			for _, s := range c.Snapshots {
				got := snaps[s.Step]
				dw, db := testutil.MaxAbsDiff(got[0], s.W), testutil.MaxAbsDiff(got[1], s.B)
				if dw > refTol || db > refTol {
					t.Errorf("after step %d: W differs by %.3g, b by %.3g\nW got  %v\nW want %v\nb got  %v\nb want %v",
						s.Step, dw, db, got[0], s.W, got[1], s.B)
				}
				worst = max(worst, dw, db)
			}
			// The parameters must actually move, or matching would prove little.
			last := c.Snapshots[len(c.Snapshots)-1]
			if moved := testutil.MaxAbsDiff(last.W, ref.Problem.W); moved < 1e-2 || c.Loss[len(c.Loss)-1] >= c.Loss[0] {
				t.Errorf("torch's W moved by only %g, its loss went from %g to %g", moved, c.Loss[0], c.Loss[len(c.Loss)-1])
			}
			t.Logf("max |tapegrad − torch| in W, b: %.3g", worst)
		})
	}
}

// TestTorchOptimizersFloat32 runs the same cases in float32: the update is
// generic, and its float32 trajectories stay within float32 rounding, a few
// ulps of the parameters compounded over 20 steps, of torch's float64 ones.
func TestTorchOptimizersFloat32(t *testing.T) {
	ref := loadReference(t)
	for _, c := range ref.Optimizers {
		t.Run(c.Name, func(t *testing.T) {
			_, _, snaps := trajectory[float32](t, ref, c)
			worst := 0.0
			for _, s := range c.Snapshots {
				got := snaps[s.Step]
				dw, db := testutil.MaxAbsDiff(got[0], s.W), testutil.MaxAbsDiff(got[1], s.B)
				if dw > 1e-5 || db > 1e-5 {
					t.Errorf("after step %d: W differs by %.3g, b by %.3g", s.Step, dw, db)
				}
				worst = max(worst, dw, db)
			}
			t.Logf("max |tapegrad(float32) − torch(float64)| in W, b: %.3g", worst)
		})
	}
}

// TestTorchSchedules compares every schedule's rates with torch's scheduler.
// PyTorch computes most of them by chained updates (lr ← lr·factor), which
// round differently from the closed forms here; the differences stay at a
// few ulps.
func TestTorchSchedules(t *testing.T) {
	ref := loadReference(t)
	for _, c := range ref.Schedules {
		t.Run(c.Name, func(t *testing.T) {
			s, err := newSchedule(c.BaseLR, c.Schedule)
			if err != nil {
				t.Fatal(err)
			}
			for step, want := range c.LR {
				if got := s(step); math.Abs(got-want) > 1e-14*c.BaseLR {
					t.Errorf("step %d: lr %.17g, torch %.17g", step, got, want)
				}
			}
		})
	}
}

// TestTorchClipGradNorm clips the problem's gradients as torch's
// clip_grad_norm_ did and compares the total norm and the clipped gradients.
func TestTorchClipGradNorm(t *testing.T) {
	ref := loadReference(t)
	clipped := 0
	for _, c := range ref.Clip {
		t.Run(c.Name, func(t *testing.T) {
			p := newProblem[float64](ref.Problem)
			p.lossAndGrad()
			p.w.Grad().ScaleInPlace(c.GradScale)
			p.b.Grad().ScaleInPlace(c.GradScale)
			if d := max(testutil.MaxAbsDiff(p.w.Grad().Data(), c.GradsBefore.W), testutil.MaxAbsDiff(p.b.Grad().Data(), c.GradsBefore.B)); d > 1e-12*c.GradScale {
				t.Fatalf("gradients before clipping differ from torch's by %.3g", d)
			}
			total := optim.ClipGradNorm(p.params(), c.MaxNorm)
			if math.Abs(total-c.TotalNorm) > 1e-12*c.TotalNorm {
				t.Errorf("total norm %.17g, torch %.17g", total, c.TotalNorm)
			}
			dw := testutil.MaxAbsDiff(p.w.Grad().Data(), c.GradsAfter.W)
			db := testutil.MaxAbsDiff(p.b.Grad().Data(), c.GradsAfter.B)
			if dw > 1e-12*c.GradScale || db > 1e-12*c.GradScale {
				t.Errorf("clipped gradients differ from torch's: W by %.3g, b by %.3g", dw, db)
			}
			if !slices.Equal(c.GradsBefore.W, c.GradsAfter.W) {
				clipped++
			}
		})
	}
	if clipped == 0 || clipped == len(ref.Clip) {
		t.Errorf("%d of %d reference cases clip: want some that do and some that do not", clipped, len(ref.Clip))
	}
}
