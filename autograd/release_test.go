package autograd_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
	"github.com/tapegrad/tapegrad/train"
)

// chainStep runs a chain of n element-wise ops on a 4096-element parameter
// and back-propagates their sum. It returns the bytes the tape's arena
// holds after the forward pass and after Backward.
func chainStep(tape *autograd.Tape[float64], p *autograd.Var[float64], n int) (fwd, bwd int) {
	tape.Reset()
	p.ZeroGrad()
	h := functional.Mul(tape.Input(tensor.Ones[float64](4096)), p)
	for i := range n {
		if i%2 == 0 {
			h = functional.Tanh(h)
		} else {
			h = functional.Add(h, h) // dy reaches the same Var twice
		}
	}
	loss := functional.Sum(h)
	fwd = tape.BufferBytes()
	tape.Backward(loss)
	return fwd, tape.BufferBytes()
}

// Backward gives each intermediate gradient back to the arena once it is
// consumed: the backward pass of a long chain holds a few gradients at a
// time, not one per node, and the gradient is the same bits as on a tape
// that keeps everything.
func TestBackwardReusesGradientBuffers(t *testing.T) {
	rng := newRand(21)
	p := autograd.NewParam(tensor.RandN[float64](rng, 4096))
	plain := autograd.NewTape[float64]()
	chainStep(plain, p, 40)
	want := p.Grad().Clone()
	for _, retain := range []bool{true, false} {
		tape := autograd.NewTape[float64]()
		tape.ReuseBuffers(true)
		tape.SetRetainGraph(retain)
		for step := range 3 {
			fwd, bwd := chainStep(tape, p, 40)
			if !tensor.AllClose(p.Grad(), want, 0, 0) {
				t.Fatalf("retain %t, step %d: the gradient differs from a plain tape's", retain, step)
			}
			// 40 nodes: without releases the pass would add about 40
			// gradients of 32768 bytes.
			if grown := bwd - fwd; grown > 4*32768 {
				t.Errorf("retain %t, step %d: the backward pass grew the arena by %d bytes, want at most 4 gradients (%d)", retain, step, grown, 4*32768)
			}
		}
	}
}

// Storage shared by views and by gradients that an op passes through
// (Reshape's backward, Add's) is not released while a holder is left: a
// graph built of them gives the plain tape's gradients, every step.
func TestReleaseAliasing(t *testing.T) {
	rng := newRand(22)
	w := autograd.NewParam(tensor.RandN[float64](rng, 6, 4))
	x := tensor.RandN[float64](rng, 4, 6)
	run := func(tape *autograd.Tape[float64]) *tensor.Tensor[float64] {
		tape.Reset()
		w.ZeroGrad()
		a := functional.Exp(functional.Mul(tape.Input(x), functional.Reshape(w, 4, 6)))
		v := functional.Reshape(a, 24)                  // a view of a
		b := functional.Add(v, v)                       // dy twice, to one Var
		c := functional.Reshape(functional.Tanh(a), 24) // a second path to a
		loss := functional.Sum(functional.Mul(b, functional.Add(c, v)))
		tape.Backward(loss)
		return w.Grad().Clone()
	}
	want := run(autograd.NewTape[float64]())
	for _, retain := range []bool{true, false} {
		tape := autograd.NewTape[float64]()
		tape.ReuseBuffers(true)
		tape.SetRetainGraph(retain)
		for step := range 3 {
			if got := run(tape); !tensor.AllClose(got, want, 0, 0) {
				t.Fatalf("retain %t, step %d: gradient\n%v\nwant\n%v", retain, step, got, want)
			}
		}
	}
}

