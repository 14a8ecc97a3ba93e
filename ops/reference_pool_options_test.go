package ops_test

import (
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for the options of MaxPool2d (dilation, ceil_mode,
// return_indices) and AvgPool2d (ceil_mode, count_include_pad,
// divisor_override) come from PyTorch's F.max_pool2d and F.avg_pool2d, run
// in float64 and in float32; regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_pool_options.py
//
// The tests only read the JSON: they never need Python.
const poolOptRefPath = "testdata/torch_pool_options.json"

// The tolerances, relative with an absolute floor, against PyTorch: in
// float64 both sides add the same few numbers in possibly different
// orders; in float32 those orders cost a few float32 ulps.
const (
	poolOptTol64 = 1e-10
	poolOptTol32 = 1e-5
)

// poolOptRef is the layout of torch_pool_options.json.
type poolOptRef struct {
	reftest.Header
	Cases []poolOptCase `json:"cases"`
}

// poolOptCase is one call of F.max_pool2d or F.avg_pool2d with PyTorch's
// argument names: a null Stride is None (the kernel size), Dilation is null
// for avg_pool2d and CountIncludePad for max_pool2d, DivisorOverride is null
// for None. Input and Upstream are the float64 values; the float32 run
// used their float32 roundings.
type poolOptCase struct {
	Name            string          `json:"name"`
	Function        string          `json:"function"` // "max_pool2d" or "avg_pool2d"
	Shape           []int           `json:"shape"`
	KernelSize      [2]int          `json:"kernel_size"`
	Stride          *[2]int         `json:"stride"`
	Padding         [2]int          `json:"padding"`
	Dilation        *[2]int         `json:"dilation"`
	CeilMode        bool            `json:"ceil_mode"`
	CountIncludePad *bool           `json:"count_include_pad"`
	DivisorOverride *int            `json:"divisor_override"`
	Input           []reftest.Float `json:"input"`
	Upstream        []reftest.Float `json:"upstream"`
	OutputShape     []int           `json:"output_shape"`
	Float64         poolOptResult   `json:"float64"`
	Float32         poolOptResult   `json:"float32"`
}

// poolOptResult is what PyTorch computed in one dtype: the output, the
// input's gradient for the upstream gradient, and max pooling's indices
// (null for avg_pool2d). TorchIndices is set only where tapegrad
// deliberately differs — windows of padding alone, whose Indices holds −1
// — and holds PyTorch's own.
type poolOptResult struct {
	Output       []reftest.Float `json:"output"`
	Grad         []reftest.Float `json:"grad"`
	Indices      []int64         `json:"indices"`
	TorchIndices []int64         `json:"torch_indices"`
}

// refOutSize is PyTorch's output size along one axis, written out here
// independently of the package: the windows i = 0, 1, … whose last tap
// stays inside the padded input or, in ceil mode, whose start lies inside
// the input or its left padding while the window before has not reached
// the end of the padded input.
func refOutSize(n, k, s, p, d int, ceil bool) int {
	out := 0
	for i := 0; ; i++ {
		start, last := i*s-p, i*s-p+d*(k-1)
		if !ceil && last > n+p-1 {
			return out
		}
		if ceil && (start >= n || last-s >= n+p-1) {
			return out
		}
		out++
	}
}

// loadPoolOptRef reads and sanity-checks the reference file, and fails if
// it lost the cases that exercise each option.
func loadPoolOptRef(t *testing.T) poolOptRef {
	t.Helper()
	var ref poolOptRef
	reftest.Load(t, poolOptRefPath, "/usr/bin/python3 ops/testdata/gen_torch_pool_options.py", &ref)
	covered := map[string]bool{}
	cover := func(what string, ok bool) { covered[what] = covered[what] || ok }
	unique := reftest.Unique(t, poolOptRefPath)
	for _, c := range ref.Cases {
		unique(c.Name)
		checkPoolOptCase(t, c)
		isMax := c.Function == "max_pool2d"
		k, s, d := c.KernelSize, c.KernelSize, [2]int{1, 1}
		if c.Stride != nil {
			s = *c.Stride
		}
		if isMax {
			d = *c.Dilation
		}
		for a := range 2 {
			n, o := c.Shape[2+a], c.OutputShape[2+a]
			if want := refOutSize(n, k[a], s[a], c.Padding[a], d[a], c.CeilMode); o != want {
				t.Errorf("%s: case %q: output size %d along axis %d, the rule gives %d", poolOptRefPath, c.Name, o, 2+a, want)
			}
			floor := refOutSize(n, k[a], s[a], c.Padding[a], d[a], false)
			cover(c.Function+": ceil mode adds a partial window", c.CeilMode && o > floor)
			// The window after the last would be there but for the rule.
			next := o*s[a] - c.Padding[a]
			cover(c.Function+": ceil mode's last window must start inside",
				c.CeilMode && next >= n && next+d[a]*(k[a]-1)-s[a] < n+c.Padding[a]-1)
			cover(c.Function+": kernel beyond the input", k[a] > n)
		}
		cover(c.Function+": stride None", c.Stride == nil)
		cover(c.Function+": batch and channels > 1", c.Shape[0] > 1 && c.Shape[1] > 1)
		if isMax {
			cover("max_pool2d: dilation 2", d[0] == 2 || d[1] == 2)
			cover("max_pool2d: dilation 3", d[0] == 3 || d[1] == 3)
			cover("max_pool2d: dilation with ceil mode", d != [2]int{1, 1} && c.CeilMode)
			cover("max_pool2d: NaN output", slices.ContainsFunc(c.Float64.Output, func(v reftest.Float) bool { return v != v }))
			cover("max_pool2d: window of −∞ alone", slices.Contains(c.Float64.Output, reftest.Float(math.Inf(-1))) && c.Float64.TorchIndices == nil)
			cover("max_pool2d: window of padding alone", c.Float64.TorchIndices != nil)
		} else {
			include := *c.CountIncludePad
			cover("avg_pool2d: count_include_pad=False", !include && c.DivisorOverride == nil)
			cover("avg_pool2d: ceil mode, count_include_pad=True", include && c.CeilMode && c.DivisorOverride == nil)
			cover("avg_pool2d: ceil mode, count_include_pad=False", !include && c.CeilMode && c.DivisorOverride == nil)
			cover("avg_pool2d: divisor_override", c.DivisorOverride != nil && *c.DivisorOverride > 0)
			cover("avg_pool2d: negative divisor_override", c.DivisorOverride != nil && *c.DivisorOverride < 0)
		}
	}
	for _, want := range []string{
		"max_pool2d: ceil mode adds a partial window", "max_pool2d: ceil mode's last window must start inside",
		"max_pool2d: kernel beyond the input", "max_pool2d: stride None", "max_pool2d: batch and channels > 1",
		"max_pool2d: dilation 2", "max_pool2d: dilation 3", "max_pool2d: dilation with ceil mode",
		"max_pool2d: NaN output", "max_pool2d: window of −∞ alone", "max_pool2d: window of padding alone",
		"avg_pool2d: ceil mode adds a partial window", "avg_pool2d: ceil mode's last window must start inside",
		"avg_pool2d: kernel beyond the input", "avg_pool2d: stride None", "avg_pool2d: batch and channels > 1",
		"avg_pool2d: count_include_pad=False", "avg_pool2d: ceil mode, count_include_pad=True",
		"avg_pool2d: ceil mode, count_include_pad=False", "avg_pool2d: divisor_override",
		"avg_pool2d: negative divisor_override",
	} {
		if !covered[want] {
			t.Errorf("%s: no case covers %s", poolOptRefPath, want)
		}
	}
	return ref
}

func checkPoolOptCase(t *testing.T, c poolOptCase) {
	t.Helper()
	isMax := c.Function == "max_pool2d"
	if !isMax && c.Function != "avg_pool2d" {
		t.Fatalf("%s: case %q: unknown function %q", poolOptRefPath, c.Name, c.Function)
	}
	if isMax != (c.Dilation != nil) || isMax == (c.CountIncludePad != nil) || (isMax && c.DivisorOverride != nil) {
		t.Fatalf("%s: case %q: the arguments of %s are mixed up", poolOptRefPath, c.Name, c.Function)
	}
	if len(c.Shape) != 4 || len(c.OutputShape) != 4 {
		t.Fatalf("%s: case %q: shapes %v and %v, want 4-d", poolOptRefPath, c.Name, c.Shape, c.OutputShape)
	}
	n, m := tensor.NumElems(c.Shape), tensor.NumElems(c.OutputShape)
	if len(c.Input) != n || len(c.Upstream) != m {
		t.Fatalf("%s: case %q: %d inputs and %d upstream values for shapes %v and %v",
			poolOptRefPath, c.Name, len(c.Input), len(c.Upstream), c.Shape, c.OutputShape)
	}
	for _, r := range []poolOptResult{c.Float64, c.Float32} {
		wantIdx := 0
		if isMax {
			wantIdx = m
		}
		if len(r.Output) != m || len(r.Grad) != n || len(r.Indices) != wantIdx {
			t.Fatalf("%s: case %q: %d outputs, %d gradients and %d indices, want %d, %d and %d",
				poolOptRefPath, c.Name, len(r.Output), len(r.Grad), len(r.Indices), m, n, wantIdx)
		}
		if r.TorchIndices != nil {
			// Only windows of padding alone may differ from PyTorch's indices.
			for i, at := range r.Indices {
				if at != r.TorchIndices[i] && (at != -1 || !math.IsInf(float64(r.Output[i]), -1)) {
					t.Fatalf("%s: case %q: index %d is %d, PyTorch's %d", poolOptRefPath, c.Name, i, at, r.TorchIndices[i])
				}
			}
		}
	}
	if !slices.ContainsFunc(c.Upstream, func(v reftest.Float) bool { return v != 1 }) {
		t.Fatalf("%s: case %q: the upstream gradient is all ones", poolOptRefPath, c.Name)
	}
}

// poolOptOp returns the op a case calls for, its settings in tapegrad's
// terms: a None stride is a zero Stride, count_include_pad=False is
// ExcludePad, a None divisor_override is a zero DivisorOverride.
func poolOptOp[T tensor.Float](c poolOptCase) (autograd.Op[T], func() []int64) {
	var stride [2]int
	if c.Stride != nil {
		stride = *c.Stride
	}
	if c.Function == "max_pool2d" {
		op := &ops.MaxPool2d[T]{Kernel: c.KernelSize, Stride: stride, Padding: c.Padding,
			Dilation: *c.Dilation, CeilMode: c.CeilMode}
		return op, op.Indices
	}
	op := &ops.AvgPool2d[T]{Kernel: c.KernelSize, Stride: stride, Padding: c.Padding,
		CeilMode: c.CeilMode, ExcludePad: !*c.CountIncludePad}
	if c.DivisorOverride != nil {
		op.DivisorOverride = *c.DivisorOverride
	}
	return op, func() []int64 { return nil }
}

// runPoolOptCase runs a case in T on a tape, the input a differentiable
// leaf and PyTorch's upstream gradient the seed, and compares the output,
// the indices and the input's gradient with want at tolerance tol.
func runPoolOptCase[T tensor.Float](t *testing.T, c poolOptCase, want poolOptResult, tol float64) {
	t.Helper()
	conv := func(s []reftest.Float, shape []int) *tensor.Tensor[T] {
		x := tensor.New[T](shape...)
		for i, v := range s {
			x.Data()[i] = T(v)
		}
		return x
	}
	op, indices := poolOptOp[T](c)
	tape := autograd.NewTape[T]()
	x := tape.Param(conv(c.Input, c.Shape))
	y := autograd.Apply(op, x)
	if !slices.Equal(y.Shape(), c.OutputShape) {
		t.Fatalf("output shape %v, PyTorch's is %v", y.Shape(), c.OutputShape)
	}
	compare := func(what string, got *tensor.Tensor[T], want []reftest.Float) {
		t.Helper()
		g := make([]float64, got.Size())
		for i, v := range got.Data() {
			g[i] = float64(v)
		}
		if d := cmp.Diff(reftest.Floats[float64](want), g, cmpopts.EquateApprox(tol, tol), cmpopts.EquateNaNs()); d != "" {
			t.Errorf("%s differs from PyTorch's (-torch +tapegrad):\n%s", what, d)
		}
	}
	compare("output", y.Value(), want.Output)
	if d := cmp.Diff(want.Indices, indices(), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("indices differ from PyTorch's (-torch +tapegrad):\n%s", d)
	}
	tape.BackwardWithGrad(y, conv(c.Upstream, c.OutputShape))
	compare("dL/dx", x.Grad(), want.Grad)
}

// TestPoolOptionsMatchPyTorch runs every case of torch_pool_options.json in
// float64 and in float32 and compares outputs, indices and gradients with
// PyTorch's in the same dtype.
func TestPoolOptionsMatchPyTorch(t *testing.T) {
	ref := loadPoolOptRef(t)
	for _, c := range ref.Cases {
		t.Run(c.Name+"/float64", func(t *testing.T) { runPoolOptCase[float64](t, c, c.Float64, poolOptTol64) })
		t.Run(c.Name+"/float32", func(t *testing.T) { runPoolOptCase[float32](t, c, c.Float32, poolOptTol32) })
	}
	t.Logf("%d cases from PyTorch %s", len(ref.Cases), ref.TorchVersion)
}
