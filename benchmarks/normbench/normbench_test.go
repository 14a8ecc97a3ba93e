package normbench_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/normbench"
	"github.com/tapegrad/tapegrad/tensor"
)

// small are the cases at sizes a test runs in a moment, one per layer.
var small = []normbench.Case{
	{Layer: normbench.LayerNorm, Shape: []int{3, 4, 8}},
	{Layer: normbench.GroupNorm, Shape: []int{3, 8, 2, 3}, Groups: 4},
	{Layer: normbench.RMSNorm, Shape: []int{5, 16}},
}

func TestNames(t *testing.T) {
	var got []string
	for _, c := range append(slices.Clone(normbench.Cases), normbench.Deconv) {
		got = append(got, c.Name())
	}
	want := []string{"layernorm/32x128x256", "layernorm/4096x1024", "groupnorm/32x256x16x16", "rmsnorm/4096x1024",
		"convtranspose2d/32x128x16x16-64c-k4s2p1"}
	if !slices.Equal(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}
	if got := normbench.Deconv.OutShape(); !slices.Equal(got, []int{32, 64, 32, 32}) {
		t.Errorf("Deconv.OutShape() = %v, want [32 64 32 32]", got)
	}
}

// TestComposedAndFusedAgree checks, in float64, that both variants of each
// normalization layer compute the same output and gradients, and that the
// fused op keeps fewer bytes for the backward pass.
func TestComposedAndFusedAgree(t *testing.T) {
	for _, c := range small {
		w := normbench.NewWorkload[float64](rand.New(rand.NewPCG(1, 2)), c)
		comp := w.Step(normbench.Composed).Clone()
		fused := w.Step(normbench.Fused)
		if d := normbench.MaxDiff(comp, fused); d > 1e-12 || d != d {
			t.Errorf("%s: composed and fused differ by %g", c.Name(), d)
		}
		if !(fused.SavedBytes > 0 && fused.SavedBytes < comp.SavedBytes) {
			t.Errorf("%s: fused keeps %d bytes, composed %d", c.Name(), fused.SavedBytes, comp.SavedBytes)
		}
		if (fused.DBias == nil) != (c.Layer == normbench.RMSNorm) || len(fused.Named()) != 3+btoi(fused.DBias != nil) {
			t.Errorf("%s: dbias %v, named %d", c.Name(), fused.DBias, len(fused.Named()))
		}
		// L = Σ y ⊙ g, and for a normalization layer with bias, dβ = Σ g
		// over every axis but the bias's.
		if c.Layer == normbench.LayerNorm {
			g := w.In.G.Data()
			var want float64
			for i := 0; i < len(g); i += c.Shape[len(c.Shape)-1] {
				want += g[i]
			}
			if got := fused.DBias.Data()[0]; got-want > 1e-12 || want-got > 1e-12 {
				t.Errorf("%s: dbias[0] = %v, want %v", c.Name(), got, want)
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSameSeedSameInputs: the inputs are a function of the source state,
// as the compare command's two sides rely on.
func TestSameSeedSameInputs(t *testing.T) {
	c := normbench.Case{Layer: normbench.ConvTranspose2d, Shape: []int{2, 3, 4, 4}, OutChannels: 2, Kernel: 4, Stride: 2, Padding: 1}
	a := normbench.NewInputs[float32](rand.New(rand.NewPCG(1, 2)), c)
	b := normbench.NewInputs[float32](rand.New(rand.NewPCG(1, 2)), c)
	for i, p := range [][2]*tensor.Tensor[float32]{{a.X, b.X}, {a.G, b.G}, {a.Weight, b.Weight}, {a.Bias, b.Bias}} {
		if d := tensor.MaxAbsDiff(p[0], p[1]); d != 0 {
			t.Errorf("input %d differs by %g", i, d)
		}
	}
	if !slices.Equal(a.G.Shape(), []int{2, 2, 8, 8}) || !slices.Equal(a.Weight.Shape(), []int{3, 2, 4, 4}) {
		t.Errorf("g %v, weight %v", a.G.Shape(), a.Weight.Shape())
	}
	// PyTorch's default bound 1/√(OutChannels·Kernel²) = 1/√32.
	for _, v := range append(a.Weight.Data(), a.Bias.Data()...) {
		if v*v >= 1.0/32 {
			t.Fatalf("weight or bias %v beyond ±1/√32", v)
		}
	}
	r := normbench.FromInputs(c, a).Step(normbench.Fused)
	if !slices.Equal(r.Y.Shape(), []int{2, 2, 8, 8}) || !slices.Equal(r.DX.Shape(), c.Shape) || r.SavedBytes == 0 {
		t.Errorf("y %v, dx %v, saved %d", r.Y.Shape(), r.DX.Shape(), r.SavedBytes)
	}
}

func TestPanics(t *testing.T) {
	c := normbench.Case{Layer: normbench.ConvTranspose2d, Shape: []int{1, 2, 3, 3}, OutChannels: 1, Kernel: 2, Stride: 1}
	w := normbench.NewWorkload[float32](rand.New(rand.NewPCG(1, 2)), c)
	for _, p := range []struct {
		f    func()
		want string
	}{
		{func() { w.Step(normbench.Composed) }, "normbench: no composed convtranspose2d"},
		{func() { normbench.FromInputs(small[0], w.In) }, "normbench: inputs of layernorm/3x4x8 do not fit"},
	} {
		func() {
			defer func() {
				if r, _ := recover().(string); !strings.HasPrefix(r, p.want) {
					t.Errorf("panic %q, want %q", r, p.want)
				}
			}()
			p.f()
		}()
	}
}