// On a tape that does not retain its graph, the values the caller holds —
// the loss, a model's output, a Var computed outside a Sequential — stay
// valid after Backward, while the Sequential's own intermediate outputs
// go back to the arena; the graph is spent: a second Backward, or Grad,
// panics until Reset, and Grad with CreateGraph panics at once.
func TestRetainGraphOff(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 23))
	m := nn.NewSequential[float64](nn.NewLinear[float64](8, 16, true, rng), nn.ReLU[float64]{},
		nn.NewLinear[float64](16, 16, true, rng), nn.ReLU[float64]{}, nn.NewLinear[float64](16, 3, true, rng))
	x := tensor.RandN[float64](rng, 5, 8)
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	tape.SetRetainGraph(false)
	in := tape.Input(x)
	pre := functional.Tanh(in) // the caller's
	out := m.Forward(pre)
	loss := functional.Sum(functional.Mul(out, out))
	preWant, outWant, lossWant := pre.Value().Clone(), out.Value().Clone(), loss.Value().Clone()
	tape.Backward(loss)
	// The arena's freed buffers are handed out again: overwrite them.
	for range 8 {
		tape.SetGradEnabled(false)
		functional.Scale(functional.Add(in, in), 7.0)
		tape.SetGradEnabled(true)
	}
	for name, c := range map[string][2]*tensor.Tensor[float64]{
		"pre": {pre.Value(), preWant}, "out": {out.Value(), outWant}, "loss": {loss.Value(), lossWant},
	} {
		if !tensor.AllClose(c[0], c[1], 0, 0) {
			t.Errorf("%s changed after Backward", name)
		}
	}
	wantPanic(t, "graph a Backward has freed", func() { tape.Backward(loss) })
	wantPanic(t, "graph a Backward has freed", func() {
		tape.Grad([]*autograd.Var[float64]{loss}, []*autograd.Var[float64]{m.Layers[0].(*nn.Linear[float64]).Weight}, autograd.GradOptions[float64]{})
	})
	tape.Reset()
	y := functional.Sum(m.Forward(tape.Input(x)))
	wantPanic(t, "does not retain its graph", func() {
		tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{m.Layers[0].(*nn.Linear[float64]).Weight}, autograd.GradOptions[float64]{CreateGraph: true})
	})
}

func wantPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if s, _ := r.(string); !strings.Contains(s, want) {
			t.Errorf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}

// Under no-grad a Sequential gives each intermediate output back once the
// next layer has consumed it: a pass through ten layers holds a few
// activations, not ten, and computes the same bits. The input, the
// caller's, survives, and a layer that returns a view of its input
// (Flatten) does not get its input's storage released under it.
func TestNoGradSequentialReleases(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 24))
	var layers []nn.Module[float32]
	for range 5 {
		layers = append(layers, nn.NewLinear[float32](256, 256, true, rng), nn.ReLU[float32]{})
	}
	layers = append(layers, nn.Flatten[float32]{}, nn.NewLinear[float32](256, 4, true, rng))
	m := nn.NewSequential(layers...)
	x := tensor.RandN[float32](rng, 64, 256)
	xWant := x.Clone()
	want := m.Forward(autograd.NewConst(x)).Value()
	tape := autograd.NewTape[float32]()
	tape.ReuseBuffers(true)
	for step := range 3 {
		tape.Reset()
		was := tape.SetGradEnabled(false)
		got := m.Forward(tape.Input(x)).Value()
		tape.SetGradEnabled(was)
		if !tensor.AllClose(got, want, 0, 0) || !tensor.AllClose(x, xWant, 0, 0) {
			t.Fatalf("step %d: output or input differs from a pass without buffer reuse", step)
		}
		act := 64 * 256 * 4
		if b := tape.BufferBytes(); b > 3*act+2*64*4*4 {
			t.Errorf("step %d: the arena holds %d bytes, want at most 3 activations and the last layer's two outputs (%d)", step, b, 3*act+2*64*4*4)
		}
	}
}

