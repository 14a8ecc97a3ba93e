package train

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

func newMLP(seed uint64) *nn.Sequential[float64] {
	return nn.NewMLP(nn.MLPConfig[float64]{Inputs: 12, Hidden: []int{5}, Classes: 3}, rand.New(rand.NewPCG(seed, 2)))
}

// TestStepIsTheTrainingStep checks Step against the step written out by
// hand on a twin model: the same loss and, after three steps, the same
// weights to the bit.
func TestStepIsTheTrainingStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := tensor.RandN[float64](rng, 4, 3, 2, 2) // flattened to 4×12
	labels := []int{0, 2, 1, 2}

	a, b := newMLP(1), newMLP(1)
	optA, err := NewOptimizer("adam", nn.Params[float64](a), 0.01)
	if err != nil {
		t.Fatal(err)
	}
	c := &Classifier[float64]{Model: a, Optimizer: optA, Flatten: true}
	optB := optim.NewAdam(nn.Params[float64](b), optim.LR(0.01))
	for i := range 3 {
		tape := autograd.NewTape[float64]()
		optB.ZeroGrad()
		loss := functional.CrossEntropy(b.Forward(tape.Input(x.Reshape(4, 12))), labels)
		tape.Backward(loss)
		optB.Step()
		if got, want := c.Step(x, labels), loss.Value().Item(); got != want {
			t.Errorf("step %d: loss %v, want %v", i, got, want)
		}
	}
	pa, pb := nn.NamedParams[float64](a), nn.NamedParams[float64](b)
	for i := range pa {
		if d := tensor.MaxAbsDiff(pa[i].Var.Value(), pb[i].Var.Value()); d != 0 {
			t.Errorf("%s differs by %g after three steps", pa[i].Name, d)
		}
	}
	if c.SavedBytes() <= 0 {
		t.Errorf("SavedBytes() = %d after a step", c.SavedBytes())
	}
}

// TestEvalBatch checks EvalBatch and Predict against the model run on a
// constant, in evaluation mode, and that training mode comes back: the
// model's batch norm uses batch statistics again afterwards.
func TestEvalBatch(t *testing.T) {
	m := nn.NewMLP(nn.MLPConfig[float64]{Inputs: 6, Hidden: []int{4}, Classes: 3, BatchNorm: true}, rand.New(rand.NewPCG(1, 1)))
	opt, _ := NewOptimizer("sgd", nn.Params[float64](m), 0.1)
	c := NewClassifier[float64](m, opt)
	x := tensor.RandN[float64](rand.New(rand.NewPCG(5, 5)), 5, 6)
	labels := []int{0, 1, 2, 1, 0}
	c.Step(x, labels) // moves the running statistics away from (0, 1)

	nn.SetTraining[float64](m, false)
	want := m.Forward(autograd.NewConst(x)).Value().Clone()
	nn.SetTraining[float64](m, true)

	lossSum, correct := c.EvalBatch(x, labels)
	wantLoss := functional.CrossEntropy(autograd.NewConst(want), labels).Value().Item() * 5
	if d := lossSum - wantLoss; d > 1e-12 || d < -1e-12 {
		t.Errorf("EvalBatch loss sum %v, want %v", lossSum, wantLoss)
	}
	if w := Correct(want, labels); correct != w {
		t.Errorf("EvalBatch correct %d, want %d", correct, w)
	}
	train := m.Forward(autograd.NewConst(x)).Value().Clone() // training mode: batch statistics
	if d := tensor.MaxAbsDiff(c.Predict(x), train); d != 0 {
		t.Errorf("Predict after EvalBatch differs from training mode's outputs by %g", d)
	}
}

func TestCorrect(t *testing.T) {
	scores := tensor.FromSlice([]float32{0.1, 0.9, 0, 2, 1, 3, 5, 5, 1}, 3, 3)
	if got := Correct(scores, []int{1, 0, 0}); got != 2 { // rows' largest at 1, 2, 0 (the first of a tie)
		t.Errorf("Correct = %d, want 2", got)
	}
	testutil.MustPanic(t, func() { Correct(scores, []int{1, 0}) }, "train: Correct: scores of shape [3 3] for 2 labels")
	testutil.MustPanic(t, func() { Correct(tensor.New[float32](2, 0), []int{0, 0}) }, "train: Correct: scores of shape [2 0] for 2 labels")
}

