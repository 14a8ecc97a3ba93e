package functional_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

type lossVars = []*autograd.Var[float64]

func lossRand(seed uint64, lo, hi float64, shape ...int) *tensor.Tensor[float64] {
	return tensor.RandU(rand.New(rand.NewPCG(seed, 7)), lo, hi, shape...)
}

// TestLossCompositesGradCheck checks the composite losses, with their
// options, against central differences, first and second order, with
// respect to the input and every differentiable target.
func TestLossCompositesGradCheck(t *testing.T) {
	w := tensor.FromSlice([]float64{0.5, 2, 1, 0.25}, 4)
	labels := []int{3, -100, 0, 2, 1}
	for _, c := range []struct {
		name   string
		f      func(x lossVars) *autograd.Var[float64]
		inputs []*tensor.Tensor[float64]
	}{
		{"CrossEntropy/weight,ignore,smoothing", func(x lossVars) *autograd.Var[float64] {
			return functional.CrossEntropy(x[0], labels, functional.LossWeight(w), functional.LossLabelSmoothing(0.3))
		}, []*tensor.Tensor[float64]{lossRand(1, -2, 2, 5, 4)}},
		{"CrossEntropy/NxCxd,sum", func(x lossVars) *autograd.Var[float64] {
			return functional.CrossEntropy(x[0], []int{0, 3, 2, 1}, functional.LossReduction(functional.ReductionSum))
		}, []*tensor.Tensor[float64]{lossRand(2, -2, 2, 2, 4, 2)}},
		{"CrossEntropyProbs/weight,smoothing,none", func(x lossVars) *autograd.Var[float64] {
			return functional.CrossEntropyProbs(x[0], x[1], functional.LossWeight(w), functional.LossLabelSmoothing(0.1),
				functional.LossReduction(functional.ReductionNone))
		}, []*tensor.Tensor[float64]{lossRand(3, -2, 2, 3, 4), lossRand(4, 0, 1, 3, 4)}},
		{"NLLLoss/weight,ignore", func(x lossVars) *autograd.Var[float64] {
			return functional.NLLLoss(x[0], labels, functional.LossWeight(w))
		}, []*tensor.Tensor[float64]{lossRand(5, -3, 0, 5, 4)}},
		{"KLDivLoss/batchmean", func(x lossVars) *autograd.Var[float64] {
			return functional.KLDivLoss(x[0], x[1], functional.LossReduction(functional.ReductionBatchMean))
		}, []*tensor.Tensor[float64]{lossRand(6, -3, 0, 3, 4), lossRand(7, 0.1, 1, 3, 4)}},
		{"KLDivLoss/log_target", func(x lossVars) *autograd.Var[float64] {
			return functional.KLDivLoss(x[0], x[1], functional.LossLogTarget(true))
		}, []*tensor.Tensor[float64]{lossRand(8, -3, 0, 3, 4), lossRand(9, -3, 0, 3, 4)}},
		{"MSELoss/sum", func(x lossVars) *autograd.Var[float64] {
			return functional.MSELoss(x[0], x[1], functional.LossReduction(functional.ReductionSum))
		}, []*tensor.Tensor[float64]{lossRand(10, -2, 2, 3, 4), lossRand(11, -2, 2, 3, 4)}},
		{"HuberLoss/delta0.5", func(x lossVars) *autograd.Var[float64] {
			return functional.HuberLoss(x[0], x[1], functional.LossDelta(0.5))
		}, []*tensor.Tensor[float64]{tensor.FromSlice([]float64{0.1, -2, 1.3, 0.2}, 4), tensor.FromSlice([]float64{0.3, 0.5, -1, 0}, 4)}},
		{"BCEWithLogitsLoss/weight,pos_weight", func(x lossVars) *autograd.Var[float64] {
			return functional.BCEWithLogitsLoss(x[0], x[1], functional.LossWeight(w), functional.LossPosWeight(tensor.FromSlice([]float64{2, 0.5, 1, 3}, 4)))
		}, []*tensor.Tensor[float64]{lossRand(12, -3, 3, 3, 4), lossRand(13, 0, 1, 3, 4)}},
		{"BCELoss/weight", func(x lossVars) *autograd.Var[float64] {
			return functional.BCELoss(x[0], x[1], functional.LossWeight(w))
		}, []*tensor.Tensor[float64]{lossRand(14, 0.1, 0.9, 3, 4), lossRand(15, 0, 1, 3, 4)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := gradtest.Check(c.f, c.inputs, nil); err != nil {
				t.Error(err)
			}
			if err := gradtest.GradGradCheck(c.f, c.inputs, nil); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestCrossEntropyTrainingPathMatches checks that CrossEntropy without
// options (the training path: Gather, Mean) gives what the general path
// (NLLLoss, divided by the count) gives, value and gradient.
func TestCrossEntropyTrainingPathMatches(t *testing.T) {
	x0 := lossRand(20, -3, 3, 6, 5)
	labels := []int{4, 0, 2, 2, 1, 3}
	run := func(opts ...functional.LossOption) (float64, []float64) {
		tape := autograd.NewTape[float64]()
		x := tape.Param(x0.Clone())
		y := functional.CrossEntropy(x, labels, opts...)
		tape.Backward(y)
		return y.Value().Data()[0], x.Grad().Data()
	}
	fast, gFast := run()
	general, gGeneral := run(functional.LossIgnoreIndex(-100))
	if math.Abs(fast-general) > 1e-15*math.Abs(fast) {
		t.Errorf("loss %v on the training path, %v on the general one", fast, general)
	}
	if d := testutil.MaxAbsDiff(gFast, gGeneral); d > 1e-16 {
		t.Errorf("gradients differ by %g", d)
	}
	// A label equal to ignore_index leaves the training path: it is ignored.
	tape := autograd.NewTape[float64]()
	x := tape.Param(x0.Clone())
	y := functional.CrossEntropy(x, []int{4, -100, 2, 2, 1, 3})
	tape.Backward(y)
	for j, g := range x.Grad().Data()[5:10] {
		if g != 0 {
			t.Errorf("ignored row: gradient %v at class %d, want 0", g, j)
		}
	}
}

// TestLossDefaults checks that the defaults are PyTorch's: a loss without
// options equals the loss with the default given explicitly.
func TestLossDefaults(t *testing.T) {
	x := autograd.NewConst(lossRand(30, -3, 3, 4, 3))
	tg := autograd.NewConst(lossRand(31, -3, 3, 4, 3))
	same := func(name string, a, b *autograd.Var[float64]) {
		t.Helper()
		if d := testutil.MaxAbsDiff(a.Value().Data(), b.Value().Data()); d != 0 || a.Value().Size() != b.Value().Size() {
			t.Errorf("%s: defaults differ from the explicit defaults by %g", name, d)
		}
	}
	mean := functional.LossReduction(functional.ReductionMean)
	same("MSELoss", functional.MSELoss(x, tg), functional.MSELoss(x, tg, mean))
	same("SmoothL1Loss", functional.SmoothL1Loss(x, tg), functional.SmoothL1Loss(x, tg, functional.LossBeta(1), mean))
	same("HuberLoss", functional.HuberLoss(x, tg), functional.HuberLoss(x, tg, functional.LossDelta(1)))
	same("SmoothL1Loss beta 0 is L1Loss", functional.SmoothL1Loss(x, tg, functional.LossBeta(0)), functional.L1Loss(x, tg))
	same("NLLLoss", functional.NLLLoss(x, []int{0, 2, 1, 1}), functional.NLLLoss(x, []int{0, 2, 1, 1}, functional.LossIgnoreIndex(-100)))
	pt := autograd.NewConst(lossRand(32, 0.1, 1, 4, 3))
	same("KLDivLoss", functional.KLDivLoss(x, pt), functional.KLDivLoss(x, pt, functional.LossLogTarget(false), mean))
	for r, want := range map[functional.Reduction]string{functional.ReductionMean: "mean", functional.ReductionSum: "sum",
		functional.ReductionNone: "none", functional.ReductionBatchMean: "batchmean", 9: "Reduction(9)"} {
		if got := r.String(); got != want {
			t.Errorf("Reduction(%d).String() = %q, want %q", int(r), got, want)
		}
	}
}

func TestLossPanics(t *testing.T) {
	x := autograd.NewConst(lossRand(40, -3, 3, 2, 3))
	p := autograd.NewConst(lossRand(41, 0.1, 0.9, 2, 3))
	w32 := tensor.Ones[float32](3)
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"option not taken", func() { functional.MSELoss(x, p, functional.LossWeight(tensor.Ones[float64](3))) }, "functional: MSELoss does not take weight"},
		{"pos_weight on BCELoss", func() { functional.BCELoss(p, p, functional.LossPosWeight(tensor.Ones[float64](3))) }, "functional: BCELoss does not take pos_weight"},
		{"smoothing on NLLLoss", func() { functional.NLLLoss(x, []int{0, 1}, functional.LossLabelSmoothing(0.1)) }, "functional: NLLLoss does not take label_smoothing"},
		{"batchmean outside KLDivLoss", func() {
			functional.MSELoss(x, p, functional.LossReduction(functional.ReductionBatchMean))
		}, "functional: MSELoss: reduction batchmean is not one of none, mean, sum"},
		{"unknown reduction", func() { functional.KLDivLoss(x, p, functional.LossReduction(7)) }, "functional: KLDivLoss: reduction Reduction(7)"},
		{"weight of another dtype", func() { functional.NLLLoss(x, []int{0, 1}, functional.LossWeight(w32)) }, "functional: NLLLoss: weight is a *tensor.Tensor[float32], want a *tensor.Tensor of float64"},
		{"negative beta", func() { functional.SmoothL1Loss(x, p, functional.LossBeta(-1)) }, "functional: SmoothL1Loss: beta -1 must be at least 0"},
		{"zero delta", func() { functional.HuberLoss(x, p, functional.LossDelta(0)) }, "functional: HuberLoss: delta 0 must be positive"},
		{"smoothing above 1", func() { functional.CrossEntropy(x, []int{0, 1}, functional.LossLabelSmoothing(1.5)) }, "functional: CrossEntropy: label_smoothing 1.5 must be in [0, 1]"},
		{"probs target shape", func() { functional.CrossEntropyProbs(x, autograd.NewConst(tensor.New[float64](3, 2))) }, "functional: CrossEntropyProbs: target of shape [3 2] does not match logits of shape [2 3]"},
		{"probs ignore_index", func() { functional.CrossEntropyProbs(x, p, functional.LossIgnoreIndex(0)) }, "functional: CrossEntropyProbs: ignore_index 0 is not supported"},
		{"probs weight", func() { functional.CrossEntropyProbs(x, p, functional.LossWeight(tensor.Ones[float64](2))) }, "functional: CrossEntropyProbs: weight of shape [2], want 3 elements"},
		{"label out of range", func() { functional.CrossEntropy(x, []int{0, 3}, functional.LossLabelSmoothing(0.1)) }, "ops: NLLLoss: target 3 at element 1 is out of range for 3 classes"},
		{"class weight size", func() { functional.NLLLoss(x, []int{0, 1}, functional.LossWeight(tensor.Ones[float64](2))) }, "ops: NLLLoss: weight of shape [2], want 3 elements"},
		{"BCE input above 1", func() { functional.BCELoss(x, p) }, "ops: BCELoss: input"},
		{"BCEWithLogits shapes", func() { functional.BCEWithLogitsLoss(x, autograd.NewConst(tensor.New[float64](3, 2))) }, "ops: BCEWithLogits: target of shape [3 2] does not match input of shape [2 3]"},
	} {
		t.Run(c.name, func(t *testing.T) { testutil.MustPanic(t, c.f, c.want) })
	}
}
