package nn_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestLayerNormModule checks nn.LayerNorm(3)'s defaults, state names and
// its output and gradients against PyTorch's (torch 1.13, float64:
// nn.LayerNorm(3) on x = [[1, 2, 4], [0.5, −1, 3]], upstream
// [[1, 2, 3], [−1, 0.5, 2]]), fused and composed.
func TestLayerNormModule(t *testing.T) {
	wantY := []float64{-1.069041531450298, -0.2672603828625746, 1.3363019143128718, -0.20203013783501955, -1.1111657580926075, 1.313195895927627}
	wantDX := []float64{-0.11454458203331697, 0.17180914163860161, -0.057264559605284315, -0.8163670201975894, 0.510227300329992, 0.30613971986759747}
	wantDW := []float64{-0.8670113936152783, -1.090103644771453, 6.63529753479387}
	wantDB := []float64{0, 2.5, 5}
	for _, composed := range []bool{false, true} {
		m := nn.NewLayerNorm[float64]([]int{3})
		m.Composed = composed
		if m.Eps != 1e-5 || m.Weight == nil || m.Bias == nil {
			t.Fatalf("NewLayerNorm: eps %v, weight %v, bias %v; want 1e-5 and both", m.Eps, m.Weight, m.Bias)
		}
		named := nn.NamedParams[float64](m)
		if len(named) != 2 || named[0].Name != "weight" || named[1].Name != "bias" {
			t.Fatalf("NamedParams = %v, want weight, bias", named)
		}
		for i := range 3 {
			if m.Weight.Value().Data()[i] != 1 || m.Bias.Value().Data()[i] != 0 {
				t.Fatalf("initial weight %v and bias %v, want ones and zeros", m.Weight.Value(), m.Bias.Value())
			}
		}
		tape := autograd.NewTape[float64]()
		x := tape.Param(tensor.FromSlice([]float64{1, 2, 4, 0.5, -1, 3}, 2, 3))
		y := m.Forward(x)
		tape.BackwardWithGrad(y, tensor.FromSlice([]float64{1, 2, 3, -1, 0.5, 2}, 2, 3))
		for _, c := range []struct {
			what      string
			got, want []float64
		}{{"y", y.Value().Data(), wantY}, {"dx", x.Grad().Data(), wantDX},
			{"dweight", m.Weight.Grad().Data(), wantDW}, {"dbias", m.Bias.Grad().Data(), wantDB}} {
			for i := range c.want {
				if math.Abs(c.got[i]-c.want[i]) > 1e-12 {
					t.Errorf("composed=%v: %s = %v, want %v", composed, c.what, c.got, c.want)
					break
				}
			}
		}
	}
}

