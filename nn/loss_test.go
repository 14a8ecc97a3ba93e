package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestLossModulesCallTheirFunctionals checks that every loss module gives
// what its functional gives with the same options, and that a module keeps
// its options (a reduction other than the default shows).
func TestLossModulesCallTheirFunctionals(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := autograd.NewConst(tensor.RandU(r, -2.0, 2, 3, 4))
	p := autograd.NewConst(tensor.RandU(r, 0.1, 0.9, 3, 4))
	lp := functional.LogSoftmax(x, 1)
	labels := []int{3, 0, 2}
	w := tensor.FromSlice([]float64{0.5, 2, 1, 0.25}, 4)
	sum := functional.LossReduction(functional.ReductionSum)
	none := functional.LossReduction(functional.ReductionNone)
	for _, c := range []struct {
		name      string
		got, want *autograd.Var[float64]
	}{
		{"MSELoss", nn.NewMSELoss[float64](sum).Forward(x, p), functional.MSELoss(x, p, sum)},
		{"L1Loss", nn.NewL1Loss[float64](none).Forward(x, p), functional.L1Loss(x, p, none)},
		{"SmoothL1Loss", nn.NewSmoothL1Loss[float64](functional.LossBeta(0.3)).Forward(x, p), functional.SmoothL1Loss(x, p, functional.LossBeta(0.3))},
		{"HuberLoss", nn.NewHuberLoss[float64](functional.LossDelta(0.3), sum).Forward(x, p), functional.HuberLoss(x, p, functional.LossDelta(0.3), sum)},
		{"BCELoss", nn.NewBCELoss[float64](functional.LossWeight(w)).Forward(p, p), functional.BCELoss(p, p, functional.LossWeight(w))},
		{"BCEWithLogitsLoss", nn.NewBCEWithLogitsLoss[float64](functional.LossPosWeight(w), none).Forward(x, p),
			functional.BCEWithLogitsLoss(x, p, functional.LossPosWeight(w), none)},
		{"NLLLoss", nn.NewNLLLoss[float64](functional.LossWeight(w)).Forward(lp, labels), functional.NLLLoss(lp, labels, functional.LossWeight(w))},
		{"CrossEntropyLoss", nn.NewCrossEntropyLoss[float64](functional.LossLabelSmoothing(0.2)).Forward(x, labels),
			functional.CrossEntropy(x, labels, functional.LossLabelSmoothing(0.2))},
		{"CrossEntropyLoss/probs", nn.NewCrossEntropyLoss[float64](functional.LossWeight(w)).ForwardProbs(x, p),
			functional.CrossEntropyProbs(x, p, functional.LossWeight(w))},
		{"KLDivLoss", nn.NewKLDivLoss[float64](functional.LossReduction(functional.ReductionBatchMean)).Forward(lp, p),
			functional.KLDivLoss(lp, p, functional.LossReduction(functional.ReductionBatchMean))},
	} {
		if !tensor.EqualShapes(c.got.Shape(), c.want.Shape()) || testutil.MaxAbsDiff(c.got.Value().Data(), c.want.Value().Data()) != 0 {
			t.Errorf("%s: module gives %v, functional %v", c.name, c.got.Value().Data(), c.want.Value().Data())
		}
	}
	if got := nn.NewL1Loss[float64](none).Forward(x, p).Shape(); !tensor.EqualShapes(got, []int{3, 4}) {
		t.Errorf("L1Loss with reduction none: shape %v, want [3 4]", got)
	}
	testutil.MustPanic(t, func() { nn.NewMSELoss[float64](functional.LossWeight(w)).Forward(x, p) }, "functional: MSELoss does not take weight")
}
