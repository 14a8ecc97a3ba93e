package autograd_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

func grad(t *testing.T, v *autograd.Var[float64]) []float64 {
	t.Helper()
	if v.Grad() == nil {
		t.Fatal("gradient is nil")
	}
	return v.Grad().Data()
}

func TestVarUsedTwiceGetsBothContributions(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(1, -2, 3))
	// L = Σ x⊙x + Σ x: dL/dx = 2x + 1, reaching x along three paths.
	loss := add(sum(mul(x, x)), sum(x))
	tape.Backward(loss)
	if diff := cmp.Diff([]float64{3, -3, 7}, grad(t, x)); diff != "" {
		t.Errorf("gradient (-want +got):\n%s", diff)
	}
}

func TestGradientOfDyAliasedTwiceIsNotCorrupted(t *testing.T) {
	// addOp returns dy for both inputs; with x on both sides the engine must
	// add the second into a copy, leaving the seed intact.
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(1, 2))
	h := add(x, x)
	y := add(h, h)
	seed := vec(0.5, -1)
	tape.BackwardWithGrad(y, seed)
	if diff := cmp.Diff([]float64{2, -4}, grad(t, x)); diff != "" {
		t.Errorf("gradient (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{0.5, -1}, seed.Data()); diff != "" {
		t.Errorf("seed was modified (-want +got):\n%s", diff)
	}
}

func TestLeafGradientsAccumulateAcrossBackwardCalls(t *testing.T) {
	w := autograd.NewParam(vec(2, 3))
	step := func() {
		tape := autograd.NewTape[float64]()
		x := tape.Input(vec(5, 7))
		tape.Backward(sum(mul(x, w)))
	}
	step()
	if diff := cmp.Diff([]float64{5, 7}, grad(t, w)); diff != "" {
		t.Errorf("after one backward (-want +got):\n%s", diff)
	}
	step()
	if diff := cmp.Diff([]float64{10, 14}, grad(t, w)); diff != "" {
		t.Errorf("after two backward calls (-want +got):\n%s", diff)
	}
	w.ZeroGrad()
	if w.Grad() != nil {
		t.Fatal("ZeroGrad left a gradient")
	}
	step()
	if diff := cmp.Diff([]float64{5, 7}, grad(t, w)); diff != "" {
		t.Errorf("after ZeroGrad and backward (-want +got):\n%s", diff)
	}

	// The same tape run backward twice also adds up.
	tape := autograd.NewTape[float64]()
	p := tape.Param(vec(1, 1))
	loss := sum(mul(p, tape.Input(vec(3, 4))))
	tape.Backward(loss)
	tape.Backward(loss)
	if diff := cmp.Diff([]float64{6, 8}, grad(t, p)); diff != "" {
		t.Errorf("same tape twice (-want +got):\n%s", diff)
	}
}

func TestResetReusesTheTape(t *testing.T) {
	w := autograd.NewParam(vec(1, 2, 3))
	tape := autograd.NewTape[float64]()
	for step := range 3 {
		tape.Reset()
		if tape.Len() != 0 {
			t.Fatalf("step %d: Len after Reset = %d", step, tape.Len())
		}
		x := tape.Input(vec(1, 1, float64(step)))
		loss := sum(mul(x, w))
		if tape.Len() != 2 {
			t.Fatalf("step %d: recorded %d nodes, want 2", step, tape.Len())
		}
		w.ZeroGrad()
		tape.Backward(loss)
		if diff := cmp.Diff([]float64{1, 1, float64(step)}, grad(t, w)); diff != "" {
			t.Errorf("step %d (-want +got):\n%s", step, diff)
		}
	}
	old := tape.Input(vec(1, 1, 1))
	tape.Reset()
	testutil.MustPanic(t, func() { mul(old, w) }, "before its tape was Reset")
	tape2 := autograd.NewTape[float64]()
	y := mul(tape2.Input(vec(1, 1, 1)), w)
	tape2.Reset()
	testutil.MustPanic(t, func() { tape2.Backward(sum(y)) }, "before its tape was Reset")
}