// TestLayerNormOptions checks the state each option leaves, as PyTorch's
// state_dict keys, and that a checkpoint loads strictly: the same names
// load, a module without bias refuses one with it.
func TestLayerNormOptions(t *testing.T) {
	for _, c := range []struct {
		name string
		m    nn.Module[float64]
		want []string
	}{
		{"LayerNorm", nn.NewLayerNorm[float64]([]int{2, 3}), []string{"weight", "bias"}},
		{"LayerNorm bias=False", nn.NewLayerNorm[float64]([]int{3}, nn.LayerNormBias(false)), []string{"weight"}},
		{"LayerNorm elementwise_affine=False", nn.NewLayerNorm[float64]([]int{3}, nn.LayerNormElementwiseAffine(false)), nil},
		{"RMSNorm", nn.NewRMSNorm[float64]([]int{3}), []string{"weight"}},
		{"RMSNorm elementwise_affine=False", nn.NewRMSNorm[float64]([]int{3}, nn.RMSNormElementwiseAffine(false)), nil},
	} {
		named := nn.NamedParams(c.m)
		if len(named) != len(c.want) {
			t.Errorf("%s: %d parameters, want %v", c.name, len(named), c.want)
			continue
		}
		for i, p := range named {
			if p.Name != c.want[i] {
				t.Errorf("%s: parameter %d named %q, want %q", c.name, i, p.Name, c.want[i])
			}
		}
	}
	if e := nn.NewLayerNorm[float32]([]int{3}, nn.LayerNormEps(1e-3)).Eps; e != 1e-3 {
		t.Errorf("LayerNormEps(1e-3): eps %v", e)
	}
	// PyTorch 2.x's eps=None: torch.finfo(dtype).eps.
	if e := nn.NewRMSNorm[float32]([]int{3}).Eps; e != 1.1920929e-07 {
		t.Errorf("RMSNorm[float32] default eps %v, want 2⁻²³", e)
	}
	if e := nn.NewRMSNorm[float64]([]int{3}).Eps; e != 2.220446049250313e-16 {
		t.Errorf("RMSNorm[float64] default eps %v, want 2⁻⁵²", e)
	}
	if e := nn.NewRMSNorm[float64]([]int{3}, nn.RMSNormEps(0)).Eps; e != 0 {
		t.Errorf("RMSNormEps(0): eps %v, want 0", e)
	}

	dir := t.TempDir()
	src := nn.NewLayerNorm[float64]([]int{3})
	copy(src.Weight.Value().Data(), []float64{2, 3, 4})
	copy(src.Bias.Value().Data(), []float64{-1, 0, 1})
	path := filepath.Join(dir, "ln.safetensors")
	if err := nn.Save(path, src); err != nil {
		t.Fatal(err)
	}
	dst := nn.NewLayerNorm[float64]([]int{3})
	if err := nn.Load(path, dst); err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := dst.Weight.Value().Data(); got[0] != 2 || got[2] != 4 || dst.Bias.Value().Data()[0] != -1 {
		t.Errorf("loaded weight %v and bias %v", dst.Weight.Value(), dst.Bias.Value())
	}
	if err := nn.Load(path, nn.NewLayerNorm[float64]([]int{3}, nn.LayerNormBias(false))); err == nil {
		t.Error("loading weight and bias into LayerNorm with bias=False: no error")
	}
}

// TestRMSNormModule checks RMSNorm's output against its definition, fused
// and composed, with a weight.
func TestRMSNormModule(t *testing.T) {
	for _, composed := range []bool{false, true} {
		m := nn.NewRMSNorm[float64]([]int{2}, nn.RMSNormEps(0.5))
		m.Composed = composed
		copy(m.Weight.Value().Data(), []float64{2, -1})
		y := m.Forward(autograd.NewConst(tensor.FromSlice([]float64{3, 4, 1, -1}, 2, 2)))
		// Rows: √(12.5 + 0.5) and √(1 + 0.5).
		want := []float64{6 / math.Sqrt(13), -4 / math.Sqrt(13), 2 / math.Sqrt(1.5), 1 / math.Sqrt(1.5)}
		for i, v := range y.Value().Data() {
			if math.Abs(v-want[i]) > 1e-14 {
				t.Errorf("composed=%v: y = %v, want %v", composed, y.Value().Data(), want)
				break
			}
		}
	}
}

func TestLayerNormModulePanics(t *testing.T) {
	testutil.MustPanic(t, func() { nn.NewLayerNorm[float64](nil) }, "nn: NewLayerNorm([]): normalized_shape must be non-empty with positive sizes")
	testutil.MustPanic(t, func() { nn.NewRMSNorm[float64]([]int{3, 0}) }, "nn: NewRMSNorm([3 0]): normalized_shape must be non-empty")
	x := autograd.NewConst(tensor.New[float64](2, 4))
	testutil.MustPanic(t, func() { nn.NewLayerNorm[float64]([]int{3}).Forward(x) }, "nn: LayerNorm[3]: input of shape [2 4] does not end in the normalized shape")
	testutil.MustPanic(t, func() { nn.NewRMSNorm[float64]([]int{4, 2}).Forward(x) }, "nn: RMSNorm[4 2]: input of shape [2 4]")
	testutil.MustPanic(t, func() { nn.NewRMSNorm[float64]([]int{1, 2, 4}).Forward(x) }, "nn: RMSNorm[1 2 4]: input of shape [2 4]")
}
