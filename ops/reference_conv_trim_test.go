package ops_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for Conv2d on geometries with kernel taps that read
// only padding come from PyTorch's F.conv2d, run in float64 and in float32;
// regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_conv_trim.py
//
// The tests only read the JSON.
const convTrimRefPath = "testdata/torch_conv_trim.json"

type convTrimRef struct {
	reftest.Header
	Conv []convTrimCase `json:"conv"`
}

type convTrimCase struct {
	Name        string          `json:"name"`
	XShape      []int           `json:"x_shape"`
	WShape      []int           `json:"w_shape"`
	Stride      [2]int          `json:"stride"`
	Padding     [2]int          `json:"padding"`
	Dilation    [2]int          `json:"dilation"`
	Groups      int             `json:"groups"`
	Bias        bool            `json:"bias"`
	OutputShape []int           `json:"output_shape"`
	X           []reftest.Float `json:"x"`
	W           []reftest.Float `json:"w"`
	B           []reftest.Float `json:"b"`
	Upstream    []reftest.Float `json:"upstream"`
	Float64     convTrimResult  `json:"float64"`
	Float32     convTrimResult  `json:"float32"`
}

type convTrimResult struct {
	Output []reftest.Float `json:"output"`
	GradX  []reftest.Float `json:"grad_x"`
	GradW  []reftest.Float `json:"grad_w"`
	GradB  []reftest.Float `json:"grad_b"`
}

// TestConv2dTrimMatchesPyTorch pins Conv2d's output and gradients, where it
// trims the kernel to its live taps, to F.conv2d's in float64 at 1e-10 and
// in float32 at 1e-5, through ConvAuto and ConvIm2col and, where it
// applies, ConvWinograd (which does not trim). Every case but the last
// trims.
func TestConv2dTrimMatchesPyTorch(t *testing.T) {
	var ref convTrimRef
	reftest.Load(t, convTrimRefPath, "/usr/bin/python3 ops/testdata/gen_torch_conv_trim.py", &ref)
	unique := reftest.Unique(t, convTrimRefPath)
	if len(ref.Conv) < 9 {
		t.Fatalf("%s: %d cases, want at least 9", convTrimRefPath, len(ref.Conv))
	}
	for i, c := range ref.Conv {
		unique(c.Name)
		wantTrim := i < len(ref.Conv)-1
		t.Run(c.Name, func(t *testing.T) {
			algs := []ops.ConvAlgorithm{ops.ConvAuto, ops.ConvIm2col}
			if c.WShape[2] == 3 && c.WShape[3] == 3 && c.Stride == [2]int{1, 1} && c.Dilation == [2]int{1, 1} && c.Groups == 1 {
				algs = append(algs, ops.ConvWinograd)
			}
			for _, alg := range algs {
				trims := wantTrim && alg != ops.ConvWinograd
				runConvTrimCase[float64](t, c, alg, trims, c.Float64, 1e-10)
				runConvTrimCase[float32](t, c, alg, trims, c.Float32, 1e-5)
			}
		})
	}
}

func runConvTrimCase[T tensor.Float](t *testing.T, c convTrimCase, alg ops.ConvAlgorithm, trims bool, want convTrimResult, tol float64) {
	t.Helper()
	tape := autograd.NewTape[T]()
	x := tape.Param(tensor.FromSlice(reftest.Floats[T](c.X), c.XShape...))
	w := tape.Param(tensor.FromSlice(reftest.Floats[T](c.W), c.WShape...))
	in := []*autograd.Var[T]{x, w}
	var b *autograd.Var[T]
	if c.Bias {
		b = tape.Param(tensor.FromSlice(reftest.Floats[T](c.B), c.WShape[0]))
		in = append(in, b)
	}
	op := &ops.Conv2d[T]{Stride: c.Stride, Padding: c.Padding, Dilation: c.Dilation, Groups: c.Groups, Algorithm: alg}
	y := autograd.Apply[T](op, in...)
	if got := ops.ConvTrimmed(op); got != trims {
		t.Errorf("algorithm %d: trimmed %t, want %t", alg, got, trims)
	}
	if !tensor.EqualShapes(y.Shape(), c.OutputShape) {
		t.Fatalf("algorithm %d: output shape %v, want %v", alg, y.Shape(), c.OutputShape)
	}
	tape.BackwardWithGrad(y, tensor.FromSlice(reftest.Floats[T](c.Upstream), c.OutputShape...))
	compareResizeRef(t, "output", y.Value().Data(), want.Output, tol)
	compareResizeRef(t, "gradient of x", x.Grad().Data(), want.GradX, tol)
	compareResizeRef(t, "gradient of w", w.Grad().Data(), want.GradW, tol)
	if c.Bias {
		compareResizeRef(t, "gradient of b", b.Grad().Data(), want.GradB, tol)
	}
}