func TestUntapedInputsRecordNothing(t *testing.T) {
	// Constants alone, on no tape: the op only computes.
	c := autograd.NewConst(vec(1, 2))
	y := mul(c, c)
	if y.Tape() != nil || y.RequiresGrad() || !y.IsLeaf() {
		t.Errorf("op on constants: tape %v, requiresGrad %t, leaf %t", y.Tape(), y.RequiresGrad(), y.IsLeaf())
	}
	if diff := cmp.Diff([]float64{1, 4}, y.Value().Data()); diff != "" {
		t.Errorf("value (-want +got):\n%s", diff)
	}

	// Inputs on a tape that require no gradient: nothing is recorded, but the
	// output stays on the tape so that a later op with a parameter records.
	w := autograd.NewParam(vec(1, 2))
	tape := autograd.NewTape[float64]()
	x := tape.Input(vec(3, 4))
	x2 := mul(x, x)
	if tape.Len() != 0 || x2.RequiresGrad() || x2.Tape() != tape {
		t.Fatalf("op on tape inputs only: Len %d, requiresGrad %t, on tape %t", tape.Len(), x2.RequiresGrad(), x2.Tape() == tape)
	}
	tape.Backward(sum(mul(x2, w)))
	if tape.Len() != 2 {
		t.Errorf("Len = %d, want 2", tape.Len())
	}
	if diff := cmp.Diff([]float64{9, 16}, grad(t, w)); diff != "" {
		t.Errorf("gradient (-want +got):\n%s", diff)
	}
}

// An op on parameters alone is pending: its history joins the first tape its
// output meets, so a weight penalty or a reshaped weight still gets its
// gradient.
func TestPendingHistoryJoinsTheTape(t *testing.T) {
	w := autograd.NewParam(vec(1, -2, 3))
	penalty := sum(mul(w, w)) // Σ w², computed before any tape is involved
	if penalty.Tape() != nil || !penalty.RequiresGrad() || penalty.IsLeaf() {
		t.Fatalf("penalty: tape %v, requiresGrad %t, leaf %t", penalty.Tape(), penalty.RequiresGrad(), penalty.IsLeaf())
	}
	scaled := mul(w, autograd.NewConst(vec(10, 10, 10))) // a second pending branch sharing w
	tape := autograd.NewTape[float64]()
	x := tape.Input(vec(1, 1, 1))
	loss := add(sum(mul(x, scaled)), penalty) // L = Σ 10·w + Σ w²
	if tape.Len() != 6 {
		t.Errorf("Len = %d, want 6 (mul, sum, mul, mul, sum, add)", tape.Len())
	}
	tape.Backward(loss)
	if diff := cmp.Diff([]float64{12, 6, 16}, grad(t, w)); diff != "" { // 10 + 2w
		t.Errorf("gradient (-want +got):\n%s", diff)
	}
	if penalty.Tape() != tape {
		t.Error("the pending penalty did not join the tape")
	}
	tape.Reset()
	testutil.MustPanic(t, func() { add(penalty, tape.Input(vec(1))) }, "before its tape was Reset")
}

// Backward of a loss computed from parameters alone records its history on
// the tape it is given.
func TestBackwardOfAPendingLoss(t *testing.T) {
	w := autograd.NewParam(vec(3, 4))
	loss := sum(mul(w, w))
	tape := autograd.NewTape[float64]()
	tape.Backward(loss)
	if diff := cmp.Diff([]float64{6, 8}, grad(t, w)); diff != "" {
		t.Errorf("gradient (-want +got):\n%s", diff)
	}
	if tape.Len() != 2 {
		t.Errorf("Len = %d, want 2", tape.Len())
	}
}

func TestTwoTapesInOneOpPanic(t *testing.T) {
	a := autograd.NewTape[float64]().Param(vec(1))
	b := autograd.NewTape[float64]().Input(vec(2))
	testutil.MustPanic(t, func() { mul(a, b) }, "autograd: mul mixes Vars of two different tapes")
}

