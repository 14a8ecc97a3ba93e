package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/examples/internal/course"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// tinyMLP is a 4→3→3 tanh MLP written with functional ops on the weights
// w1, b1, w2, b2, for gradient checks in float64.
func tinyMLP(w []*autograd.Var[float64]) func(*autograd.Var[float64]) *autograd.Var[float64] {
	return func(x *autograd.Var[float64]) *autograd.Var[float64] {
		h := functional.Tanh(functional.Linear(x, w[0], w[1]))
		return functional.Linear(h, w[2], w[3])
	}
}

func tinyInputs() []*tensor.Tensor[float64] {
	rng := rand.New(rand.NewPCG(2, 3))
	return []*tensor.Tensor[float64]{
		tensor.RandN[float64](rng, 5, 4), // x: B = 5
		tensor.RandN[float64](rng, 3, 4), tensor.RandN[float64](rng, 3),
		tensor.RandN[float64](rng, 3, 3), tensor.RandN[float64](rng, 3),
	}
}

var tinyLabels = []int{0, 2, 1, 1, 0}

// penalizedTotal evaluates CE + λ·penalty of tinyMLP on a fresh tape, with
// x and the weights as parameters of the tape, and returns it with its
// tape.
func penalizedTotal(in []*tensor.Tensor[float64]) (*autograd.Var[float64], []*autograd.Var[float64]) {
	tape := autograd.NewTape[float64]()
	xs := make([]*autograd.Var[float64], len(in))
	for i, t := range in {
		xs[i] = tape.Param(t)
	}
	total, _, _ := penalizedLoss(tinyMLP(xs[1:]), xs[0], tinyLabels, 0.7)
	return total, xs
}

// TestPenalizedLossGradient checks the gradient of CE + λ·penalty with
// respect to the input and every weight against central differences: it
// runs through the backward pass recorded by Grad with CreateGraph. (gradtest.Check
// evaluates f off any tape, where Grad cannot run.)
func TestPenalizedLossGradient(t *testing.T) {
	in := tinyInputs()
	total, xs := penalizedTotal(in)
	grads := xs[0].Tape().Grad([]*autograd.Var[float64]{total}, xs, autograd.GradOptions[float64]{})
	const h = 1e-6
	for i := range in {
		for j := range in[i].Data() {
			moved := func(d float64) float64 {
				c := make([]*tensor.Tensor[float64], len(in))
				for k := range in {
					c[k] = in[k].Clone()
				}
				c[i].Data()[j] += d
				v, _ := penalizedTotal(c)
				return v.Value().Item()
			}
			numeric := (moved(h) - moved(-h)) / (2 * h)
			if got := grads[i].Value().Data()[j]; math.Abs(got-numeric) > 1e-7+1e-6*math.Abs(numeric) {
				t.Errorf("input %d, element %d: gradient %.10g, central differences %.10g", i, j, got, numeric)
			}
		}
	}
}

// TestPenalizedLossValue checks the penalty against its definition,
// (1/B) Σᵢ ‖∂ℓᵢ/∂xᵢ‖², with each ∂ℓᵢ/∂xᵢ from a pass over example i
// alone, and total = CE + λ·penalty.
func TestPenalizedLossValue(t *testing.T) {
	in := tinyInputs()
	tape := autograd.NewTape[float64]()
	w := make([]*autograd.Var[float64], 4)
	for i := range w {
		w[i] = autograd.NewParam(in[i+1])
	}
	total, ce, pen := penalizedLoss(tinyMLP(w), tape.Param(in[0]), tinyLabels, 0.7)
	var want float64
	for i, label := range tinyLabels {
		one := autograd.NewTape[float64]()
		xi := one.Param(tensor.FromSlice(in[0].Data()[4*i:4*i+4], 1, 4))
		loss := functional.CrossEntropy(tinyMLP(w)(xi), []int{label})
		g := one.Grad([]*autograd.Var[float64]{loss}, []*autograd.Var[float64]{xi}, autograd.GradOptions[float64]{})[0]
		for _, v := range g.Value().Data() {
			want += v * v / float64(len(tinyLabels))
		}
	}
	if got := pen.Value().Item(); math.Abs(got-want) > 1e-13*want || want == 0 {
		t.Errorf("penalty %v, want %v", got, want)
	}
	if got, want := total.Value().Item(), ce.loss.Value().Item()+0.7*pen.Value().Item(); math.Abs(got-want) > 1e-14 {
		t.Errorf("total %v, want CE + λ·penalty = %v", got, want)
	}
	if total, _, pen := penalizedLoss(tinyMLP(w), tape.Input(in[0]), tinyLabels, 0); pen != nil || total.Value().Item() != ce.loss.Value().Item() {
		t.Errorf("λ = 0: total %v, penalty %v; want the cross-entropy alone", total.Value().Item(), pen)
	}
}

