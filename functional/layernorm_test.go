package functional_test

import (
	"math"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/tensor"
)

const (
	layerNormRef   = "testdata/torch_layernorm.json"
	layerNormRegen = "/usr/bin/python3 functional/testdata/gen_torch_layernorm.py"
)

type layerNormResult struct {
	Y       []reftest.Float `json:"y"`
	DX      []reftest.Float `json:"dx"`
	DWeight []reftest.Float `json:"dweight"`
	DBias   []reftest.Float `json:"dbias"`
}

type layerNormCase struct {
	Name            string          `json:"name"`
	Kind            string          `json:"kind"`
	XShape          []int           `json:"x_shape"`
	NormalizedShape []int           `json:"normalized_shape"`
	X               []reftest.Float `json:"x"`
	Gr              []reftest.Float `json:"g"`
	Eps             float64         `json:"eps"`
	EpsMachine      bool            `json:"eps_machine"`
	Weight          []reftest.Float `json:"weight"`
	Bias            []reftest.Float `json:"bias"`
	Float64         layerNormResult `json:"float64"`
	Float32         layerNormResult `json:"float32"`
}

func loadLayerNorm(t *testing.T) []layerNormCase {
	var ref struct {
		reftest.Header
		Cases []layerNormCase `json:"cases"`
	}
	reftest.Load(t, layerNormRef, layerNormRegen, &ref)
	if len(ref.Cases) < 10 {
		t.Fatalf("%s: %d cases, want at least 10", layerNormRef, len(ref.Cases))
	}
	return ref.Cases
}

// machineEps is the spacing of T's values at 1, PyTorch's finfo(dtype).eps.
func machineEps[T tensor.Float]() T {
	var one T = 1
	if _, ok := any(one).(float32); ok {
		return T(math.Nextafter32(1, 2) - 1)
	}
	return T(math.Nextafter(1, 2) - 1)
}

// TestLayerNormReference pins LayerNorm, RMSNorm and their composed
// versions to PyTorch's values and gradients, in float64 and float32.
func TestLayerNormReference(t *testing.T) {
	cases := loadLayerNorm(t)
	unique := reftest.Unique(t, layerNormRef)
	for _, c := range cases {
		unique(c.Name)
		for _, composed := range []bool{false, true} {
			name := c.Name
			if composed {
				name += "/composed"
			}
			t.Run(name+"/float64", func(t *testing.T) { checkLayerNormCase[float64](t, c, c.Float64, composed, 1e-10) })
			t.Run(name+"/float32", func(t *testing.T) { checkLayerNormCase[float32](t, c, c.Float32, composed, 2e-5) })
		}
	}
}

func checkLayerNormCase[T tensor.Float](t *testing.T, c layerNormCase, want layerNormResult, composed bool, tol float64) {
	tape := autograd.NewTape[T]()
	x := tape.Param(tensor.FromSlice(reftest.Floats[T](c.X), c.XShape...))
	var w, b *autograd.Var[T]
	if c.Weight != nil {
		w = tape.Param(tensor.FromSlice(reftest.Floats[T](c.Weight), c.NormalizedShape...))
	}
	if c.Bias != nil {
		b = tape.Param(tensor.FromSlice(reftest.Floats[T](c.Bias), c.NormalizedShape...))
	}
	eps := T(c.Eps)
	if c.EpsMachine {
		eps = machineEps[T]()
	}
	var y *autograd.Var[T]
	switch {
	case c.Kind == "layer_norm" && !composed:
		y = functional.LayerNorm(x, c.NormalizedShape, w, b, eps)
	case c.Kind == "layer_norm":
		y = functional.LayerNormComposed(x, c.NormalizedShape, w, b, eps)
	case c.Kind == "rms_norm" && !composed:
		y = functional.RMSNorm(x, c.NormalizedShape, w, eps)
	case c.Kind == "rms_norm":
		y = functional.RMSNormComposed(x, c.NormalizedShape, w, eps)
	default:
		t.Fatalf("unknown kind %q", c.Kind)
	}
	tape.BackwardWithGrad(y, tensor.FromSlice(reftest.Floats[T](c.Gr), c.XShape...))
	lnCompare(t, "y", y.Value(), want.Y, tol)
	lnCompare(t, "dx", x.Grad(), want.DX, tol)
	if w != nil {
		lnCompare(t, "dweight", w.Grad(), want.DWeight, tol)
	}
	if b != nil {
		lnCompare(t, "dbias", b.Grad(), want.DBias, tol)
	}
}

