package functional_test

import (
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers come from PyTorch in float64; regenerate them with
//
//	/usr/bin/python3 functional/testdata/gen_torch_reference.py
//
// The tests only read the JSON: they never need Python.
const referencePath = "testdata/torch_reference.json"

// refFile is the layout of torch_reference.json.
type refFile struct {
	reftest.Header
	DType string    `json:"dtype"`
	Cases []refCase `json:"cases"`
}

// refCase is one function applied to one input: the input, the upstream
// gradient dL/dy, and what PyTorch computed for y and dL/dx.
type refCase struct {
	Name        string    `json:"name"`
	Function    string    `json:"function"`
	Axis        *int      `json:"axis"`   // all but cross_entropy
	Labels      []int     `json:"labels"` // cross_entropy only
	Shape       []int     `json:"shape"`
	Input       []float64 `json:"input"`
	Upstream    []float64 `json:"upstream"`
	OutputShape []int     `json:"output_shape"`
	Output      []float64 `json:"output"`
	Grad        []float64 `json:"grad"`
}

// loadReference reads and sanity-checks the reference file, so that a
// truncated or hand-edited file fails loudly instead of testing less.
func loadReference(t *testing.T) refFile {
	t.Helper()
	var ref refFile
	reftest.Load(t, referencePath, "/usr/bin/python3 functional/testdata/gen_torch_reference.py", &ref)
	if ref.DType != "float64" {
		t.Fatalf("%s: dtype %q, want float64", referencePath, ref.DType)
	}
	big := map[string]bool{}  // functions with a case of logits of ±1e4
	count := map[string]int{} // cases per function
	unique := reftest.Unique(t, referencePath)
	for _, c := range ref.Cases {
		unique(c.Name)
		count[c.Function]++
		n := tensor.NumElems(c.Shape)
		m := tensor.NumElems(c.OutputShape)
		if c.Shape == nil || c.OutputShape == nil || len(c.Input) != n || len(c.Grad) != n ||
			len(c.Output) != m || len(c.Upstream) != m {
			t.Fatalf("%s: case %q: shape %v with %d inputs and %d gradients, output shape %v with %d outputs and %d upstream values",
				referencePath, c.Name, c.Shape, len(c.Input), len(c.Grad), c.OutputShape, len(c.Output), len(c.Upstream))
		}
		if (c.Function == "cross_entropy") != (c.Axis == nil) {
			t.Fatalf("%s: case %q: function %s with axis %v", referencePath, c.Name, c.Function, c.Axis)
		}
		if slices.Contains(c.Input, 1e4) && slices.Contains(c.Input, -1e4) {
			big[c.Function] = true
		}
	}
	for _, fn := range []string{"softmax", "log_softmax", "logsumexp", "cross_entropy"} {
		if count[fn] < 3 || !big[fn] {
			t.Errorf("%s: %d cases of %s (want at least 3), one with logits of ±1e4: %t", referencePath, count[fn], fn, big[fn])
		}
	}
	return ref
}

// runCase applies the case's function to its input on a tape in precision T,
// runs the backward pass from the case's upstream gradient and returns the
// output values and the input's gradient, widened to float64.
func runCase[T tensor.Float](t *testing.T, c refCase) (out, grad []float64) {
	t.Helper()
	tape := autograd.NewTape[T]()
	x := tape.Param(tensor.FromSlice(testutil.Convert[T](c.Input), c.Shape...))
	var y *autograd.Var[T]
	switch c.Function {
	case "softmax":
		y = functional.Softmax(x, *c.Axis)
	case "log_softmax":
		y = functional.LogSoftmax(x, *c.Axis)
	case "logsumexp":
		y = functional.LogSumExp(x, *c.Axis)
	case "cross_entropy":
		y = functional.CrossEntropy(x, c.Labels)
	default:
		t.Fatalf("case %q: unknown function %q", c.Name, c.Function)
	}
	if !slices.Equal(y.Shape(), c.OutputShape) {
		t.Fatalf("case %q: output shape %v, PyTorch's is %v", c.Name, y.Shape(), c.OutputShape)
	}
	tape.BackwardWithGrad(y, tensor.FromSlice(testutil.Convert[T](c.Upstream), c.OutputShape...))
	if x.Grad() == nil {
		t.Fatalf("case %q: the backward pass left no gradient on the input", c.Name)
	}
	return testutil.Convert[float64](y.Value().Data()), testutil.Convert[float64](x.Grad().Data())
}

// nonFinite lists the positions where got is not finite although want is.
func nonFinite(got, want []float64) []int {
	var bad []int
	for i, w := range want {
		if !math.IsInf(w, 0) && !math.IsNaN(w) && (i >= len(got) || math.IsInf(got[i], 0) || math.IsNaN(got[i])) {
			bad = append(bad, i)
		}
	}
	return bad
}

// maxAbs returns the largest |v| in s.
func maxAbs(s []float64) float64 {
	m := 0.0
	for _, v := range s {
		m = max(m, math.Abs(v))
	}
	return m
}

// TestTorchReference pins Softmax, LogSoftmax, LogSumExp and CrossEntropy,
// values and gradients, to PyTorch's float64 numbers, for moderate logits and
// for logits of ±1e4, where every result must stay finite.
func TestTorchReference(t *testing.T) {
	ref := loadReference(t)
	t.Logf("%d cases from PyTorch %s", len(ref.Cases), ref.TorchVersion)
	approx := cmpopts.EquateApprox(1e-10, 1e-10)
	var worstOut, worstGrad float64
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			out, grad := runCase[float64](t, c)
			if bad := nonFinite(out, c.Output); bad != nil {
				t.Errorf("output not finite at %v: %v", bad, out)
			}
			if bad := nonFinite(grad, c.Grad); bad != nil {
				t.Errorf("gradient not finite at %v: %v", bad, grad)
			}
			if d := cmp.Diff(c.Output, out, approx); d != "" {
				t.Errorf("output differs from PyTorch's (-torch +tapegrad):\n%s", d)
			}
			if d := cmp.Diff(c.Grad, grad, approx); d != "" {
				t.Errorf("gradient differs from PyTorch's (-torch +tapegrad):\n%s", d)
			}
			worstOut = max(worstOut, testutil.MaxAbsDiff(out, c.Output))
			worstGrad = max(worstGrad, testutil.MaxAbsDiff(grad, c.Grad))
		})
	}
	t.Logf("largest |tapegrad − torch|: %.3g in values, %.3g in gradients", worstOut, worstGrad)
}