// TestRun trains both runs briefly on the synthetic set, and checks the
// report: every evaluation and the table.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	if err := course.WriteSyntheticMNIST(dir, 96, 40, 1); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"-dataset", "mnist", "-data", dir, "-hidden", "16", "-batch", "8",
		"-steps", "24", "-eval-every", "12", "-lambda", "5", "-lr", "1e-2"}, &out, &out)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, re := range []string{
		`(?m)^gradpenalty on mnist: 96 training and 40 test images, MLP 784→16→10, Adam lr 0.01, 24 steps of 8$`,
		`(?m)^λ = 0:\n  step    12: test accuracy \d\.\d{4}, mean ‖∂ℓ/∂x‖ on the test set \d+\.\d{4}\n  step    24: `,
		`(?m)^λ = 5:\n  step    12: test accuracy \d\.\d{4}, mean ‖∂ℓ/∂x‖ on the test set \d+\.\d{4}; since the last evaluation: cross-entropy \d+\.\d{4}, penalty \(1/B\)Σ‖∂ℓᵢ/∂xᵢ‖² \d+\.\d{4}\n  step    24: `,
		`(?m)^\| test accuracy \| \d\.\d{4} \| \d\.\d{4} \|$`,
		`(?m)^\| test accuracy under FGSM, ε = 0.05 \| \d\.\d{4} \| \d\.\d{4} \|$`,
		`(?m)^\| mean ‖∂ℓ/∂x‖² on the test set \| \d\S* \| \d\S* \|$`,
	} {
		if !regexp.MustCompile(re).MatchString(s) {
			t.Errorf("output lacks %s:\n%s", re, s)
		}
	}
}

// TestPenaltyIsTrained trains on one batch of noise with random labels
// with λ = 100: the objective and the penalty both fall, the penalty to
// less than a third in 10 steps; and after a single step from the same
// weights, the penalized model's penalty is below the plain one's.
func TestPenaltyIsTrained(t *testing.T) {
	dir := t.TempDir()
	if err := course.WriteSyntheticMNIST(dir, 8, 4, 1); err != nil {
		t.Fatal(err)
	}
	trainSet, _, err := course.LoadData(context.Background(), course.Config{Dataset: "mnist", DataDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 5))
	x := tensor.RandN[float32](rng, 16, 1, 28, 28)
	labels := make([]int, 16)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	s := settings{hidden: course.Sizes{32}, lr: 1e-3, seed: 3}
	penalty := func(m *model) float64 {
		tape := autograd.NewTape[float32]()
		_, _, pen := penalizedLoss(m.Model.Forward, tape.Param(x.Reshape(16, -1)), labels, 1)
		return float64(pen.Value().Item())
	}

	m := newModel(trainSet, s, 100)
	var losses, pens []float64
	for range 10 {
		loss, _ := m.TrainStep(x, labels)
		_, pen := m.interval()
		losses, pens = append(losses, loss), append(pens, pen)
	}
	if !(losses[9] < losses[0]/3) || !(pens[9] < pens[0]/3) {
		t.Errorf("CE + 100·penalty %v, penalty %v over 10 steps: want both below a third of their start", losses, pens)
	}

	plain, penalized := newModel(trainSet, s, 0), newModel(trainSet, s, 100)
	if penalty(plain) != pens[0] {
		t.Fatalf("penalty at the start %v, TrainStep's %v", penalty(plain), pens[0])
	}
	plain.TrainStep(x, labels)
	penalized.TrainStep(x, labels)
	if a, b := penalty(plain), penalty(penalized); !(b < a) {
		t.Errorf("penalty after one step: %v without it, %v with it", a, b)
	}
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-lambda", "0"}, "-lambda 0: want a positive finite number"},
		{[]string{"-lr", "Inf"}, "-lr +Inf: want a positive finite number"},
		{[]string{"-steps", "0"}, "-steps 0: want at least 1"},
		{[]string{"-batch", "0"}, "-batch 0: want at least 1"},
		{[]string{"-eval-every", "0"}, "-eval-every 0: want at least 1"},
		{[]string{"-epsilon", "-0.1"}, "-epsilon -0.1: want a finite number, 0 or more"},
		{[]string{"-hidden", "16,x"}, `invalid value "16,x" for flag -hidden: bad layer size "x"`},
		{[]string{"-dataset", "cifar10"}, `unknown -dataset "cifar10": want fashion-mnist or mnist`},
		{[]string{"-dataset", "mnist"}, "-dataset mnist needs -data DIR holding the MNIST IDX files"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		var out bytes.Buffer
		err := run(context.Background(), c.args, &out, &out)
		var usage *course.UsageError
		if !errors.As(err, &usage) || !strings.Contains(err.Error(), c.want) || out.Len() != 0 {
			t.Errorf("%q: error %v, output %q; want a usage error with %q and no output", c.args, err, out.String(), c.want)
		}
	}
	dir := t.TempDir()
	if err := course.WriteSyntheticMNIST(dir, 10, 4, 1); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"-dataset", "mnist", "-data", dir, "-batch", "11"}, &bytes.Buffer{}, &bytes.Buffer{})
	if want := "-batch 11 is larger than the training set (10 images)"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