func TestWronglyShapedGradientPanicsNamingTheOp(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(1, 2, 3))
	y := autograd.Apply[float64](&badOp{}, x)
	testutil.MustPanic(t, func() {
		tape.Backward(sum(y))
	}, "autograd: op badOp returned a gradient of shape [7] for input 0 of shape [3]")
	y = autograd.Apply[float64](&badOp{tooMany: true}, x)
	testutil.MustPanic(t, func() {
		tape.Backward(sum(y))
	}, "autograd: op badOp returned 2 gradients for 1 inputs")
}

func TestBackwardOnNonScalarPanics(t *testing.T) {
	tape := autograd.NewTape[float64]()
	y := mul(tape.Param(vec(1, 2)), tape.Input(vec(3, 4)))
	testutil.MustPanic(t, func() {
		tape.Backward(y)
	}, "autograd: Backward needs a scalar loss, got shape [2]; use BackwardWithGrad")
	testutil.MustPanic(t, func() {
		tape.BackwardWithGrad(y, vec(1, 2, 3))
	}, "seed gradient of shape [3] for a Var of shape [2]")
	testutil.MustPanic(t, func() {
		tape.Backward(sum(tape.Input(vec(1))))
	}, "does not require a gradient")
	testutil.MustPanic(t, func() {
		autograd.NewTape[float64]().Backward(sum(y))
	}, "not on this tape")
}