// A W2-like training step — convolutions, batch norm, ReLU, max pooling,
// a linear layer, Adam — through train.Classifier (its tape reuses buffers
// and frees as Backward goes) gives the same losses and weights, bit for
// bit, as the same steps on a plain tape that keeps everything.
func TestClassifierStepBitIdentical(t *testing.T) {
	build := func() (*nn.Sequential[float32], optim.Optimizer[float32]) {
		rng := rand.New(rand.NewPCG(25, 25))
		conv := functional.Conv2dOptions{Padding: [2]int{1, 1}}
		m := nn.NewSequential[float32](
			nn.NewConv2d[float32](3, 8, [2]int{3, 3}, conv, true, rng), nn.NewBatchNorm2d[float32](8), nn.ReLU[float32]{},
			nn.NewMaxPool2d[float32](3, 2, 1),
			nn.NewConv2d[float32](8, 16, [2]int{3, 3}, conv, true, rng), nn.NewBatchNorm2d[float32](16), nn.ReLU[float32]{},
			nn.NewMaxPool2d[float32](3, 2, 1),
			nn.Flatten[float32]{}, nn.NewLinear[float32](16*4*4, 10, true, rng))
		return m, optim.NewAdam(nn.Params[float32](m), optim.LR(1e-3))
	}
	rng := rand.New(rand.NewPCG(26, 26))
	x := tensor.RandN[float32](rng, 6, 3, 16, 16)
	labels := []int{1, 4, 9, 0, 4, 7}

	m, opt := build()
	plain := autograd.NewTape[float32]()
	var want []float32
	for range 3 {
		plain.Reset()
		opt.ZeroGrad()
		loss := functional.CrossEntropy(m.Forward(plain.Input(x)), labels)
		plain.Backward(loss)
		opt.Step()
		want = append(want, loss.Value().Item())
	}
	wantW := nn.Params[float32](m)

	m2, opt2 := build()
	c := train.NewClassifier[float32](m2, opt2)
	var got []float32
	for range 3 {
		got = append(got, c.Step(x, labels))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("losses (-plain tape +classifier):\n%s", diff)
	}
	for i, p := range nn.Params[float32](m2) {
		if !tensor.AllClose(p.Value(), wantW[i].Value(), 0, 0) {
			t.Errorf("parameter %d differs after three steps", i)
		}
	}
}

// SavedBytesByOp splits SavedBytes by op name and sums to it; ReleaseValue
// refuses a Var of another tape, naming itself.
func TestSavedBytesByOpAndReleaseValuePanics(t *testing.T) {
	rng := newRand(27)
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	p := autograd.NewParam(tensor.RandN[float64](rng, 10, 10))
	x := tape.Input(tensor.RandN[float64](rng, 10, 10))
	h := functional.Tanh(functional.Mul(x, p)) // Mul keeps x and p, Tanh its output
	functional.Sum(functional.Exp(h))
	by := tape.SavedBytesByOp()
	total := 0
	for _, b := range by {
		total += b
	}
	if total != tape.SavedBytes() || by["Mul"] != 2*800 || by["Tanh"] != 800 || by["Exp"] != 800 {
		t.Errorf("SavedBytesByOp = %v (sum %d), SavedBytes %d; want Mul 1600, Tanh 800, Exp 800", by, total, tape.SavedBytes())
	}
	other := autograd.NewTape[float64]()
	wantPanic(t, "autograd: ReleaseValue of a Var that is not on this tape", func() { other.ReleaseValue(h) })
	if tape.ReleaseValue(h) {
		t.Error("ReleaseValue released a value on a tape that records and retains its graph")
	}
}

// On a tape that allocates from the heap and does not retain its graph,
// Backward drops each node's op once its backward has run, so that what
// the ops kept can be collected: nothing is kept afterwards, and the
// gradients are those of a tape that retains its graph.
func TestRetainGraphOffHeap(t *testing.T) {
	rng := newRand(28)
	p := autograd.NewParam(tensor.RandN[float64](rng, 4096))
	keep := autograd.NewTape[float64]()
	chainStep(keep, p, 10)
	want := p.Grad().Clone()
	if keep.SavedBytes() == 0 {
		t.Fatal("a tape that retains its graph keeps nothing after Backward")
	}
	free := autograd.NewTape[float64]()
	free.SetRetainGraph(false)
	chainStep(free, p, 10)
	if !tensor.AllClose(p.Grad(), want, 0, 0) {
		t.Error("the gradient differs from a tape that retains its graph")
	}
	if b := free.SavedBytes(); b != 0 {
		t.Errorf("after Backward the tape still keeps %d bytes", b)
	}
}