// TestCorrectFollowsArgMax checks Correct's own loop against tensor.ArgMax
// on rows with ties, NaNs and infinities: the first largest, the first NaN
// counting as the largest.
func TestCorrectFollowsArgMax(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	vals := []float32{-1, 0, 2, 2, -inf, inf, nan}
	rng := rand.New(rand.NewPCG(7, 8))
	const rows, classes = 400, 5
	data := make([]float32, rows*classes)
	for i := range data {
		data[i] = vals[rng.IntN(len(vals))]
	}
	scores := tensor.FromSlice(data, rows, classes)
	want := tensor.ArgMax(scores, 1)
	for label := range classes {
		labels := make([]int, rows)
		n := 0
		for i := range labels {
			labels[i] = label
			if want[i] == label {
				n++
			}
		}
		if got := Correct(scores, labels); got != n {
			t.Errorf("Correct with every label %d = %d, want %d (tensor.ArgMax's)", label, got, n)
		}
	}
	// Each row counted at its own argmax: all correct.
	if got := Correct(scores, want); got != rows {
		t.Errorf("Correct at ArgMax's indices = %d, want %d", got, rows)
	}
}

// TestNewOptimizer pins the optimizers and their settings, spelled out
// rather than left to zero-means-default.
func TestNewOptimizer(t *testing.T) {
	params := nn.Params[float32](nn.NewMLP(nn.MLPConfig[float32]{Inputs: 2, Classes: 2}, rand.New(rand.NewPCG(1, 1))))
	o, err := NewOptimizer("sgd", params, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	if sgd, ok := o.(*optim.SGD[float32]); !ok || sgd.Config() != (optim.SGDConfig{LR: 0.25}) {
		t.Errorf("sgd: %T %+v", o, o)
	}
	o, err = NewOptimizer("adam", params, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if adam, ok := o.(*optim.Adam[float32]); !ok || adam.Config() != (optim.AdamConfig{LR: 0.5, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}) {
		t.Errorf("adam: %T %+v", o, o)
	}
	if _, err := NewOptimizer("rmsprop", params, 0.1); err == nil || err.Error() != `unknown optimizer "rmsprop": want sgd or adam` {
		t.Errorf("err = %v", err)
	}
}

func TestClassifierNeedsModel(t *testing.T) {
	msg, panicked := testutil.PanicMessage(func() { (&Classifier[float32]{}).Step(tensor.New[float32](1, 2), []int{0}) })
	if want := "train: Classifier needs a Model and an Optimizer"; !panicked || msg != want {
		t.Errorf("panic %q (panicked %t), want %q", msg, panicked, want)
	}
}

// TestAfterBackward checks that AfterBackward runs between the backward
// pass and the optimizer's step (it sees the gradients and may change
// them), and that its error skips the step and is StepErr's.
func TestAfterBackward(t *testing.T) {
	x := tensor.RandN[float64](rand.New(rand.NewPCG(3, 4)), 4, 12)
	labels := []int{0, 2, 1, 2}
	a, b := newMLP(1), newMLP(1)
	optA, _ := NewOptimizer("sgd", nn.Params[float64](a), 0.1)
	optB, _ := NewOptimizer("sgd", nn.Params[float64](b), 0.1)
	ca := &Classifier[float64]{Model: a, Optimizer: optA}
	cb := &Classifier[float64]{Model: b, Optimizer: optB}
	// Doubling every gradient is a step with twice the learning rate.
	ca.AfterBackward = func() error {
		for _, p := range nn.Params[float64](a) {
			p.Grad().ScaleInPlace(2)
		}
		return nil
	}
	optB.SetLR(0.2)
	ca.Step(x, labels)
	cb.Step(x, labels)
	if ca.StepErr() != nil {
		t.Fatalf("StepErr() = %v after a step that succeeded", ca.StepErr())
	}
	pa, pb := nn.NamedParams[float64](a), nn.NamedParams[float64](b)
	for i := range pa {
		if d := tensor.MaxAbsDiff(pa[i].Var.Value(), pb[i].Var.Value()); d > 1e-15 {
			t.Errorf("%s: doubled gradients differ from a doubled learning rate by %g", pa[i].Name, d)
		}
	}

	before := pa[0].Var.Value().Clone()
	ca.AfterBackward = func() error { return errors.New("peer lost") }
	ca.Step(x, labels)
	if err := ca.StepErr(); err == nil || err.Error() != "peer lost" {
		t.Errorf("StepErr() = %v, want peer lost", err)
	}
	if d := tensor.MaxAbsDiff(pa[0].Var.Value(), before); d != 0 {
		t.Errorf("a failed AfterBackward still changed the weights by %g", d)
	}
}
