package ops_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for the adaptive pooling ops come from PyTorch's
// F.adaptive_avg_pool2d and F.adaptive_max_pool2d, run in float64 and in
// float32; regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_resize.py
//
// The tests only read the JSON.
const resizeRefPath = "testdata/torch_resize.json"

type resizeRef struct {
	reftest.Header
	AdaptivePool []adaptiveCase `json:"adaptive_pool"`
}

// adaptiveCase is one call of F.adaptive_avg_pool2d or
// F.adaptive_max_pool2d; a null OutputSize entry is None.
type adaptiveCase struct {
	Name        string          `json:"name"`
	Function    string          `json:"function"`
	Shape       []int           `json:"shape"`
	OutputSize  [2]*int         `json:"output_size"`
	Input       []reftest.Float `json:"input"`
	Upstream    []reftest.Float `json:"upstream"`
	OutputShape []int           `json:"output_shape"`
	Float64     poolOptResult   `json:"float64"`
	Float32     poolOptResult   `json:"float32"`
}

func TestAdaptivePoolMatchesPyTorch(t *testing.T) {
	var ref resizeRef
	reftest.Load(t, resizeRefPath, "/usr/bin/python3 ops/testdata/gen_torch_resize.py", &ref)
	unique := reftest.Unique(t, resizeRefPath)
	covered := map[string]bool{}
	for _, c := range ref.AdaptivePool {
		unique(c.Name)
		covered[c.Function] = true
		if c.OutputSize[0] == nil || c.OutputSize[1] == nil {
			covered[c.Function+" None"] = true
		}
		if c.OutputShape[2] > c.Shape[2] {
			covered[c.Function+" larger"] = true
		}
		t.Run(c.Name, func(t *testing.T) {
			t.Run("float64", func(t *testing.T) { runAdaptiveCase[float64](t, c, c.Float64, 1e-10) })
			t.Run("float32", func(t *testing.T) { runAdaptiveCase[float32](t, c, c.Float32, 1e-5) })
		})
	}
	for _, want := range []string{"adaptive_avg_pool2d", "adaptive_max_pool2d", "adaptive_avg_pool2d None",
		"adaptive_max_pool2d None", "adaptive_avg_pool2d larger", "adaptive_max_pool2d larger"} {
		if !covered[want] {
			t.Errorf("%s: no case covers %s", resizeRefPath, want)
		}
	}
}

func runAdaptiveCase[T tensor.Float](t *testing.T, c adaptiveCase, want poolOptResult, tol float64) {
	var size [2]int
	for a, s := range c.OutputSize {
		if s != nil {
			size[a] = *s
		}
	}
	var op autograd.Op[T]
	indices := func() []int64 { return nil }
	switch c.Function {
	case "adaptive_avg_pool2d":
		op = &ops.AdaptiveAvgPool2d[T]{OutputSize: size}
	case "adaptive_max_pool2d":
		m := &ops.AdaptiveMaxPool2d[T]{OutputSize: size}
		op, indices = m, m.Indices
	default:
		t.Fatalf("unknown function %q", c.Function)
	}
	tape := autograd.NewTape[T]()
	x := tape.Param(tensor.FromSlice(reftest.Floats[T](c.Input), c.Shape...))
	y := autograd.Apply(op, x)
	if !slices.Equal(y.Shape(), c.OutputShape) {
		t.Fatalf("output shape %v, PyTorch's is %v", y.Shape(), c.OutputShape)
	}
	tape.BackwardWithGrad(y, tensor.FromSlice(reftest.Floats[T](c.Upstream), c.OutputShape...))
	compare := func(what string, got []T, want []reftest.Float) {
		t.Helper()
		g := make([]float64, len(got))
		for i, v := range got {
			g[i] = float64(v)
		}
		if d := cmp.Diff(reftest.Floats[float64](want), g, cmpopts.EquateApprox(tol, tol), cmpopts.EquateNaNs()); d != "" {
			t.Errorf("%s differs from PyTorch's (-torch +tapegrad):\n%s", what, d)
		}
	}
	compare("output", y.Value().Data(), want.Output)
	compare("input gradient", x.Grad().Data(), want.Grad)
	if got := indices(); !slices.Equal(got, want.Indices) {
		t.Errorf("indices %v, PyTorch's %v", got, want.Indices)
	}
}