// TestTorchReferenceFloat32 runs the same cases in float32. Where the logits
// are moderate the results match PyTorch's float64 ones to float32 precision.
// Where they reach ±1e4, a float32 holds them only to within half an ulp of
// 1e4 (about 5e-4), and that absolute error passes into every log-probability
// and, relative, into every probability; the tolerance grows accordingly, and
// everything must still be finite.
func TestTorchReferenceFloat32(t *testing.T) {
	ref := loadReference(t)
	const eps32 = 0x1p-24 // half an ulp of 1 in float32
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			out, grad := runCase[float32](t, c)
			if bad := nonFinite(out, c.Output); bad != nil {
				t.Errorf("output not finite at %v: %v", bad, out)
			}
			if bad := nonFinite(grad, c.Grad); bad != nil {
				t.Errorf("gradient not finite at %v: %v", bad, grad)
			}
			// Rounding the log-sum-exp costs about eps32·max|x|; the
			// gradient carries that relative error times Σ|dL/dy|.
			scale := max(1, maxAbs(c.Input))
			outTol := cmpopts.EquateApprox(1e-5, max(1e-6, 4*eps32*scale))
			gradTol := cmpopts.EquateApprox(1e-5, max(1e-6, 4*eps32*scale*sumAbs(c.Upstream)))
			if d := cmp.Diff(c.Output, out, outTol); d != "" {
				t.Errorf("float32 output differs from PyTorch's (-torch +tapegrad):\n%s", d)
			}
			if d := cmp.Diff(c.Grad, grad, gradTol); d != "" {
				t.Errorf("float32 gradient differs from PyTorch's (-torch +tapegrad):\n%s", d)
			}
		})
	}
}

func sumAbs(s []float64) float64 {
	m := 0.0
	for _, v := range s {
		m += math.Abs(v)
	}
	return m
}
