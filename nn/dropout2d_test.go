package nn_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestDropout2dMasks checks the exact masks of a fixed seed: one draw of
// the module's source per channel in (n, c) order, a channel kept (scaled
// by 1/(1−p)) when its draw is ≥ p, for a 4-d and a 3-d (N×C×L) input, and
// that the gradient is the same mask.
func TestDropout2dMasks(t *testing.T) {
	for _, shape := range [][]int{{2, 3, 2, 2}, {3, 2, 4}} {
		const p = 0.4
		d := nn.NewDropout2d[float64](p, rand.New(rand.NewPCG(7, 7)))
		draws := rand.New(rand.NewPCG(7, 7))
		x := tensor.New[float64](shape...)
		for i := range x.Data() {
			x.Data()[i] = float64(i + 1)
		}
		tape := autograd.NewTape[float64]()
		xv := tape.Param(x)
		y := d.Forward(xv)
		tape.Backward(functional.Sum(y))
		inner := x.Size() / (shape[0] * shape[1])
		kept := 0
		for ch := range shape[0] * shape[1] {
			scale := 0.0
			if draws.Float64() >= p {
				scale, kept = 1/(1-p), kept+1
			}
			for j := range inner {
				i := ch*inner + j
				if got, want := y.Value().Data()[i], x.Data()[i]*scale; got != want {
					t.Fatalf("shape %v: y[%d] = %v, want %v (channel %d)", shape, i, got, want, ch)
				}
				if got := xv.Grad().Data()[i]; got != scale {
					t.Fatalf("shape %v: dx[%d] = %v, want %v", shape, i, got, scale)
				}
			}
		}
		if kept == 0 || kept == shape[0]*shape[1] {
			t.Errorf("shape %v: %d of %d channels kept; the seed tests nothing", shape, kept, shape[0]*shape[1])
		}
	}
}

// TestDropout2dStatistics checks that about p of 20000 channels are
// dropped (within 4 standard deviations), each whole, and that the mean
// output is the mean input.
func TestDropout2dStatistics(t *testing.T) {
	const p, n, c, hw = 0.3, 200, 100, 4
	d := nn.NewDropout2d[float64](p, rand.New(rand.NewPCG(11, 12)))
	y := d.Forward(autograd.NewConst(tensor.Ones[float64](n, c, 2, 2))).Value().Data()
	dropped, sum := 0, 0.0
	for ch := range n * c {
		first := y[ch*hw]
		for _, v := range y[ch*hw : (ch+1)*hw] {
			if v != first {
				t.Fatalf("channel %d is partly dropped: %v", ch, y[ch*hw:(ch+1)*hw])
			}
			sum += v
		}
		if first == 0 {
			dropped++
		} else if math.Abs(first-1/(1-p)) > 1e-15 {
			t.Fatalf("channel %d scaled by %v, want 1/(1−p)", ch, first)
		}
	}
	frac, sd := float64(dropped)/(n*c), math.Sqrt(p*(1-p)/(n*c))
	if math.Abs(frac-p) > 4*sd {
		t.Errorf("dropped %.4f of the channels, want %v ± %.4f", frac, p, 4*sd)
	}
	if mean := sum / (n * c * hw); math.Abs(mean-1) > 4*sd/(1-p) {
		t.Errorf("mean output %.4f, want 1", mean)
	}
}

// TestDropout2dEdges checks evaluation mode and p = 0 (the input itself),
// p = 1 (zeros, and zero gradients), and the panics.
func TestDropout2dEdges(t *testing.T) {
	x := autograd.NewConst(tensor.FromSlice([]float64{1, -2, 3, 4}, 1, 2, 2))
	d := nn.NewDropout2d[float64](0.5, rand.New(rand.NewPCG(1, 1)))
	nn.SetTraining[float64](d, false)
	if d.Forward(x) != x {
		t.Errorf("evaluation mode does not pass the input through")
	}
	if nn.NewDropout2d[float64](0, rand.New(rand.NewPCG(1, 1))).Forward(x) != x {
		t.Errorf("p = 0 does not pass the input through")
	}
	tape := autograd.NewTape[float64]()
	xv := tape.Param(tensor.FromSlice([]float64{1, -2, 3, 4}, 2, 2))
	y := nn.NewDropout2d[float64](1, rand.New(rand.NewPCG(1, 1))).Forward(xv)
	tape.Backward(functional.Sum(y))
	for i := range 4 {
		if y.Value().Data()[i] != 0 || xv.Grad().Data()[i] != 0 {
			t.Fatalf("p = 1: y = %v, dx = %v, want zeros", y.Value().Data(), xv.Grad().Data())
		}
	}
	testutil.MustPanic(t, func() { nn.NewDropout2d[float64](1.5, nil) }, "nn: Dropout2d probability 1.5 is not in [0, 1]")
	x1 := autograd.NewConst(tensor.New[float64](3))
	if d.Forward(x1) != x1 {
		t.Errorf("evaluation mode does not pass a 1-d input through, as PyTorch's")
	}
	nn.SetTraining[float64](d, true)
	testutil.MustPanic(t, func() { d.Forward(x1) },
		"nn: Dropout2d: input of shape [3]: want N×C×… (at least 2 dimensions)")
}
