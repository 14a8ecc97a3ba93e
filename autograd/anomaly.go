package autograd

import (
	"fmt"
	"math"
	"strings"

	"github.com/tapegrad/tapegrad/tensor"
)

// SetDetectAnomaly turns anomaly detection on or off for the tape. When on,
// every recorded op's output and every gradient the backward pass computes
// is checked for NaN and ±Inf; the first one found stops the tape: it records
// nothing more, Backward does nothing, no leaf gradient is changed by the
// pass that found it, and Err returns an *AnomalyError naming the op. Reset
// clears the error. Off, the default, it costs one branch per op.
func (t *Tape[T]) SetDetectAnomaly(on bool) { t.anomaly = on }

// Err returns the anomaly that stopped the tape, or nil.
func (t *Tape[T]) Err() error { return t.err }

// AnomalyError describes the first NaN or ±Inf that anomaly detection found.
type AnomalyError struct {
	Op          string  // the op's name
	Node        int     // its position on the tape
	Phase       string  // "forward" (its output) or "backward" (a gradient it returned)
	Input       int     // in backward, the input whose gradient was not finite; −1 in forward
	InputShapes [][]int // the shapes of the op's inputs
}

func (e *AnomalyError) Error() string {
	what := "output"
	if e.Phase == "backward" {
		what = fmt.Sprintf("gradient for input %d", e.Input)
	}
	shapes := make([]string, len(e.InputShapes))
	for i, s := range e.InputShapes {
		shapes[i] = fmt.Sprint(s)
	}
	return fmt.Sprintf("autograd: anomaly in %s: op %s (node %d, inputs %s) produced a non-finite %s",
		e.Phase, e.Op, e.Node, strings.Join(shapes, ", "), what)
}

func newAnomaly[T tensor.Float](op Op[T], node int, phase string, inputs []*Var[T], input int) *AnomalyError {
	shapes := make([][]int, len(inputs))
	for i, in := range inputs {
		shapes[i] = append([]int(nil), in.Shape()...)
	}
	return &AnomalyError{Op: op.Name(), Node: node, Phase: phase, Input: input, InputShapes: shapes}
}

// finite reports whether every element of t is neither NaN nor ±Inf.
func finite[T tensor.Float](t *tensor.Tensor[T]) bool {
	for _, v := range t.Data() {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}
