package ops_test

import (
	"fmt"
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
	Interpolate  []interpCase   `json:"interpolate"`
}

// interpCase is one call of F.interpolate on a 4-d input; Size or
// ScaleFactor is null when not given.
type interpCase struct {
	Name         string          `json:"name"`
	Shape        []int           `json:"shape"`
	Size         *[2]int         `json:"size"`
	ScaleFactor  *[2]float64     `json:"scale_factor"`
	Mode         string          `json:"mode"`
	AlignCorners bool            `json:"align_corners"`
	Input        []reftest.Float `json:"input"`
	Upstream     []reftest.Float `json:"upstream"`
	OutputShape  []int           `json:"output_shape"`
	Float64      poolOptResult   `json:"float64"`
	Float32      poolOptResult   `json:"float32"`
}

func TestInterpolateMatchesPyTorch(t *testing.T) {
	var ref resizeRef
	reftest.Load(t, resizeRefPath, "/usr/bin/python3 ops/testdata/gen_torch_resize.py", &ref)
	unique := reftest.Unique(t, resizeRefPath)
	covered := map[string]bool{}
	for _, c := range ref.Interpolate {
		unique(c.Name)
		op := ops.Interpolate[float64]{AlignCorners: c.AlignCorners}
		switch c.Mode {
		case "nearest":
			op.Mode = ops.InterpNearest
		case "bilinear":
			op.Mode = ops.InterpBilinear
		default:
			t.Fatalf("%s: case %q: unknown mode %q", resizeRefPath, c.Name, c.Mode)
		}
		if c.Size != nil {
			op.Size = *c.Size
		}
		if c.ScaleFactor != nil {
			op.ScaleFactor = *c.ScaleFactor
		}
		covered[fmt.Sprintf("%s align %t size %t", c.Mode, c.AlignCorners, c.Size != nil)] = true
		t.Run(c.Name, func(t *testing.T) {
			t.Run("float64", func(t *testing.T) {
				o := op
				runInterpCase[float64](t, c, &o, c.Float64, 1e-10)
			})
			t.Run("float32", func(t *testing.T) {
				o := ops.Interpolate[float32]{Size: op.Size, ScaleFactor: op.ScaleFactor, Mode: op.Mode, AlignCorners: op.AlignCorners}
				runInterpCase[float32](t, c, &o, c.Float32, 1e-5)
			})
		})
	}
	for _, mode := range []string{"nearest align false", "bilinear align false", "bilinear align true"} {
		for _, size := range []bool{false, true} {
			if want := fmt.Sprintf("%s size %t", mode, size); !covered[want] {
				t.Errorf("%s: no case covers %s", resizeRefPath, want)
			}
		}
	}
}

func runInterpCase[T tensor.Float](t *testing.T, c interpCase, op *ops.Interpolate[T], want poolOptResult, tol float64) {
	tape := autograd.NewTape[T]()
	x := tape.Param(tensor.FromSlice(reftest.Floats[T](c.Input), c.Shape...))
	y := autograd.Apply[T](op, x)
	if !slices.Equal(y.Shape(), c.OutputShape) {
		t.Fatalf("output shape %v, PyTorch's is %v", y.Shape(), c.OutputShape)
	}
	tape.BackwardWithGrad(y, tensor.FromSlice(reftest.Floats[T](c.Upstream), c.OutputShape...))
	compareResizeRef(t, "output", y.Value().Data(), want.Output, tol)
	compareResizeRef(t, "input gradient", x.Grad().Data(), want.Grad, tol)
}

// compareResizeRef compares got with PyTorch's want at relative and absolute
// tolerance tol.
func compareResizeRef[T tensor.Float](t *testing.T, what string, got []T, want []reftest.Float, tol float64) {
	t.Helper()
	g := make([]float64, len(got))
	for i, v := range got {
		g[i] = float64(v)
	}
	if d := cmp.Diff(reftest.Floats[float64](want), g, cmpopts.EquateApprox(tol, tol), cmpopts.EquateNaNs()); d != "" {
		t.Errorf("%s differs from PyTorch's (-torch +tapegrad):\n%s", what, d)
	}
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