// arenaScaleOp is c·x; its backward returns a gradient from the tape's
// arena and remembers it, so a test can see whether a leaf took that
// storage or a copy.
type arenaScaleOp struct {
	c    float64
	ar   *tensor.Arena[float64]
	last *tensor.Tensor[float64]
}

func (op *arenaScaleOp) UseArena(ar *tensor.Arena[float64]) { op.ar = ar }
func (*arenaScaleOp) Name() string                          { return "arenaScale" }
func (*arenaScaleOp) Saved() []*tensor.Tensor[float64]      { return nil }

func (op *arenaScaleOp) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	return op.ar.Scale(in[0], op.c)
}

func (op *arenaScaleOp) Backward(dy *tensor.Tensor[float64], _ []bool) []*tensor.Tensor[float64] {
	op.last = op.ar.Scale(dy, op.c)
	return []*tensor.Tensor[float64]{op.last}
}

// A leaf made on the tape (Tape.Param) takes the gradient the pass computed
// for it, without a copy, when that storage is the arena's and nothing else
// holds it; where an op hands one tensor to two leaves (Add), the first to
// be flushed takes a copy and the two gradients stay independent. Either
// way the gradients are a plain tape's.
func TestParamTakesSoleGradient(t *testing.T) {
	rng := newRand(23)
	xv, yv := tensor.RandN[float64](rng, 2048), tensor.RandN[float64](rng, 2048)
	run := func(tape *autograd.Tape[float64]) (op *arenaScaleOp, x, y *autograd.Var[float64]) {
		tape.Reset()
		x, y = tape.Param(xv), tape.Param(yv)
		op = &arenaScaleOp{c: 3}
		s := autograd.Apply(op, x)
		tape.Backward(sum(mul(add(s, s), add(x, y))))
		return op, x, y
	}
	plain := autograd.NewTape[float64]()
	_, px, py := run(plain)
	for _, retain := range []bool{true, false} {
		tape := autograd.NewTape[float64]()
		tape.ReuseBuffers(true)
		tape.SetRetainGraph(retain)
		for step := range 2 {
			_, x, y := run(tape)
			if !tensor.AllClose(x.Grad(), px.Grad(), 0, 0) || !tensor.AllClose(y.Grad(), py.Grad(), 0, 0) {
				t.Fatalf("retain %t, step %d: gradients differ from a plain tape's", retain, step)
			}
			// add(x, y)'s backward hands one tensor to both leaves.
			before := y.Grad().Clone()
			x.Grad().Data()[0] += 1
			if !tensor.AllClose(y.Grad(), before, 0, 0) {
				t.Fatalf("retain %t, step %d: x's and y's gradients share storage", retain, step)
			}
		}
	}
	// A leaf reached by one op alone takes that op's gradient.
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	for step := range 2 {
		tape.Reset()
		x := tape.Param(xv)
		op := &arenaScaleOp{c: 3}
		tape.Backward(sum(mul(autograd.Apply(op, x), autograd.Apply(op, x))))
		if &x.Grad().Data()[0] == &op.last.Data()[0] {
			t.Fatalf("step %d: a leaf reached twice took one of the two gradients", step)
		}
		tape.Reset()
		x = tape.Param(xv)
		op = &arenaScaleOp{c: 3}
		tape.Backward(sum(mul(autograd.Apply(op, x), tape.Input(yv))))
		if &x.Grad().Data()[0] != &op.last.Data()[0] {
			t.Errorf("step %d: the leaf copied a gradient nothing else held", step)
		}
	}
}
