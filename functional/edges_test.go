package functional_test

import (
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// The edge reference numbers come from PyTorch, in float64 and in float32;
// regenerate them with
//
//	/usr/bin/python3 functional/testdata/gen_torch_edges.py
//
// The tests only read the JSON: they never need Python.
const edgesPath = "testdata/torch_edges.json"

// edgeFile is the layout of torch_edges.json. Every number is a string
// (ParseFloat reads "inf", "-0.0" and "nan" exactly).
type edgeFile struct {
	reftest.Header
	Cases       []edgeCase `json:"cases"`
	Divergences []edgeCase `json:"divergences"`
}

// edgeCase is one function applied in one dtype to one input, with the
// upstream gradient; Output and Grad are PyTorch's. A divergence has
// instead PyTorch's numbers (TorchOutput, TorchGrad), the ones tapegrad
// must give (WantOutput, WantGrad) and why they differ.
type edgeCase struct {
	Name        string          `json:"name"`
	DType       string          `json:"dtype"`
	Function    string          `json:"function"`
	Axis        *int            `json:"axis"`
	P           *float64        `json:"p"`
	Alpha       *float64        `json:"alpha"`
	Labels      []int           `json:"labels"`
	Shape       []int           `json:"shape"`
	Input       []reftest.Float `json:"input"`
	Upstream    []reftest.Float `json:"upstream"`
	OutputShape []int           `json:"output_shape"`
	Output      []reftest.Float `json:"output"`
	Grad        []reftest.Float `json:"grad"`
	Why         string          `json:"why"`
	TorchOutput []reftest.Float `json:"torch_output"`
	TorchGrad   []reftest.Float `json:"torch_grad"`
	WantOutput  []reftest.Float `json:"want_output"`
	WantGrad    []reftest.Float `json:"want_grad"`
}

func loadEdges(t *testing.T) edgeFile {
	t.Helper()
	var f edgeFile
	reftest.Load(t, edgesPath, "/usr/bin/python3 functional/testdata/gen_torch_edges.py", &f)
	count := map[string]int{}
	for _, c := range f.Cases {
		count[c.DType+" "+c.Function]++
	}
	for _, dt := range []string{"float64", "float32"} {
		for _, fn := range []string{"exp", "log", "pow", "sigmoid", "tanh", "elu", "logsumexp", "softmax", "log_softmax", "cross_entropy"} {
			if count[dt+" "+fn] == 0 {
				t.Errorf("%s: no %s case of %s", edgesPath, dt, fn)
			}
		}
	}
	if len(f.Divergences) < 7 {
		t.Errorf("%s: %d divergences, want 7", edgesPath, len(f.Divergences))
	}
	return f
}

// runEdge applies the case's function in precision T to its input on a
// tape, runs backward from its upstream gradient and returns the output and
// the input's gradient, widened to float64.
func runEdge[T tensor.Float](t *testing.T, c edgeCase) (out, grad []float64) {
	t.Helper()
	tape := autograd.NewTape[T]()
	x := tape.Param(tensor.FromSlice(reftest.Floats[T](c.Input), c.Shape...))
	y, ok := applyTorch(c.Function, x, torchArgs{P: c.P, Alpha: c.Alpha, Axis: c.Axis, Labels: c.Labels})
	if !ok {
		t.Fatalf("unknown function %q", c.Function)
	}
	if !slices.Equal(y.Shape(), c.OutputShape) {
		t.Fatalf("output shape %v, PyTorch's is %v", y.Shape(), c.OutputShape)
	}
	tape.BackwardWithGrad(y, tensor.FromSlice(reftest.Floats[T](c.Upstream), c.OutputShape...))
	return testutil.Convert[float64](y.Value().Data()), testutil.Convert[float64](x.Grad().Data())
}

// ulp returns the gap from |v| to the next value of the dtype away from 0:
// the smallest subnormal for v = 0.
func ulp(v float64, dtype string) float64 {
	if dtype == "float32" {
		a := float32(math.Abs(v))
		return float64(math.Nextafter32(a, float32(math.Inf(1))) - a)
	}
	a := math.Abs(v)
	return math.Nextafter(a, math.Inf(1)) - a
}

// tolerance says how close a result must be to the reference.
type tolerance struct {
	dtype    string
	rel      float64   // relative to the reference
	abs      []float64 // absolute, per position (nil: none)
	zeroSign bool      // a zero must have the reference's sign
}

// edgeTolerances returns the tolerances of a case's output and gradient:
// 1e-10 relative in float64, 1e-5 in float32, or 1 ulp of the dtype (the
// subnormals hold fewer digits). The softmax family may also be off by an
// absolute 4ε in its values and 4ε·Σ|dy| in its gradients (ε = 2^-53 or
// 2^-24, half an ulp of 1): PyTorch's float32 kernels round log Σ exp to
// float32, an absolute error that is a large relative one in a
// log-probability near 0 (−1.63303e-4 for the true −1.63274e-4 in a column
// whose maximum is 88.72; tapegrad, summing in float64, gives the latter).
// Zeros must have PyTorch's sign for the element-wise functions, whose
// signed zeros are the point (Pow at ±0), not for the softmax family, whose
// zero gradients' signs depend on the order of operations.
func edgeTolerances(t *testing.T, c edgeCase) (out, grad tolerance) {
	eps, rel := 0x1p-53, 1e-10
	if c.DType == "float32" {
		eps, rel = 0x1p-24, 1e-5
	}
	out = tolerance{dtype: c.DType, rel: rel, zeroSign: true}
	grad = out
	switch c.Function {
	case "logsumexp", "softmax", "log_softmax", "cross_entropy":
		sumG := 0.0
		for _, v := range reftest.Floats[float64](c.Upstream) {
			sumG += math.Abs(v)
		}
		out.zeroSign, grad.zeroSign = false, false
		out.abs = slices.Repeat([]float64{4 * eps}, tensor.NumElems(c.OutputShape))
		grad.abs = slices.Repeat([]float64{4 * eps * sumG}, tensor.NumElems(c.Shape))
	}
	return out, grad
}

// near reports whether got matches want within tol at position i: NaN for
// NaN, the same infinity, and a finite value within any of the tolerances.
func near(got, want float64, tol tolerance, i int) bool {
	switch {
	case math.IsNaN(want):
		return math.IsNaN(got)
	case math.IsInf(want, 0):
		return got == want
	case math.IsNaN(got) || math.IsInf(got, 0):
		return false
	case got == want:
		return !tol.zeroSign || math.Signbit(got) == math.Signbit(want)
	case got != 0 && want != 0 && math.Signbit(got) != math.Signbit(want):
		return false
	}
	d := math.Abs(got - want)
	return d <= tol.rel*math.Abs(want) || d <= ulp(want, tol.dtype) || (tol.abs != nil && d <= tol.abs[i])
}

func runEdgeDType(t *testing.T, c edgeCase) (out, grad []float64) {
	t.Helper()
	if c.DType == "float32" {
		return runEdge[float32](t, c)
	}
	return runEdge[float64](t, c)
}

// compare fails the test for every position where got is not near want.
func compare(t *testing.T, what string, c edgeCase, got, want []float64, tol tolerance) {
	t.Helper()
	in := reftest.Floats[float64](c.Input)
	for i := range want {
		if !near(got[i], want[i], tol, i) {
			at := ""
			if len(in) == len(want) {
				at = " at x = " + strconv.FormatFloat(in[i], 'g', -1, 64)
			}
			t.Errorf("%s[%d]%s = %v, want %v", what, i, at, got[i], want[i])
		}
	}
}

// TestTorchEdges pins Exp, Log, Pow, Sigmoid, Tanh, ELU, LogSumExp,
// Softmax, LogSoftmax and CrossEntropy, values and gradients, to PyTorch's
// at the edges of float64 and of float32: exp up to its overflow threshold
// and into the subnormals, logarithms of subnormals, powers at ±0, ±Inf
// and NaN (every sign of zero and infinity as PyTorch's), the tails of
// sigmoid, tanh and ELU, and softmax rows whose maximum is near exp's
// overflow threshold or whose terms underflow.
func TestTorchEdges(t *testing.T) {
	f := loadEdges(t)
	t.Logf("%d cases from PyTorch %s", len(f.Cases), f.TorchVersion)
	for _, c := range f.Cases {
		t.Run(c.DType+"/"+c.Name, func(t *testing.T) {
			out, grad := runEdgeDType(t, c)
			outTol, gradTol := edgeTolerances(t, c)
			compare(t, "output", c, out, reftest.Floats[float64](c.Output), outTol)
			compare(t, "gradient", c, grad, reftest.Floats[float64](c.Grad), gradTol)
		})
	}
}

// TestTorchEdgeDivergences checks the inputs where tapegrad deliberately
// differs from PyTorch 1.13 (see each case's why): tapegrad must give the
// wanted numbers, and PyTorch's must indeed differ from them somewhere, so
// that the list stays true.
func TestTorchEdgeDivergences(t *testing.T) {
	f := loadEdges(t)
	for _, c := range f.Divergences {
		t.Run(c.DType+"/"+c.Name, func(t *testing.T) {
			out, grad := runEdgeDType(t, c)
			outTol, gradTol := edgeTolerances(t, c)
			compare(t, "output", c, out, reftest.Floats[float64](c.WantOutput), outTol)
			compare(t, "gradient", c, grad, reftest.Floats[float64](c.WantGrad), gradTol)
			differs := false
			for _, p := range []struct {
				torch, want []reftest.Float
				tol         tolerance
			}{{c.TorchOutput, c.WantOutput, outTol}, {c.TorchGrad, c.WantGrad, gradTol}} {
				torch, want := reftest.Floats[float64](p.torch), reftest.Floats[float64](p.want)
				for i := range want {
					differs = differs || !near(torch[i], want[i], p.tol, i)
				}
			}
			if !differs {
				t.Errorf("PyTorch agrees with the wanted numbers: not a divergence (%s)", c.Why)
			}
		})
	}
}
