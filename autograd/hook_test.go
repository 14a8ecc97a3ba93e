package autograd_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// markOp is the identity whose Backward logs "backward <name>", and
// returns a NaN gradient with nan set.
type markOp struct {
	name string
	log  *[]string
	nan  bool
}

func (op *markOp) Name() string { return "mark" }
func (op *markOp) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	return in[0].Clone()
}
func (op *markOp) Backward(dy *tensor.Tensor[float64], needs []bool) []*tensor.Tensor[float64] {
	*op.log = append(*op.log, "backward "+op.name)
	if op.nan {
		return []*tensor.Tensor[float64]{tensor.Full(math.NaN(), dy.Shape()...)}
	}
	return []*tensor.Tensor[float64]{dy}
}
func (*markOp) Saved() []*tensor.Tensor[float64] { return nil }

// logHook returns a hook logging "hook <name> <grad>" that keeps the
// gradient, or replaces it by scale times it when scale ≠ 1.
func logHook(log *[]string, name string, scale float64) autograd.Hook[float64] {
	return func(g *tensor.Tensor[float64]) *tensor.Tensor[float64] {
		*log = append(*log, fmt.Sprint("hook ", name, " ", g.Data()))
		if scale == 1 {
			return nil
		}
		return tensor.Scale(g, scale)
	}
}

// hookGraph records, with x = (2, 3) an input and a, b leaves with logging
// hooks,
//
//	node 0  p = a ⊙ x
//	node 1  q = mark m1(p)
//	node 2  r = q ⊙ a
//	node 3  s = r ⊙ b
//	node 4  u = mark m2(s)
//	node 5  L = Σ u        = Σ a² ⊙ b ⊙ x
//
// so b is complete after node 3 and a, used by nodes 2 and 0, after node
// 0: ∂L/∂b = a² ⊙ x, ∂L/∂a = 2 a ⊙ b ⊙ x.
func hookGraph(tape *autograd.Tape[float64], a, b *autograd.Var[float64], log *[]string, nan bool) *autograd.Var[float64] {
	x := tape.Input(vec(2, 3))
	q := autograd.Apply[float64](&markOp{name: "m1", log: log, nan: nan}, mul(a, x))
	u := autograd.Apply[float64](&markOp{name: "m2", log: log}, mul(mul(q, a), b))
	return sum(u)
}

// TestLeafHookRunsWhenItsGradientIsComplete pins when a leaf's hooks run:
// b's, used only by node 3, before node 1's backward; a's, used by nodes
// 2 and 0, once, after node 0, with the sum of both contributions; and
// again, once, in a second pass, the gradients adding up.
func TestLeafHookRunsWhenItsGradientIsComplete(t *testing.T) {
	var log []string
	a, b := autograd.NewParam(vec(1, 2)), autograd.NewParam(vec(5, 7))
	a.RegisterHook(logHook(&log, "a", 1))
	b.RegisterHook(logHook(&log, "b", 1))
	tape := autograd.NewTape[float64]()
	loss := hookGraph(tape, a, b, &log, false)
	for pass := 1; pass <= 2; pass++ {
		log = log[:0]
		tape.Backward(loss)
		want := []string{"backward m2", "hook b [2 12]", "backward m1", "hook a [20 84]"}
		if !slices.Equal(log, want) {
			t.Errorf("pass %d: %q\nwant %q", pass, log, want)
		}
		p := float64(pass)
		if !slices.Equal(a.Grad().Data(), []float64{20 * p, 84 * p}) || !slices.Equal(b.Grad().Data(), []float64{2 * p, 12 * p}) {
			t.Errorf("pass %d: gradients a %v, b %v", pass, a.Grad().Data(), b.Grad().Data())
		}
	}
}

