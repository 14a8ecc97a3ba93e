package autograd_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestStaleVarAfterManyResets: on a tape that reuses its buffers, a Var kept
// from one step is stale however many steps like it come after, and using
// it panics rather than reading whatever the present step put in its place.
func TestStaleVarAfterManyResets(t *testing.T) {
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	w := autograd.NewParam(tensor.FromSlice([]float64{1, 2, 3}, 3))
	step := func() *autograd.Var[float64] {
		x := tape.Input(tensor.FromSlice([]float64{4, 5, 6}, 3))
		return functional.Sum(functional.Mul(w, x))
	}
	old := step()
	for resets := 1; resets <= 4; resets++ {
		tape.Reset()
		step()
		testutil.MustPanic(t, func() { tape.Backward(old) },
			"autograd: Backward uses a Var recorded before its tape was Reset")
	}
}
