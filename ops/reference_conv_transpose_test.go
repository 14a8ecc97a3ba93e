package ops_test

import (
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for ConvTranspose2d and Conv2dWeightGrad come
// from PyTorch's F.conv_transpose2d and torch.nn.grad.conv2d_weight, run in
// float64 and in float32 (their second-order gradients are in
// torch_gradgrad.json); regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_conv_transpose.py
//
// The tests only read the JSON: they never need Python.
const convTRefPath = "testdata/torch_conv_transpose.json"

// The tolerances, relative with an absolute floor, against PyTorch: both
// sides compute the same sums of products in different orders, which costs
// a few ulps of the dtype.
const (
	convTTol64 = 1e-10
	convTTol32 = 1e-5
)

// convTRef is the layout of torch_conv_transpose.json.
type convTRef struct {
	reftest.Header
	ConvTranspose []convTCase     `json:"conv_transpose"`
	Conv2dWeight  []convWGradCase `json:"conv2d_weight"`
}

// convTCase is F.conv_transpose2d(x, w, b, stride, padding, output_padding,
// groups, dilation) with an upstream gradient, and PyTorch's results.
type convTCase struct {
	Name          string          `json:"name"`
	XShape        []int           `json:"x_shape"`
	WShape        []int           `json:"w_shape"`
	Bias          bool            `json:"bias"`
	Stride        [2]int          `json:"stride"`
	Padding       [2]int          `json:"padding"`
	OutputPadding [2]int          `json:"output_padding"`
	Groups        int             `json:"groups"`
	Dilation      [2]int          `json:"dilation"`
	X             []reftest.Float `json:"x"`
	W             []reftest.Float `json:"w"`
	B             []reftest.Float `json:"b"`
	Upstream      []reftest.Float `json:"upstream"`
	OutputShape   []int           `json:"output_shape"`
	Float64       convTResult     `json:"float64"`
	Float32       convTResult     `json:"float32"`
}

// convTResult is the output and the gradients of Σ g ⊙ y; GradB is null
// without a bias.
type convTResult struct {
	Output []reftest.Float `json:"output"`
	GradX  []reftest.Float `json:"grad_x"`
	GradW  []reftest.Float `json:"grad_w"`
	GradB  []reftest.Float `json:"grad_b"`
}

// convWGradCase is torch.nn.grad.conv2d_weight(x, weight_size, grad_output,
// stride, padding, dilation, groups) with an upstream gradient, and
// PyTorch's results.
type convWGradCase struct {
	Name            string          `json:"name"`
	XShape          []int           `json:"x_shape"`
	WeightSize      [4]int          `json:"weight_size"`
	GradOutputShape []int           `json:"grad_output_shape"`
	Stride          [2]int          `json:"stride"`
	Padding         [2]int          `json:"padding"`
	Dilation        [2]int          `json:"dilation"`
	Groups          int             `json:"groups"`
	X               []reftest.Float `json:"x"`
	GradOutput      []reftest.Float `json:"grad_output"`
	Upstream        []reftest.Float `json:"upstream"`
	Float64         convWGradResult `json:"float64"`
	Float32         convWGradResult `json:"float32"`
}

type convWGradResult struct {
	Output         []reftest.Float `json:"output"`
	GradX          []reftest.Float `json:"grad_x"`
	GradGradOutput []reftest.Float `json:"grad_grad_output"`
}

// loadConvTRef reads and sanity-checks the reference file, and fails if it
// lost the cases that exercise each setting.
func loadConvTRef(t *testing.T) convTRef {
	t.Helper()
	var ref convTRef
	reftest.Load(t, convTRefPath, "/usr/bin/python3 ops/testdata/gen_torch_conv_transpose.py", &ref)
	unique := reftest.Unique(t, convTRefPath)
	covered := map[string]bool{}
	cover := func(what string, ok bool) { covered[what] = covered[what] || ok }
	size := tensor.NumElems
	for _, c := range ref.ConvTranspose {
		unique(c.Name)
		n, m := size(c.XShape), size(c.OutputShape)
		for _, r := range []convTResult{c.Float64, c.Float32} {
			if len(c.X) != n || len(c.W) != size(c.WShape) || len(c.Upstream) != m || len(r.Output) != m ||
				len(r.GradX) != n || len(r.GradW) != len(c.W) || len(r.GradB) != len(c.B) {
				t.Fatalf("%s: case %q: the value counts do not fit the shapes", convTRefPath, c.Name)
			}
		}
		for a := range 2 {
			s, d := max(c.Stride[a], 1), max(c.Dilation[a], 1)
			cover("conv_transpose: stride > 1", s > 1)
			cover("conv_transpose: output padding", c.OutputPadding[a] > 0)
			cover("conv_transpose: output padding ≥ stride (dilation)", c.OutputPadding[a] >= s)
			cover("conv_transpose: dilation > 1", d > 1)
		}
		cover("conv_transpose: groups > 1", c.Groups > 1)
		cover("conv_transpose: bias", c.Bias)
		cover("conv_transpose: no bias", !c.Bias)
		cover("conv_transpose: batch > 1", c.XShape[0] > 1)
	}
	for _, c := range ref.Conv2dWeight {
		unique(c.Name)
		for _, r := range []convWGradResult{c.Float64, c.Float32} {
			if len(c.X) != size(c.XShape) || len(c.GradOutput) != size(c.GradOutputShape) || len(c.Upstream) != size(c.WeightSize[:]) ||
				len(r.Output) != len(c.Upstream) || len(r.GradX) != len(c.X) || len(r.GradGradOutput) != len(c.GradOutput) {
				t.Fatalf("%s: case %q: the value counts do not fit the shapes", convTRefPath, c.Name)
			}
		}
		cover("conv2d_weight: groups > 1", c.Groups > 1)
		cover("conv2d_weight: stride > 1", c.Stride[0] > 1 || c.Stride[1] > 1)
	}
	for _, want := range []string{
		"conv_transpose: stride > 1", "conv_transpose: output padding", "conv_transpose: output padding ≥ stride (dilation)",
		"conv_transpose: dilation > 1", "conv_transpose: groups > 1", "conv_transpose: bias", "conv_transpose: no bias",
		"conv_transpose: batch > 1", "conv2d_weight: groups > 1", "conv2d_weight: stride > 1",
	} {
		if !covered[want] {
			t.Errorf("%s: no case covers %s", convTRefPath, want)
		}
	}
	return ref
}

// refT is refTensor of reference numbers.
func refT[T tensor.Float](s []reftest.Float, shape []int) *tensor.Tensor[T] {
	return refTensor[T](reftest.Floats[float64](s), shape)
}

// compareRefT is compareRef for a result in T, whose shape must be want's
// shape.
func compareRefT[T tensor.Float](t *testing.T, what string, got *tensor.Tensor[T], shape []int, want []reftest.Float, tol float64) {
	t.Helper()
	compareRef(t, what, asFloat64(got), shape, reftest.Floats[float64](want), tol)
}

// runFirstOrderRef applies op to parameters of the values of ins (of
// their shapes), compares the output with PyTorch's want.Output and its
// shape with outShape, backpropagates the upstream gradient and compares
// the gradient of each input with want.Grads.
func runFirstOrderRef[T tensor.Float](t *testing.T, op autograd.Op[T], ins [][]reftest.Float, shapes [][]int,
	upstream []reftest.Float, outShape []int, want firstOrderRef, tol float64) {
	t.Helper()
	tape := autograd.NewTape[T]()
	in := make([]*autograd.Var[T], len(ins))
	for i := range ins {
		in[i] = tape.Param(refT[T](ins[i], shapes[i]))
	}
	y := autograd.Apply(op, in...)
	if !slices.Equal(y.Shape(), outShape) {
		t.Fatalf("output shape %v, PyTorch's is %v", y.Shape(), outShape)
	}
	compareRefT(t, "output", y.Value(), outShape, want.Output, tol)
	tape.BackwardWithGrad(y, refT[T](upstream, outShape))
	for i, g := range want.Grads {
		compareRefT(t, "gradient of "+want.Names[i], in[i].Grad(), shapes[i], g, tol)
	}
}

// firstOrderRef is PyTorch's output and the gradients of its named inputs.
type firstOrderRef struct {
	Output []reftest.Float
	Names  []string
	Grads  [][]reftest.Float
}

func runConvTCase[T tensor.Float](t *testing.T, c convTCase, want convTResult, tol float64) {
	ins, shapes := [][]reftest.Float{c.X, c.W}, [][]int{c.XShape, c.WShape}
	ref := firstOrderRef{want.Output, []string{"x", "w", "b"}, [][]reftest.Float{want.GradX, want.GradW}}
	if c.Bias {
		ins, shapes, ref.Grads = append(ins, c.B), append(shapes, []int{len(c.B)}), append(ref.Grads, want.GradB)
	}
	op := &ops.ConvTranspose2d[T]{Stride: c.Stride, Padding: c.Padding, OutputPadding: c.OutputPadding,
		Dilation: c.Dilation, Groups: c.Groups}
	runFirstOrderRef(t, op, ins, shapes, c.Upstream, c.OutputShape, ref, tol)
}

func runConvWGradCase[T tensor.Float](t *testing.T, c convWGradCase, want convWGradResult, tol float64) {
	op := &ops.Conv2dWeightGrad[T]{WeightSize: c.WeightSize, Stride: c.Stride, Padding: c.Padding,
		Dilation: c.Dilation, Groups: c.Groups}
	ref := firstOrderRef{want.Output, []string{"x", "grad_output"}, [][]reftest.Float{want.GradX, want.GradGradOutput}}
	runFirstOrderRef(t, op, [][]reftest.Float{c.X, c.GradOutput}, [][]int{c.XShape, c.GradOutputShape}, c.Upstream,
		c.WeightSize[:], ref, tol)
}

// TestConvTransposeMatchesPyTorch runs every case of
// torch_conv_transpose.json in float64 and in float32: ConvTranspose2d's
// and Conv2dWeightGrad's values and gradients against PyTorch's in the
// same dtype.
func TestConvTransposeMatchesPyTorch(t *testing.T) {
	ref := loadConvTRef(t)
	for _, c := range ref.ConvTranspose {
		t.Run("conv_transpose/"+c.Name+"/float64", func(t *testing.T) { runConvTCase[float64](t, c, c.Float64, convTTol64) })
		t.Run("conv_transpose/"+c.Name+"/float32", func(t *testing.T) { runConvTCase[float32](t, c, c.Float32, convTTol32) })
	}
	for _, c := range ref.Conv2dWeight {
		t.Run("conv2d_weight/"+c.Name+"/float64", func(t *testing.T) { runConvWGradCase[float64](t, c, c.Float64, convTTol64) })
		t.Run("conv2d_weight/"+c.Name+"/float32", func(t *testing.T) { runConvWGradCase[float32](t, c, c.Float32, convTTol32) })
	}
	t.Logf("%d cases from PyTorch %s", len(ref.ConvTranspose)+len(ref.Conv2dWeight), ref.TorchVersion)
}
