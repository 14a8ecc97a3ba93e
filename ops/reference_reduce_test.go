package ops_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for the reductions come from PyTorch's torch.max
// and torch.min (with a dim and without), torch.amax, torch.amin,
// torch.argmax, torch.argmin, torch.var and torch.std, each run in float64
// and in float32; regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_reduce.py
//
// The tests only read the JSON: they never need Python.
const reduceRefPath = "testdata/torch_reduce.json"

// reduceRef is the layout of torch_reduce.json.
type reduceRef struct {
	reftest.Header
	DTypes []string        `json:"dtypes"`
	Cases  []reduceRefCase `json:"cases"`
}

// reduceRefCase is one torch function applied to one input: Dim is an axis
// (max_dim, min_dim, argmax, argmin), a list of axes (amax, amin, var, std)
// or null (every axis; the flattened tensor for argmax and argmin).
// Upstream is null for argmax and argmin, which have no gradient.
type reduceRefCase struct {
	Name       string          `json:"name"`
	Function   string          `json:"function"`
	Shape      []int           `json:"shape"`
	Dim        json.RawMessage `json:"dim"`
	KeepDim    bool            `json:"keepdim"`
	Correction *int            `json:"correction"`
	Input      []reftest.Float `json:"input"`
	Upstream   []reftest.Float `json:"upstream"`
	Float64    reduceRefResult `json:"float64"`
	Float32    reduceRefResult `json:"float32"`
}

// reduceRefResult is what PyTorch computed in one dtype.
type reduceRefResult struct {
	OutputShape []int           `json:"output_shape"`
	Output      []reftest.Float `json:"output"`  // null for argmax, argmin
	Indices     []int           `json:"indices"` // max_dim, min_dim, argmax, argmin
	Grad        []reftest.Float `json:"grad"`    // null for argmax, argmin
}

// round32 returns s rounded to float32, as float64s.
func round32(s []reftest.Float) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(float32(v))
	}
	return out
}

// axes decodes Dim: one axis (single), a list, or none.
func (c reduceRefCase) axes(t *testing.T) (axes []int, single bool) {
	t.Helper()
	d := bytes.TrimSpace(c.Dim)
	switch {
	case string(d) == "null":
		return nil, false
	case len(d) > 0 && d[0] == '[':
		if err := json.Unmarshal(d, &axes); err != nil {
			t.Fatalf("%s: case %q: dim %s: %v", reduceRefPath, c.Name, d, err)
		}
		return axes, false
	default:
		var a int
		if err := json.Unmarshal(d, &a); err != nil {
			t.Fatalf("%s: case %q: dim %s: %v", reduceRefPath, c.Name, d, err)
		}
		return []int{a}, true
	}
}

// loadReduceRef reads and sanity-checks the reference file, so that a
// truncated or hand-edited file, or one that lost the cases that catch the
// classic bugs, fails loudly instead of testing less.
func loadReduceRef(t *testing.T) reduceRef {
	t.Helper()
	var ref reduceRef
	reftest.Load(t, reduceRefPath, "/usr/bin/python3 ops/testdata/gen_torch_reduce.py", &ref)
	if !slices.Equal(ref.DTypes, []string{"float64", "float32"}) {
		t.Fatalf("%s: dtypes %v, want [float64 float32]", reduceRefPath, ref.DTypes)
	}
	unique := reftest.Unique(t, reduceRefPath)
	covered := map[string]bool{}
	for _, c := range ref.Cases {
		unique(c.Name)
		n := tensor.NumElems(c.Shape)
		grad := c.Function != "argmax" && c.Function != "argmin"
		for _, r := range []reduceRefResult{c.Float64, c.Float32} {
			m := tensor.NumElems(r.OutputShape)
			if len(c.Input) != n || (grad && (len(r.Grad) != n || len(r.Output) != m || len(c.Upstream) != m)) ||
				(!grad && len(r.Indices) != m) {
				t.Fatalf("%s: case %q: shape %v with %d inputs, %d gradients; output shape %v with %d outputs, %d indices, %d upstream",
					reduceRefPath, c.Name, c.Shape, len(c.Input), len(r.Grad), r.OutputShape, len(r.Output), len(r.Indices), len(c.Upstream))
			}
		}
		in := reftest.Floats[float64](c.Input)
		hasNaN := slices.ContainsFunc(in, math.IsNaN)
		sorted := slices.Clone(in)
		slices.Sort(sorted)
		hasTies := len(slices.Compact(sorted)) < len(in)
		covered[c.Function] = true
		if hasNaN {
			covered[c.Function+" with NaN"] = true
		}
		if hasTies {
			covered[c.Function+" with ties"] = true
		}
		if c.KeepDim {
			covered[c.Function+" keepdim"] = true
		}
	}
	for _, want := range []string{
		"max_dim", "max_dim with ties", "max_dim with NaN", "max_dim keepdim",
		"min_dim", "min_dim with ties", "min_dim with NaN",
		"amax", "amax with ties", "amax with NaN", "amax keepdim",
		"amin", "amin with ties", "amin with NaN",
		"max_all with ties", "max_all with NaN", "min_all with ties", "min_all with NaN",
		"argmax", "argmax with ties", "argmax with NaN", "argmax keepdim",
		"argmin", "argmin with ties", "argmin with NaN",
		"var", "var with NaN", "var keepdim", "std", "std with ties", "std with NaN", "std keepdim",
	} {
		if !covered[want] {
			t.Errorf("%s: no case covers %s", reduceRefPath, want)
		}
	}
	return ref
}

