package manual_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn/manual"
	"github.com/tapegrad/tapegrad/tensor"
)

// The hand-written MLP and the tape must agree: for the same weights and
// batch, the gradients of every weight, bias and the input match to 1e-10.
func TestManualMatchesTape(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	cases := []struct {
		batch, in int
		hidden    []int
		classes   int
		elu       bool
	}{
		{1, 5, []int{4}, 3, false},
		{20, 100, []int{30, 10}, 10, false},
		{13, 32, []int{16, 16, 8}, 7, true},
		{7, 12, nil, 4, false}, // no hidden layer: softmax regression
	}
	for _, c := range cases {
		m := manual.NewMLP[float64](manual.Config{Inputs: c.in, Hidden: c.hidden, Classes: c.classes, Std: 0.3, ELU: c.elu}, rng)
		for _, l := range m.Linears() {
			l.B = tensor.RandN[float64](rng, l.B.Size()) // non-zero biases exercise db
		}
		x := tensor.RandN[float64](rng, c.batch, c.in)
		labels := make([]int, c.batch)
		for i := range labels {
			labels[i] = rng.IntN(c.classes)
		}

		p := m.Forward(x)
		manualLoss := m.Loss.Forward(p, labels)
		dx := m.Backward(m.Loss.Backward())

		tape := autograd.NewTape[float64]()
		h := tape.Param(x.Clone())
		in := h
		var ws, bs []*autograd.Var[float64]
		for i, l := range m.Linears() {
			w, b := autograd.NewParam(l.W.Clone()), autograd.NewParam(l.B.Clone())
			ws, bs = append(ws, w), append(bs, b)
			h = functional.Linear(h, w, b)
			switch {
			case i == len(m.Linears())-1:
			case c.elu:
				h = functional.ELU(h, 1)
			default:
				h = functional.ReLU(h)
			}
		}
		loss := functional.CrossEntropy(h, labels)
		tape.Backward(loss)

		const tol = 1e-10
		if d := loss.Value().Item() - manualLoss; d > tol || d < -tol {
			t.Errorf("%+v: loss %.15g (tape) vs %.15g (manual)", c, loss.Value().Item(), manualLoss)
		}
		if d := tensor.MaxAbsDiff(in.Grad(), dx); d > tol {
			t.Errorf("%+v: dx differs by %.3g", c, d)
		}
		for i, l := range m.Linears() {
			if d := tensor.MaxAbsDiff(ws[i].Grad(), l.DW); d > tol {
				t.Errorf("%+v: layer %d dW differs by %.3g", c, i, d)
			}
			if d := tensor.MaxAbsDiff(bs[i].Grad(), l.DB); d > tol {
				t.Errorf("%+v: layer %d db differs by %.3g", c, i, d)
			}
		}
	}
}