// lnCompare checks got against want, relative to the largest |want| (so
// that values that cancel to near zero are judged against the scale of
// their row).
func lnCompare[T tensor.Float](t *testing.T, what string, got *tensor.Tensor[T], want []reftest.Float, tol float64) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: no gradient", what)
	}
	if len(want) == 0 || got.Size() != len(want) {
		t.Fatalf("%s: %d values, want %d (non-empty)", what, got.Size(), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	scale = math.Max(scale, 1)
	for i, g := range got.Data() {
		if d := math.Abs(float64(g) - float64(want[i])); !(d <= tol*scale) {
			t.Errorf("%s[%d] = %v, want %v (diff %.3g, tolerance %.3g)", what, i, g, want[i], d, tol*scale)
		}
	}
}

// TestLayerNormFusedMatchesComposed checks the fused ops against their
// composed versions on random inputs, values and every gradient, in
// float64, including a second-order gradient (the gradient penalty's).
func TestLayerNormFusedMatchesComposed(t *testing.T) {
	x0 := tensor.New[float64](3, 2, 5)
	w0, b0 := tensor.New[float64](2, 5), tensor.New[float64](2, 5)
	for i := range x0.Data() {
		x0.Data()[i] = math.Sin(float64(3*i+1)) * 2
	}
	for i := range w0.Data() {
		w0.Data()[i] = 1 + 0.3*math.Cos(float64(i))
		b0.Data()[i] = 0.1 * float64(i-4)
	}
	norm := []int{2, 5}
	type fn func(x, w, b *autograd.Var[float64]) *autograd.Var[float64]
	for _, p := range []struct {
		name            string
		fused, composed fn
	}{
		{"LayerNorm", func(x, w, b *autograd.Var[float64]) *autograd.Var[float64] {
			return functional.LayerNorm(x, norm, w, b, 1e-5)
		}, func(x, w, b *autograd.Var[float64]) *autograd.Var[float64] {
			return functional.LayerNormComposed(x, norm, w, b, 1e-5)
		}},
		{"RMSNorm", func(x, w, _ *autograd.Var[float64]) *autograd.Var[float64] {
			return functional.RMSNorm(x, norm, w, 1e-6)
		}, func(x, w, _ *autograd.Var[float64]) *autograd.Var[float64] {
			return functional.RMSNormComposed(x, norm, w, 1e-6)
		}},
	} {
		t.Run(p.name, func(t *testing.T) {
			run := func(f fn) [][]float64 {
				tape := autograd.NewTape[float64]()
				x, w, b := tape.Param(x0.Clone()), tape.Param(w0.Clone()), tape.Param(b0.Clone())
				y := f(x, w, b)
				// L = Σ y·sin, then the penalty Σ (∂L/∂x)² differentiated again.
				seed := tensor.New[float64](y.Shape()...)
				for i := range seed.Data() {
					seed.Data()[i] = math.Sin(float64(i))
				}
				loss := functional.Sum(functional.Mul(y, autograd.NewConst(seed)))
				g := tape.Grad([]*autograd.Var[float64]{loss}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{CreateGraph: true})[0]
				pen := functional.Sum(functional.Mul(g, g))
				h := tape.Grad([]*autograd.Var[float64]{pen}, []*autograd.Var[float64]{x, w}, autograd.GradOptions[float64]{})
				return [][]float64{y.Value().Data(), g.Value().Data(), h[0].Value().Data(), h[1].Value().Data()}
			}
			f, c := run(p.fused), run(p.composed)
			for k, what := range []string{"y", "dx", "d²/dx", "d²/dw"} {
				for i := range f[k] {
					if d := math.Abs(f[k][i] - c[k][i]); d > 1e-10*math.Max(1, math.Abs(c[k][i])) {
						t.Errorf("%s[%d]: fused %v, composed %v", what, i, f[k][i], c[k][i])
					}
				}
			}
		})
	}
}

// TestLayerNormPanics checks the messages of bad shapes.
func TestLayerNormPanics(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(tensor.New[float64](2, 3, 4))
	w := tape.Param(tensor.New[float64](3))
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"shape", func() { functional.LayerNorm(x, []int{3}, nil, nil, 1e-5) },
			"functional: LayerNorm: input of shape [2 3 4] does not end in normalized_shape [3]"},
		{"empty", func() { functional.RMSNorm(x, nil, nil, 1e-5) },
			"functional: RMSNorm: input of shape [2 3 4] does not end in normalized_shape []"},
		{"weight", func() { functional.LayerNormComposed(x, []int{4}, w, nil, 1e-5) },
			"functional: LayerNormComposed: weight of shape [3], want normalized_shape [4]"},
		{"bias", func() { functional.LayerNorm(x, []int{4}, nil, w, 1e-5) },
			"functional: LayerNorm: bias of shape [3], want normalized_shape [4]"},
		{"rms weight", func() { functional.RMSNormComposed(x, []int{3, 4}, w, 1e-5) },
			"functional: RMSNormComposed: weight of shape [3], want normalized_shape [3 4]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); c.want == "" || !strings.Contains(s, c.want) {
					t.Errorf("panic %v, want it to contain %q", r, c.want)
				}
			}()
			c.f()
		})
	}
}