// reduceOp returns the op that computes the case's torch function, and a
// function returning the indices it found (nil for ops without indices).
func reduceOp[T tensor.Float](t *testing.T, c reduceRefCase) (autograd.Op[T], func() []int) {
	t.Helper()
	axes, _ := c.axes(t)
	correction := 0
	if c.Correction != nil {
		correction = *c.Correction
	}
	switch c.Function {
	case "max_dim":
		op := &ops.Max[T]{Axis: axes[0], KeepDims: c.KeepDim}
		return op, op.Indices
	case "min_dim":
		op := &ops.Min[T]{Axis: axes[0], KeepDims: c.KeepDim}
		return op, op.Indices
	case "amax":
		return &ops.Amax[T]{Axes: axes, KeepDims: c.KeepDim}, nil
	case "amin":
		return &ops.Amin[T]{Axes: axes, KeepDims: c.KeepDim}, nil
	case "max_all":
		return &ops.Amax[T]{NaNTies: true}, nil
	case "min_all":
		return &ops.Amin[T]{NaNTies: true}, nil
	case "var":
		return &ops.Var[T]{Axes: axes, KeepDims: c.KeepDim, Correction: correction}, nil
	case "std":
		return &ops.Std[T]{Axes: axes, KeepDims: c.KeepDim, Correction: correction}, nil
	}
	t.Fatalf("%s: case %q: unknown function %q", reduceRefPath, c.Name, c.Function)
	return nil, nil
}

// compareNums fails unless got matches PyTorch's want: NaN where want is
// NaN, the same infinity where want is infinite, and otherwise within the
// relative tolerance tol, with an absolute floor of tol, plus slack. It
// returns the largest |got − want| over the finite values.
func compareNums[T tensor.Float](t *testing.T, what string, got *tensor.Tensor[T], wantShape []int, want []reftest.Float, tol, slack float64) float64 {
	t.Helper()
	if !slices.Equal(got.Shape(), wantShape) {
		t.Errorf("%s: shape %v, PyTorch's is %v", what, got.Shape(), wantShape)
		return math.Inf(1)
	}
	worst := 0.0
	for i, w := range want {
		g, w := float64(got.Data()[i]), float64(w)
		switch {
		case math.IsNaN(w) || math.IsInf(w, 0):
			if !(math.IsNaN(w) && math.IsNaN(g)) && g != w {
				t.Errorf("%s: element %d is %v, PyTorch's is %v", what, i, g, w)
			}
		case math.Abs(g-w) > tol*max(1, math.Abs(w))+slack || math.IsNaN(g):
			t.Errorf("%s: element %d is %v, PyTorch's is %v (difference %.3g)", what, i, g, w, g-w)
		default:
			worst = max(worst, math.Abs(g-w))
		}
	}
	return worst
}

// TestReductionsMatchPyTorch runs every case in float64 (tolerance 1e-10)
// and in float32 (1e-5): the op on a tape with the input as a
// differentiable leaf, the backward pass seeded with PyTorch's upstream
// gradient, and the output, the indices and the gradient compared with
// torch's in the same dtype. argmax and argmin go through tensor.ArgMax,
// ArgMin and their flat forms.
func TestReductionsMatchPyTorch(t *testing.T) {
	ref := loadReduceRef(t)
	var w64, w32 refWorst
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			runReduceCase[float64](t, c, c.Float64, 1e-10, &w64)
			runReduceCase[float32](t, c, c.Float32, 1e-5, &w32)
		})
	}
	t.Logf("%d cases from PyTorch %s; largest |tapegrad − torch|: float64 %.3g in values, %.3g in gradients; float32 %.3g, %.3g",
		len(ref.Cases), ref.TorchVersion, w64.value, w64.grad, w32.value, w32.grad)
}

