package tapebench

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Nodes is the number of ops a Step records.
const Nodes = 1000

// Workload is the parameter w, the constant c and the tape that every Step
// resets and reuses. It is used by one goroutine at a time.
type Workload struct {
	w, c *autograd.Var[float64]
	tape *autograd.Tape[float64]
}

// NewWorkload returns the workload with w = 0.5 and c = 1.0001, and anomaly
// detection on the tape on or off.
func NewWorkload(anomaly bool) *Workload {
	t := autograd.NewTape[float64]()
	t.SetDetectAnomaly(anomaly)
	return &Workload{
		w:    autograd.NewParam(tensor.FromSlice([]float64{0.5})),
		c:    autograd.NewConst(tensor.FromSlice([]float64{1.0001})),
		tape: t,
	}
}

// Step records the chain y = x·w (x = 1), then for i = 1, …, Nodes−2
// y = y + w for odd i and y = y·c for even i, then L = Σy: Nodes ops in all.
// It back-propagates L, returns dL/dw and clears w's gradient. It panics if
// the tape did not record Nodes nodes.
func (w *Workload) Step() float64 {
	w.tape.Reset()
	defer w.tape.Reset()
	y := functional.Mul(w.tape.Input(tensor.FromSlice([]float64{1})), w.w)
	for i := 1; i < Nodes-1; i++ {
		if i%2 == 0 {
			y = functional.Mul(y, w.c)
		} else {
			y = functional.Add(y, w.w)
		}
	}
	loss := functional.Sum(y)
	if n := w.tape.Len(); n != Nodes {
		panic(fmt.Sprintf("tapebench: recorded %d nodes, want %d", n, Nodes))
	}
	w.tape.Backward(loss)
	g := w.w.Grad().Item()
	w.w.ZeroGrad()
	return g
}
