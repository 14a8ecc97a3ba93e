package ops_test

import (
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for Conv2d, MaxPool2d and AvgPool2d come from
// PyTorch's F.conv2d, F.max_pool2d and F.avg_pool2d in float64, values and
// gradients from torch.autograd; regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_conv_pool.py
//
// The tests only read the JSON: they never need Python.
const convPoolRefPath = "testdata/torch_conv_pool.json"

// convPoolTol is the tolerance, relative with an absolute floor, of float64
// results against PyTorch's: both sides compute the same sums of products in
// different orders, which costs a few ulps, and the file rounds PyTorch's
// numbers to 12 significant digits.
const convPoolTol = 1e-10

// convPoolRef is the layout of torch_conv_pool.json.
type convPoolRef struct {
	reftest.Header
	DType string        `json:"dtype"`
	Conv  []convRefCase `json:"conv"`
	Pool  []poolRefCase `json:"pool"`
}

// convRefCase is F.conv2d(x, w, b, stride, padding, dilation, groups), its
// upstream gradient g and what PyTorch computed: y and the gradients of
// Σ g ⊙ y with respect to x, w and b. B and GradB are null without a bias.
type convRefCase struct {
	Name        string    `json:"name"`
	XShape      []int     `json:"x_shape"`
	WShape      []int     `json:"w_shape"`
	Stride      [2]int    `json:"stride"`
	Padding     [2]int    `json:"padding"`
	Dilation    [2]int    `json:"dilation"`
	Groups      int       `json:"groups"`
	Bias        bool      `json:"bias"`
	X           []float64 `json:"x"`
	W           []float64 `json:"w"`
	B           []float64 `json:"b"`
	Upstream    []float64 `json:"upstream"`
	OutputShape []int     `json:"output_shape"`
	Output      []float64 `json:"output"`
	GradX       []float64 `json:"grad_x"`
	GradW       []float64 `json:"grad_w"`
	GradB       []float64 `json:"grad_b"`
}

// poolRefCase is F.max_pool2d or F.avg_pool2d with PyTorch's defaults, its
// upstream gradient, the output and the input's gradient.
type poolRefCase struct {
	Name        string    `json:"name"`
	Function    string    `json:"function"` // "max_pool2d" or "avg_pool2d"
	Shape       []int     `json:"shape"`
	Kernel      [2]int    `json:"kernel"`
	Stride      [2]int    `json:"stride"`
	Padding     [2]int    `json:"padding"`
	Input       []float64 `json:"input"`
	Upstream    []float64 `json:"upstream"`
	OutputShape []int     `json:"output_shape"`
	Output      []float64 `json:"output"`
	Grad        []float64 `json:"grad"`
}

// loadConvPoolRef reads and sanity-checks the reference file, so that a
// truncated or hand-edited file, or one that lost the cases that catch the
// classic bugs, fails loudly instead of testing less.
func loadConvPoolRef(t *testing.T) convPoolRef {
	t.Helper()
	var ref convPoolRef
	reftest.Load(t, convPoolRefPath, "/usr/bin/python3 ops/testdata/gen_torch_conv_pool.py", &ref)
	if ref.DType != "float64" {
		t.Fatalf("%s: dtype %q, want float64", convPoolRefPath, ref.DType)
	}
	unique := reftest.Unique(t, convPoolRefPath)
	covered := map[string]bool{}
	for _, c := range ref.Conv {
		unique(c.Name)
		checkConvRefCase(t, c)
		n, ch, h, w := c.XShape[0], c.XShape[1], c.XShape[2], c.XShape[3]
		kh, kw := c.WShape[2], c.WShape[3]
		covered["stride 2 on an odd size"] = covered["stride 2 on an odd size"] ||
			(c.Stride[0] == 2 && h%2 == 1) || (c.Stride[1] == 2 && w%2 == 1)
		covered["padding > 0"] = covered["padding > 0"] || c.Padding != [2]int{}
		covered["dilation 2"] = covered["dilation 2"] || c.Dilation[0] == 2 || c.Dilation[1] == 2
		covered["groups 2 with 2+ channels per group"] = covered["groups 2 with 2+ channels per group"] || (c.Groups == 2 && c.WShape[1] > 1)
		covered["depthwise"] = covered["depthwise"] || (c.Groups == ch && ch > 1)
		covered["1×1 kernel"] = covered["1×1 kernel"] || (kh == 1 && kw == 1)
		covered["non-square input"] = covered["non-square input"] || h != w
		covered["non-square kernel"] = covered["non-square kernel"] || kh != kw
		covered["non-square stride"] = covered["non-square stride"] || c.Stride[0] != c.Stride[1]
		covered["batch 1"] = covered["batch 1"] || n == 1
		covered["batch > 1"] = covered["batch > 1"] || n > 1
		covered["conv with bias"] = covered["conv with bias"] || c.Bias
		covered["conv without bias"] = covered["conv without bias"] || !c.Bias
	}
	for _, c := range ref.Pool {
		unique(c.Name)
		checkPoolRefCase(t, c)
		for _, fn := range []string{"max_pool2d", "avg_pool2d"} {
			if c.Function != fn {
				continue
			}
			covered[fn+": overlapping windows"] = covered[fn+": overlapping windows"] ||
				c.Stride[0] < c.Kernel[0] || c.Stride[1] < c.Kernel[1]
			covered[fn+": padding"] = covered[fn+": padding"] || c.Padding != [2]int{}
			covered[fn+": non-square kernel"] = covered[fn+": non-square kernel"] || c.Kernel[0] != c.Kernel[1]
			covered[fn+": batch 1"] = covered[fn+": batch 1"] || c.Shape[0] == 1
			covered[fn+": batch > 1"] = covered[fn+": batch > 1"] || c.Shape[0] > 1
		}
	}
	for _, want := range []string{
		"stride 2 on an odd size", "padding > 0", "dilation 2", "groups 2 with 2+ channels per group",
		"depthwise", "1×1 kernel", "non-square input", "non-square kernel", "non-square stride",
		"batch 1", "batch > 1", "conv with bias", "conv without bias",
		"max_pool2d: overlapping windows", "max_pool2d: padding", "max_pool2d: non-square kernel",
		"max_pool2d: batch 1", "max_pool2d: batch > 1",
		"avg_pool2d: overlapping windows", "avg_pool2d: padding", "avg_pool2d: non-square kernel",
		"avg_pool2d: batch 1", "avg_pool2d: batch > 1",
	} {
		if !covered[want] {
			t.Errorf("%s: no case covers %s", convPoolRefPath, want)
		}
	}
	return ref
}

func checkConvRefCase(t *testing.T, c convRefCase) {
	t.Helper()
	if len(c.XShape) != 4 || len(c.WShape) != 4 || len(c.OutputShape) != 4 {
		t.Fatalf("%s: case %q: shapes x%v w%v y%v, want 4-d", convPoolRefPath, c.Name, c.XShape, c.WShape, c.OutputShape)
	}
	nx, nw, ny := tensor.NumElems(c.XShape), tensor.NumElems(c.WShape), tensor.NumElems(c.OutputShape)
	nb := 0
	if c.Bias {
		nb = c.WShape[0]
	}
	if len(c.X) != nx || len(c.GradX) != nx || len(c.W) != nw || len(c.GradW) != nw ||
		len(c.B) != nb || len(c.GradB) != nb || len(c.Upstream) != ny || len(c.Output) != ny {
		t.Fatalf("%s: case %q: x%v with %d values and %d gradients, w%v with %d and %d, bias %t with %d and %d, y%v with %d values and %d upstream",
			convPoolRefPath, c.Name, c.XShape, len(c.X), len(c.GradX), c.WShape, len(c.W), len(c.GradW),
			c.Bias, len(c.B), len(c.GradB), c.OutputShape, len(c.Output), len(c.Upstream))
	}
	if isAllOnes(c.Upstream) {
		t.Fatalf("%s: case %q: the upstream gradient is all ones", convPoolRefPath, c.Name)
	}
}

func checkPoolRefCase(t *testing.T, c poolRefCase) {
	t.Helper()
	if c.Function != "max_pool2d" && c.Function != "avg_pool2d" {
		t.Fatalf("%s: case %q: unknown function %q", convPoolRefPath, c.Name, c.Function)
	}
	if len(c.Shape) != 4 || len(c.OutputShape) != 4 {
		t.Fatalf("%s: case %q: shapes %v and %v, want 4-d", convPoolRefPath, c.Name, c.Shape, c.OutputShape)
	}
	n, m := tensor.NumElems(c.Shape), tensor.NumElems(c.OutputShape)
	if len(c.Input) != n || len(c.Grad) != n || len(c.Output) != m || len(c.Upstream) != m {
		t.Fatalf("%s: case %q: shape %v with %d inputs and %d gradients, output shape %v with %d outputs and %d upstream values",
			convPoolRefPath, c.Name, c.Shape, len(c.Input), len(c.Grad), c.OutputShape, len(c.Output), len(c.Upstream))
	}
	if isAllOnes(c.Upstream) {
		t.Fatalf("%s: case %q: the upstream gradient is all ones", convPoolRefPath, c.Name)
	}
	if c.Function != "max_pool2d" {
		return
	}
	// Ties are tested in pool_test.go; here every window's argmax must be
	// unique, so that no tie-breaking rule decides where a gradient goes.
	plane := c.Shape[2] * c.Shape[3]
	for p := 0; p < n; p += plane {
		vals := slices.Clone(c.Input[p : p+plane])
		slices.Sort(vals)
		if len(slices.Compact(vals)) != plane {
			t.Fatalf("%s: case %q: plane %d of the max pool's input has ties", convPoolRefPath, c.Name, p/plane)
		}
	}
}

func isAllOnes(s []float64) bool {
	return !slices.ContainsFunc(s, func(v float64) bool { return v != 1 })
}

// refWorst tracks the largest absolute differences from PyTorch.
type refWorst struct{ value, grad float64 }

// compareRef fails unless got has PyTorch's shape and its values within
// tol, relative with an absolute floor of tol, and returns the largest
// |got − want|. The float64 and float32 reference tests of ops share it.
func compareRef(t *testing.T, what string, got t64, wantShape []int, want []float64, tol float64) float64 {
	t.Helper()
	if got == nil {
		t.Errorf("%s: missing", what)
		return math.Inf(1)
	}
	if !slices.Equal(got.Shape(), wantShape) {
		t.Errorf("%s: shape %v, PyTorch's is %v", what, got.Shape(), wantShape)
		return math.Inf(1)
	}
	if d := cmp.Diff(want, got.Data(), cmpopts.EquateApprox(tol, tol), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s differs from PyTorch's (-torch +tapegrad):\n%s", what, d)
	}
	return testutil.MaxAbsDiff(got.Data(), want)
}

// TestConv2dMatchesPyTorch runs every convolution case through ops.Conv2d on
// a tape, with x, w and b as differentiable leaves, seeds the backward pass
// with PyTorch's upstream gradient and compares the output and all three
// gradients with F.conv2d's.
func TestConv2dMatchesPyTorch(t *testing.T) {
	ref := loadConvPoolRef(t)
	var worst refWorst
	for _, c := range ref.Conv {
		t.Run(c.Name, func(t *testing.T) {
			tape := autograd.NewTape[float64]()
			x := tape.Param(tensor.FromSlice(slices.Clone(c.X), c.XShape...))
			w := tape.Param(tensor.FromSlice(slices.Clone(c.W), c.WShape...))
			in := []*autograd.Var[float64]{x, w}
			var b *autograd.Var[float64]
			if c.Bias {
				b = tape.Param(tensor.FromSlice(slices.Clone(c.B), c.WShape[0]))
				in = append(in, b)
			}
			op := &ops.Conv2d[float64]{Stride: c.Stride, Padding: c.Padding, Dilation: c.Dilation, Groups: c.Groups}
			y := autograd.Apply[float64](op, in...)
			worst.value = max(worst.value, compareRef(t, "output", y.Value(), c.OutputShape, c.Output, convPoolTol))
			if !slices.Equal(y.Shape(), c.OutputShape) {
				return
			}
			tape.BackwardWithGrad(y, tensor.FromSlice(slices.Clone(c.Upstream), c.OutputShape...))
			worst.grad = max(worst.grad, compareRef(t, "dL/dx", x.Grad(), c.XShape, c.GradX, convPoolTol))
			worst.grad = max(worst.grad, compareRef(t, "dL/dw", w.Grad(), c.WShape, c.GradW, convPoolTol))
			if c.Bias {
				worst.grad = max(worst.grad, compareRef(t, "dL/db", b.Grad(), []int{c.WShape[0]}, c.GradB, convPoolTol))
			}
		})
	}
	t.Logf("%d cases from PyTorch %s; largest |tapegrad − torch|: %.3g in values, %.3g in gradients",
		len(ref.Conv), ref.TorchVersion, worst.value, worst.grad)
}

// TestPool2dMatchesPyTorch does the same for MaxPool2d and AvgPool2d against
// F.max_pool2d and F.avg_pool2d.
func TestPool2dMatchesPyTorch(t *testing.T) {
	ref := loadConvPoolRef(t)
	worst := map[string]*refWorst{"max_pool2d": {}, "avg_pool2d": {}}
	for _, c := range ref.Pool {
		t.Run(c.Name, func(t *testing.T) {
			var op autograd.Op[float64]
			switch c.Function {
			case "max_pool2d":
				op = &ops.MaxPool2d[float64]{Kernel: c.Kernel, Stride: c.Stride, Padding: c.Padding}
			case "avg_pool2d":
				op = &ops.AvgPool2d[float64]{Kernel: c.Kernel, Stride: c.Stride, Padding: c.Padding}
			}
			tape := autograd.NewTape[float64]()
			x := tape.Param(tensor.FromSlice(slices.Clone(c.Input), c.Shape...))
			y := autograd.Apply(op, x)
			w := worst[c.Function]
			w.value = max(w.value, compareRef(t, "output", y.Value(), c.OutputShape, c.Output, convPoolTol))
			if !slices.Equal(y.Shape(), c.OutputShape) {
				return
			}
			tape.BackwardWithGrad(y, tensor.FromSlice(slices.Clone(c.Upstream), c.OutputShape...))
			w.grad = max(w.grad, compareRef(t, "dL/dx", x.Grad(), c.Shape, c.Grad, convPoolTol))
		})
	}
	for _, fn := range []string{"max_pool2d", "avg_pool2d"} {
		t.Logf("%s: largest |tapegrad − torch|: %.3g in values, %.3g in gradients", fn, worst[fn].value, worst[fn].grad)
	}
}
