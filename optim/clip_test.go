package optim_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// clipParams returns three parameters with gradients (3, 4), (12) and none:
// norms 5 and 12, total √(25 + 144) = 13.
func clipParams() []*autograd.Var[float64] {
	a := autograd.NewParam(tensor.Zeros[float64](2))
	a.SetGrad(tensor.FromSlice([]float64{3, 4}, 2))
	b := autograd.NewParam(tensor.Zeros[float64](1))
	b.SetGrad(tensor.FromSlice([]float64{12}, 1))
	return []*autograd.Var[float64]{a, b, autograd.NewParam(tensor.Zeros[float64](3))}
}

func TestClipGradNormByHand(t *testing.T) {
	cases := []struct {
		maxNorm float64
		coef    float64 // expected scale of every gradient
	}{
		{6.5, 6.5 / (13 + 1e-6)}, // clipped to (about) half
		{13, 13 / (13 + 1e-6)},   // at the norm: PyTorch's 1e-6 still scales a hair
		{14, 1},                  // coef > 1: untouched
		{0, 0},                   // everything zeroed
	}
	for _, c := range cases {
		ps := clipParams()
		total := optim.ClipGradNorm(ps, c.maxNorm)
		if total != 13 {
			t.Errorf("maxNorm %v: total norm %v, want 13", c.maxNorm, total)
		}
		a, b := ps[0].Grad().Data(), ps[1].Grad().Data()
		checkClose(t, "a.grad[0]", a[0], 3*c.coef, 1e-15)
		checkClose(t, "a.grad[1]", a[1], 4*c.coef, 1e-15)
		checkClose(t, "b.grad[0]", b[0], 12*c.coef, 1e-14)
		if ps[2].Grad() != nil {
			t.Errorf("a parameter without gradient got %v", ps[2].Grad())
		}
		if c.coef == 1 && (a[0] != 3 || a[1] != 4 || b[0] != 12) {
			t.Errorf("maxNorm %v: gradients changed to %v %v", c.maxNorm, a, b)
		}
	}
}

func TestClipGradNormNoGradients(t *testing.T) {
	p := autograd.NewParam(tensor.Zeros[float64](2))
	if total := optim.ClipGradNorm([]*autograd.Var[float64]{p}, 1); total != 0 {
		t.Errorf("total norm with no gradients: %v, want 0", total)
	}
}

// TestClipGradNormFloat32Range: the squares of 3e30 and 4e30 overflow
// float32, but the sums run in float64, so the norm is 5e30.
func TestClipGradNormFloat32Range(t *testing.T) {
	p := autograd.NewParam(tensor.Zeros[float32](2))
	p.SetGrad(tensor.FromSlice([]float32{3e30, 4e30}, 2))
	total := optim.ClipGradNorm([]*autograd.Var[float32]{p}, 5)
	if math.Abs(float64(total)-5e30) > 1e24 {
		t.Errorf("total norm %g, want 5e30", total)
	}
	g := p.Grad().Data()
	if math.Abs(float64(g[0])-3) > 1e-6 || math.Abs(float64(g[1])-4) > 1e-6 {
		t.Errorf("clipped gradient %v, want [3 4]", g)
	}
}

// TestClipGradNormNaN: as in PyTorch, a NaN in one gradient makes the total
// NaN and every gradient NaN.
func TestClipGradNormNaN(t *testing.T) {
	ps := clipParams()
	ps[0].Grad().Data()[0] = math.NaN()
	if total := optim.ClipGradNorm(ps, 1); !math.IsNaN(total) {
		t.Errorf("total norm %v, want NaN", total)
	}
	if g := ps[1].Grad().Data()[0]; !math.IsNaN(g) {
		t.Errorf("the other gradient is %v, want NaN", g)
	}
}

func TestClipGradNormPanics(t *testing.T) {
	testutil.MustPanic(t, func() { optim.ClipGradNorm(clipParams(), -1) }, "optim: ClipGradNorm", "maxNorm -1")
	testutil.MustPanic(t, func() { optim.ClipGradNorm(clipParams(), math.NaN()) }, "maxNorm NaN")
}
