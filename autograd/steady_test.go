package autograd_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// A steady-state step on a tape that reuses buffers allocates only what its
// callers do — here the op structs functional makes and the slices their
// Backward returns: the tape's Vars, nodes' inputs, the values handed to
// Forward, the tensors and their headers all come back at Reset.
func TestReusingTapeSteadyStepAllocations(t *testing.T) {
	rng := newRand(11)
	xv, g := tensor.RandN[float64](rng, 20, 10), tensor.RandN[float64](rng, 20, 10)
	gamma := autograd.NewParam(tensor.RandN[float64](rng, 10))
	beta := autograd.NewParam(tensor.RandN[float64](rng, 10))
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	var dx []float64
	step := func() {
		tape.Reset()
		gamma.ZeroGrad()
		beta.ZeroGrad()
		x := tape.Param(xv)
		y, _, _ := functional.BatchNorm(x, gamma, beta, 1e-5)
		tape.BackwardWithGrad(y, g)
		dx = x.Grad().Data()
	}
	step()
	want := append([]float64(nil), dx...)
	wantGamma := gamma.Grad().Clone()
	step()
	// One op struct and one slice of gradients: two allocations.
	if n := testing.AllocsPerRun(50, step); n > 2 {
		t.Errorf("a steady-state batch norm step allocates %v times, want at most 2", n)
	}
	if !tensor.AllClose(tensor.FromSlice(dx), tensor.FromSlice(want), 0, 0) ||
		!tensor.AllClose(gamma.Grad(), wantGamma, 0, 0) {
		t.Error("reused steps changed the gradients")
	}
}

// The Vars a reusing tape hands out come back two Resets later, not one: a
// Var kept past a single Reset is still caught as stale.
func TestReusingTapeStaleVarAfterOneReset(t *testing.T) {
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	x := tape.Param(vec(1, 2))
	y := functional.Mul(x, x)
	tape.Reset()
	fresh := tape.Param(vec(3, 4))
	_ = functional.Mul(fresh, fresh)
	if fresh == x || fresh == y {
		t.Fatal("a Var of the last generation was handed out again after one Reset")
	}
	testutil.MustPanic(t, func() { functional.Add(y, fresh) },
		"uses a Var recorded before its tape was Reset")
	testutil.MustPanic(t, func() { tape.Backward(functional.Sum(y)) },
		"uses a Var recorded before its tape was Reset")
	tape.Reset()
	again := tape.Param(vec(5, 6))
	if again != x {
		t.Error("the tape did not reuse the Vars of two generations ago")
	}
	if again.Value().At(0) != 5 || again.Grad() != nil || !again.RequiresGrad() || !again.IsLeaf() {
		t.Errorf("a reused Var is not a fresh leaf: %v, grad %v", again, again.Grad())
	}
}