func runReduceCase[T tensor.Float](t *testing.T, c reduceRefCase, want reduceRefResult, tol float64, worst *refWorst) {
	t.Helper()
	dtype := fmt.Sprintf("%T", T(0))
	x := tensor.FromSlice(reftest.Floats[T](c.Input), c.Shape...)
	if c.Function == "argmax" || c.Function == "argmin" {
		axes, single := c.axes(t)
		var idx, shape []int
		switch {
		case single && c.Function == "argmax":
			idx, shape = tensor.ArgMax(x, axes[0]), tensor.ReducedShape(c.Shape, c.KeepDim, axes[0])
		case single:
			idx, shape = tensor.ArgMin(x, axes[0]), tensor.ReducedShape(c.Shape, c.KeepDim, axes[0])
		case c.Function == "argmax":
			idx, shape = []int{tensor.ArgMaxFlat(x)}, tensor.ReducedShape(c.Shape, c.KeepDim)
		default:
			idx, shape = []int{tensor.ArgMinFlat(x)}, tensor.ReducedShape(c.Shape, c.KeepDim)
		}
		if !slices.Equal(idx, want.Indices) || !slices.Equal(shape, want.OutputShape) {
			t.Errorf("%s %s: indices %v of shape %v, PyTorch's are %v of shape %v", c.Function, dtype, idx, shape, want.Indices, want.OutputShape)
		}
		return
	}
	op, indices := reduceOp[T](t, c)
	tape := autograd.NewTape[T]()
	xv := tape.Param(x)
	y := autograd.Apply(op, xv)
	worst.value = max(worst.value, compareNums(t, "output "+dtype, y.Value(), want.OutputShape, want.Output, tol, 0))
	if indices != nil && !slices.Equal(indices(), want.Indices) {
		t.Errorf("indices %s: %v, PyTorch's are %v", dtype, indices(), want.Indices)
	}
	if !slices.Equal(y.Shape(), want.OutputShape) {
		return
	}
	tape.BackwardWithGrad(y, tensor.FromSlice(reftest.Floats[T](c.Upstream), want.OutputShape...))
	slack := 0.0
	if dtype == "float32" && (c.Function == "var" || c.Function == "std") {
		slack = meanRoundingSlack(t, c)
	}
	worst.grad = max(worst.grad, compareNums(t, "dL/dx "+dtype, xv.Grad(), c.Shape, want.Grad, tol, slack))
	if slack == 0 {
		return
	}
	// Beyond PyTorch's float32 rounding, tapegrad's float32 gradient is
	// that of float64 on the same (float32) inputs, to float32 accuracy.
	op64, _ := reduceOp[float64](t, c)
	tape64 := autograd.NewTape[float64]()
	x64 := tape64.Param(tensor.FromSlice(round32(c.Input), c.Shape...))
	y64 := autograd.Apply(op64, x64)
	tape64.BackwardWithGrad(y64, tensor.FromSlice(round32(c.Upstream), want.OutputShape...))
	exact := make([]reftest.Float, len(c.Input))
	for i, v := range x64.Grad().Data() {
		exact[i] = reftest.Float(v)
	}
	compareNums(t, "dL/dx float32 against float64 on the same inputs", xv.Grad(), c.Shape, exact, 1e-6, 0)
}

// meanRoundingSlack bounds the error that PyTorch's float32 Var and Std
// gradients inherit from their float32 mean: dx = (2/(N − c))·g·(x − μ)
// with g = dy (Var) or dy/(2σ) (Std), and μ rounded, after a float32 sum, to
// within a few ulps of the largest |x|. tapegrad computes x − μ in float64,
// so on inputs far from 0 (the large_offset cases) the two differ by that
// much: the slack is 4 float32 ulps of max |x| times max |(2/(N − c))·g|.
func meanRoundingSlack(t *testing.T, c reduceRefCase) float64 {
	t.Helper()
	n := tensor.NumElems(c.Shape) / max(tensor.NumElems(c.Float64.OutputShape), 1)
	coef := 0.0
	for o, g := range c.Upstream {
		g := math.Abs(float64(g))
		if c.Function == "std" {
			g /= 2 * float64(c.Float64.Output[o])
		}
		if !math.IsNaN(g) && !math.IsInf(g, 0) {
			coef = max(coef, 2*g/math.Abs(float64(n-*c.Correction)))
		}
	}
	xmax := 0.0
	for _, v := range c.Input {
		if v := math.Abs(float64(v)); !math.IsInf(v, 0) && !math.IsNaN(v) {
			xmax = max(xmax, v)
		}
	}
	return 4 * xmax * 0x1p-23 * coef
}