func TestBroadcastGradientIsSummedBackByTheEngine(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Input(tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	b := autograd.NewParam(tensor.FromSlice([]float64{10, 20, 30}, 1, 3))
	s := autograd.NewParam(tensor.Scalar(2.0))
	tape.BackwardWithGrad(mul(mul(x, b), s), tensor.Ones[float64](2, 3))
	if got := b.Grad().Shape(); !tensor.EqualShapes(got, []int{1, 3}) {
		t.Fatalf("gradient of the broadcast operand has shape %v, want [1 3]", got)
	}
	if diff := cmp.Diff([]float64{10, 14, 18}, grad(t, b)); diff != "" {
		t.Errorf("db (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{1*10 + 2*20 + 3*30 + 4*10 + 5*20 + 6*30}, grad(t, s)); diff != "" {
		t.Errorf("ds (-want +got):\n%s", diff)
	}
}

func TestNeedsAreTheInputsRequiresGrad(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Input(vec(1, 2))
	w := autograd.NewParam(vec(3, 4))
	op := &mulOp{}
	tape.Backward(sum(autograd.Apply[float64](op, x, w)))
	if diff := cmp.Diff([]bool{false, true}, op.needs); diff != "" {
		t.Errorf("needs (-want +got):\n%s", diff)
	}
	if x.Grad() != nil {
		t.Error("an input that requires no gradient got one")
	}
}

func TestIntermediateGradientsAreReleasedUnlessRetained(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(1, 2))
	h := mul(x, x)
	k := mul(h, x)
	k.RetainGrad()
	tape.Backward(sum(k))
	if h.Grad() != nil {
		t.Error("intermediate gradient kept without RetainGrad")
	}
	if diff := cmp.Diff([]float64{1, 1}, grad(t, k)); diff != "" {
		t.Errorf("retained gradient (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{3, 12}, grad(t, x)); diff != "" { // d(x³)/dx = 3x²
		t.Errorf("dx (-want +got):\n%s", diff)
	}
}

func TestSavedBytesCountsSharedTensorsOnce(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(vec(1, 2, 3, 4))
	h := mul(x, x)                               // keeps x (32 bytes) twice: counted once
	_ = mul(h, x)                                // keeps h (32 bytes) and x again
	_ = mul(tape.Input(h.Value().Reshape(4)), x) // a view of h: same data, counted once
	if got, want := tape.SavedBytes(), 64; got != want {
		t.Errorf("SavedBytes = %d, want %d", got, want)
	}
}

// With recording off, as under torch.no_grad(), ops on the tape's Vars
// compute the same values but record nothing, even with a parameter and a
// pending history among their inputs; turning it back on records again.
func TestSetGradEnabled(t *testing.T) {
	w := autograd.NewParam(vec(1, -2))
	penalty := sum(mul(w, w)) // pending
	tape := autograd.NewTape[float64]()
	if was := tape.SetGradEnabled(false); !was {
		t.Fatal("a new tape does not record")
	}
	x := tape.Input(vec(3, 4))
	y := add(sum(mul(x, w)), penalty) // 3 − 8 + 5
	if tape.Len() != 0 || y.RequiresGrad() || !y.IsLeaf() || y.Tape() != tape {
		t.Fatalf("no grad: Len %d, requiresGrad %t, leaf %t, on tape %t", tape.Len(), y.RequiresGrad(), y.IsLeaf(), y.Tape() == tape)
	}
	if got := y.Value().Item(); got != 0 {
		t.Errorf("value = %v, want 0", got)
	}
	if penalty.Tape() != nil {
		t.Error("the pending penalty joined a tape that does not record")
	}
	if was := tape.SetGradEnabled(true); was {
		t.Error("SetGradEnabled(true) reported recording on before")
	}
	tape.Backward(add(sum(mul(x, w)), penalty))
	if tape.Len() != 5 {
		t.Errorf("recording again: Len = %d, want 5 (mul, sum, penalty's mul and sum, add)", tape.Len())
	}
	if diff := cmp.Diff([]float64{5, 0}, grad(t, w)); diff != "" { // x + 2w
		t.Errorf("gradient (-want +got):\n%s", diff)
	}
}

// Inference on a reusing tape with recording off reuses its buffers: the
// second pass after a Reset computes into the first pass's storage.
func TestNoGradReusesBuffers(t *testing.T) {
	w := autograd.NewParam(vec(1, 2, 3))
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	defer tape.SetGradEnabled(tape.SetGradEnabled(false))
	first := mul(tape.Input(vec(1, 1, 1)), w).Value()
	p := &first.Data()[0]
	tape.Reset()
	second := mul(tape.Input(vec(2, 2, 2)), w).Value()
	if &second.Data()[0] != p {
		t.Error("the second pass did not reuse the first one's buffer")
	}
	if diff := cmp.Diff([]float64{2, 4, 6}, second.Data()); diff != "" {
		t.Errorf("value (-want +got):\n%s", diff)
	}
}

// TestApplyOn checks that ApplyOn records an op on the tape it names even
// when no input lives on a tape (a parameter alone, where Apply leaves the
// output pending), computes without recording under no-grad there, and
// refuses inputs of another tape.
func TestApplyOn(t *testing.T) {
	w := autograd.NewParam(vec(1, 2, 3))
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	y := autograd.ApplyOn[float64](tape, &mulOp{}, w, autograd.NewConst(vec(2, 2, 2)))
	if y.Tape() != tape || tape.Len() != 1 || !y.RequiresGrad() {
		t.Fatalf("ApplyOn: output on tape %p (want %p), %d nodes, requires gradient %v", y.Tape(), tape, tape.Len(), y.RequiresGrad())
	}
	tape.Backward(sum(y))
	if g := w.Grad().Data(); g[0] != 2 || g[1] != 2 || g[2] != 2 {
		t.Errorf("gradient %v, want [2 2 2]", g)
	}
	if p := autograd.Apply[float64](&mulOp{}, w, w); p.Tape() != nil {
		t.Errorf("Apply of a parameter alone: on tape %p, want pending", p.Tape())
	}
	tape.Reset()
	was := tape.SetGradEnabled(false)
	z := autograd.ApplyOn[float64](tape, &mulOp{}, w, w)
	if z.Tape() != tape || tape.Len() != 0 || z.RequiresGrad() || z.Value().Data()[2] != 9 {
		t.Errorf("ApplyOn under no-grad: tape %p, %d nodes, requires gradient %v, value %v", z.Tape(), tape.Len(), z.RequiresGrad(), z.Value().Data())
	}
	tape.SetGradEnabled(was)
	other := autograd.NewTape[float64]()
	testutil.MustPanic(t, func() { autograd.ApplyOn[float64](tape, &mulOp{}, w, other.Input(vec(1, 1, 1))) }, "two different tapes")
}
