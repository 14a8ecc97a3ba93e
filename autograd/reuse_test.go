package autograd_test

import (
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// mlpStep records a small MLP's loss on tape and back-propagates it.
func mlpStep(tape *autograd.Tape[float64], ps []*autograd.Var[float64], x *tensor.Tensor[float64], labels []int) float64 {
	tape.Reset()
	for _, p := range ps {
		p.ZeroGrad()
	}
	h := functional.ReLU(functional.Linear(tape.Input(x), ps[0], ps[1]))
	loss := functional.CrossEntropy(functional.Linear(h, ps[2], ps[3]), labels)
	tape.Backward(loss)
	return loss.Value().Item()
}

// With ReuseBuffers the tape recycles its buffers every Reset: the numbers
// are the same bits as without, the leaves' gradients survive the recycling,
// and after the first step a step allocates far less.
func TestReuseBuffers(t *testing.T) {
	rng := newRand(9)
	ps := []*autograd.Var[float64]{
		autograd.NewParam(tensor.RandN[float64](rng, 64, 32)), autograd.NewParam(tensor.RandN[float64](rng, 64)),
		autograd.NewParam(tensor.RandN[float64](rng, 10, 64)), autograd.NewParam(tensor.RandN[float64](rng, 10)),
	}
	x := tensor.RandN[float64](rng, 50, 32)
	labels := make([]int, 50)
	for i := range labels {
		labels[i] = i % 10
	}
	plain := autograd.NewTape[float64]()
	wantLoss := mlpStep(plain, ps, x, labels)
	want := make([][]float64, len(ps))
	for i, p := range ps {
		want[i] = append([]float64(nil), p.Grad().Data()...)
	}

	reuse := autograd.NewTape[float64]()
	reuse.ReuseBuffers(true)
	for step := range 3 {
		if loss := mlpStep(reuse, ps, x, labels); loss != wantLoss {
			t.Fatalf("step %d: loss %v, want %v", step, loss, wantLoss)
		}
		for i, p := range ps {
			if diff := cmp.Diff(want[i], p.Grad().Data()); diff != "" {
				t.Fatalf("step %d, parameter %d (-want +got):\n%s", step, i, diff)
			}
		}
	}
	// The leaves' gradients do not live in the arena: recycling it, and
	// another step writing into the recycled buffers, leave them intact.
	g := ps[0].Grad().Clone()
	reuse.Reset()
	h := functional.Exp(functional.Mul(reuse.Input(x), autograd.NewParam(tensor.Full(3.0, 50, 32))))
	reuse.Backward(functional.Sum(h))
	if !tensor.AllClose(ps[0].Grad(), g, 0, 0) {
		t.Error("recycling the arena changed a leaf's gradient")
	}

	perStep := func(tape *autograd.Tape[float64]) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 5 {
			mlpStep(tape, ps, x, labels)
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / 5
	}
	if p, r := perStep(plain), perStep(reuse); r*3 > p {
		t.Errorf("a step allocates %d bytes reusing buffers, %d without: want at least 3× less", r, p)
	} else {
		t.Logf("bytes allocated per step: %d reusing buffers, %d without", r, p)
	}
}

// A leaf made on a reusing tape (Tape.Param) is stale after Reset, as the
// tape's other Vars are, so its gradient is copied into the arena rather
// than into fresh memory: the gradient is right, a second backward pass
// before Reset adds to it, and a step allocates far less than the
// gradient's size.
func TestTapeParamGradFromArena(t *testing.T) {
	rng := newRand(10)
	xv := tensor.RandN[float64](rng, 64, 128)
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	seed := tensor.Ones[float64](64, 128)
	step := func() *autograd.Var[float64] {
		tape.Reset()
		x := tape.Param(xv)
		y := functional.Mul(x, tape.Input(xv))
		tape.BackwardWithGrad(y, seed)
		return x
	}
	x := step()
	want := xv
	if !tensor.AllClose(x.Grad(), want, 0, 0) {
		t.Fatal("the gradient of x·c at c = x is not x")
	}
	y := functional.Mul(x, tape.Input(tensor.Full(3.0, 64, 128)))
	tape.BackwardWithGrad(y, seed)
	if !tensor.AllClose(x.Grad(), tensor.AddScalar(want, 3), 0, 0) {
		t.Error("a second pass did not add 3 to the gradient x")
	}
	step()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 5 {
		step()
	}
	runtime.ReadMemStats(&after)
	if per, size := (after.TotalAlloc-before.TotalAlloc)/5, uint64(xv.Bytes()); per*4 > size {
		t.Errorf("a step allocates %d bytes, for a gradient of %d: want under a quarter", per, size)
	}
}

// An op applied off any tape (pending) runs its Forward without an arena;
// once the tape that reuses buffers adopts it, its Backward takes its
// gradients from that tape's arena, like the tape's own ops.
func TestAdoptedOpUsesTheArena(t *testing.T) {
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	w := autograd.NewParam(tensor.Full(2.0, 3))
	op := &mulOp{}
	ww := autograd.Apply(op, w, w) // pending: no tape yet
	if op.ar != nil {
		t.Fatal("an op off any tape was given an arena")
	}
	loss := sum(mul(ww, tape.Input(tensor.Full(3.0, 3))))
	tape.Backward(loss)
	if op.ar == nil {
		t.Error("the adopted op's Backward ran without the tape's arena")
	}
	if got := w.Grad().Data(); got[0] != 12 || got[2] != 12 {
		t.Errorf("d/dw Σ 3w² = %v, want 12 each", got)
	}
}
