package main

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"

	"github.com/tapegrad/tapegrad/examples/internal/traintest"
)

func TestEndToEnd(t *testing.T) {
	traintest.EndToEnd(t, run, 4, "-hidden", "16")
}

func TestEndToEndGRU(t *testing.T) {
	traintest.EndToEnd(t, run, 2, "-cell", "gru", "-hidden", "8", "-layers", "2")
}

func TestFlags(t *testing.T) {
	traintest.Flags(t, "lstm", run, "-hidden", "8")
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-cell", "rnn"}, `lstm: unknown -cell "rnn": want lstm or gru`},
		{[]string{"-hidden", "0"}, "lstm: -hidden 0: want at least 1"},
		{[]string{"-layers", "0"}, "lstm: -layers 0: want at least 1"},
		{[]string{"-epochs", "0"}, "lstm: -epochs 0: want at least 1"},
		{[]string{"-clip", "-1"}, "lstm: -clip -1: want a finite number at least 0"},
		{[]string{"-clip", "NaN"}, "lstm: -clip NaN: want a finite number at least 0"},
		{[]string{"-dataset", "cifar10"}, "lstm: -dataset cifar10: the lstm reads grayscale images row by row; want fashion-mnist or mnist"},
	} {
		traintest.BadFlag(t, "lstm", run, c.args, c.want)
	}
}

// TestClipping checks that the trainer clips the gradients' joint 2-norm
// to -clip between the backward pass and Adam's step: the gradient of
// 1000 times the loss has a norm far above 1, and after AfterBackward it
// is 1.
func TestClipping(t *testing.T) {
	m := NewSeqClassifier[float32]("lstm", 5, 4, 1, 3, rand.New(rand.NewPCG(1, 2)))
	params := nn.Params[float32](m)
	x := make([]float32, 2*4*5)
	for i := range x {
		x[i] = float32(i%7)*80 - 240
	}
	norm := func() float64 {
		var s float64
		for _, p := range params {
			for _, g := range p.Grad().Data() {
				s += float64(g) * float64(g)
			}
		}
		return math.Sqrt(s)
	}
	for _, c := range []struct {
		clip, want float64
	}{{1, 1}, {0, 0}} { // 0: not clipped
		cl := newClassifier(m, 1e-3, c.clip)
		tape := autograd.NewTape[float32]()
		nn.ZeroGrad[float32](m)
		loss := functional.CrossEntropy(m.Forward(tape.Input(tensor.FromSlice(x, 2, 1, 4, 5))), []int{0, 2})
		tape.Backward(functional.Scale(loss, 1000))
		before := norm()
		if before < 10 {
			t.Fatalf("gradient norm %v: want one far above 1 to clip", before)
		}
		if c.clip == 0 {
			if cl.AfterBackward != nil {
				t.Errorf("-clip 0 installs a hook")
			}
			continue
		}
		if err := cl.AfterBackward(); err != nil {
			t.Fatal(err)
		}
		if got := norm(); math.Abs(got-c.want) > 1e-5 {
			t.Errorf("-clip %v: norm %v after AfterBackward (%v before), want %v", c.clip, got, before, c.want)
		}
	}
}