// TestLeafHookWithAnomalyDetection: with anomaly detection on, the leaves'
// hooks run at the end of the pass, in the order the pass reached the
// leaves; and a pass stopped by an anomaly (a NaN from node 1, after b is
// complete) runs no hook and leaves the gradients untouched.
func TestLeafHookWithAnomalyDetection(t *testing.T) {
	for _, nan := range []bool{false, true} {
		var log []string
		a, b := autograd.NewParam(vec(1, 2)), autograd.NewParam(vec(5, 7))
		a.RegisterHook(logHook(&log, "a", 1))
		b.RegisterHook(logHook(&log, "b", 1))
		tape := autograd.NewTape[float64]()
		tape.SetDetectAnomaly(true)
		tape.Backward(hookGraph(tape, a, b, &log, nan))
		want := []string{"backward m2", "backward m1", "hook b [2 12]", "hook a [20 84]"}
		if nan {
			want = want[:2]
			if tape.Err() == nil || a.Grad() != nil || b.Grad() != nil {
				t.Errorf("NaN: Err %v, gradients %v %v: want an anomaly and no gradient", tape.Err(), a.Grad(), b.Grad())
			}
		} else if tape.Err() != nil || !slices.Equal(a.Grad().Data(), []float64{20, 84}) {
			t.Errorf("Err %v, a's gradient %v", tape.Err(), a.Grad())
		}
		if !slices.Equal(log, want) {
			t.Errorf("NaN %v: %q\nwant %q", nan, log, want)
		}
	}
}

// TestLeafHookUnreached: a hooked leaf the pass does not reach — used only
// by a node off the path from the loss, or by one recorded after the loss
// — gets no hook call and no gradient, while the others are flushed.
func TestLeafHookUnreached(t *testing.T) {
	var log []string
	a, b := autograd.NewParam(vec(1, 2)), autograd.NewParam(vec(5, 7))
	c, d := autograd.NewParam(vec(1, 1)), autograd.NewParam(vec(1, 1))
	for name, v := range map[string]*autograd.Var[float64]{"a": a, "b": b, "c": c, "d": d} {
		v.RegisterHook(logHook(&log, name, 1))
	}
	tape := autograd.NewTape[float64]()
	off := mul(c, tape.Input(vec(3, 4))) // node 0, not on the loss's path
	loss := hookGraph(tape, a, b, &log, false)
	_ = mul(d, off) // after the loss
	tape.Backward(loss)
	want := []string{"backward m2", "hook b [2 12]", "backward m1", "hook a [20 84]"}
	if !slices.Equal(log, want) || c.Grad() != nil || d.Grad() != nil {
		t.Errorf("%q, gradients of c %v and d %v\nwant %q and none", log, c.Grad(), d.Grad(), want)
	}
}

// TestLeafHookReuseBuffers: with ReuseBuffers, over passes on a Reset
// tape, leaves whose hooks keep, replace or (for a leaf made on the tape)
// keep their gradients get the same bits as without, though flushed
// during the pass.
func TestLeafHookReuseBuffers(t *testing.T) {
	run := func(reuse bool) [][]float64 {
		var log []string
		a, b := autograd.NewParam(vec(1.1, 2.3)), autograd.NewParam(vec(5.7, 7.1))
		a.RegisterHook(logHook(&log, "a", 1))
		b.RegisterHook(logHook(&log, "b", 0.3)) // a replacement
		tape := autograd.NewTape[float64]()
		tape.ReuseBuffers(reuse)
		var got [][]float64
		for step := range 3 {
			tape.Reset()
			c := tape.Param(vec(0.7, float64(step)))
			c.RegisterHook(logHook(&log, "c", 1))
			loss := sum(mul(hookGraph(tape, a, b, &log, false), sum(mul(c, c))))
			tape.Backward(loss)
			got = append(got, slices.Clone(c.Grad().Data()))
		}
		return append(got, a.Grad().Data(), b.Grad().Data())
	}
	plain, reused := run(false), run(true)
	for i := range plain {
		for j := range plain[i] {
			if math.Float64bits(plain[i][j]) != math.Float64bits(reused[i][j]) {
				t.Fatalf("gradient %d: %v with ReuseBuffers, %v without", i, reused[i], plain[i])
			}
		}
	}
	if plain[3][0] == 0 || plain[4][0] == 0 {
		t.Errorf("gradients %v: want nonzero", plain)
	}
}
