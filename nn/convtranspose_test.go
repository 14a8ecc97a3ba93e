package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for nn.ConvTranspose2d come from PyTorch's module;
// regenerate them with
//
//	/usr/bin/python3 nn/testdata/gen_torch_convtranspose.py
const convTRefPath = "testdata/torch_convtranspose.json"

type convTRef struct {
	reftest.Header
	Cases []convTCase `json:"cases"`
}

// convTCase is one nn.ConvTranspose2d under PyTorch's argument names, the
// fan-in and bound of its default initialization, its state_dict's shapes,
// the committed weights, and what it computed in each dtype.
type convTCase struct {
	Name          string           `json:"name"`
	In            int              `json:"in_channels"`
	Out           int              `json:"out_channels"`
	Kernel        [2]int           `json:"kernel_size"`
	Stride        [2]int           `json:"stride"`
	Padding       [2]int           `json:"padding"`
	OutputPadding [2]int           `json:"output_padding"`
	Groups        int              `json:"groups"`
	Bias          bool             `json:"bias"`
	Dilation      [2]int           `json:"dilation"`
	FanIn         int              `json:"fan_in"`
	Bound         float64          `json:"bound"`
	State         map[string][]int `json:"state"`
	Weight        []reftest.Float  `json:"weight"`
	BiasValue     []reftest.Float  `json:"bias_value"`
	Shape         []int            `json:"shape"`
	Input         []reftest.Float  `json:"input"`
	Upstream      []reftest.Float  `json:"upstream"`
	OutputShape   []int            `json:"output_shape"`
	Float64       convTResult      `json:"float64"`
	Float32       convTResult      `json:"float32"`
}

type convTResult struct {
	Output     []reftest.Float `json:"output"`
	GradInput  []reftest.Float `json:"grad_input"`
	GradWeight []reftest.Float `json:"grad_weight"`
	GradBias   []reftest.Float `json:"grad_bias"`
}

func newConvTFromCase[T tensor.Float](c convTCase, rng *rand.Rand) *ConvTranspose2d[T] {
	return NewConvTranspose2d[T](c.In, c.Out, c.Kernel, functional.ConvTranspose2dOptions{Stride: c.Stride,
		Padding: c.Padding, OutputPadding: c.OutputPadding, Dilation: c.Dilation, Groups: c.Groups}, c.Bias, rng)
}

// TestConvTranspose2dModuleMatchesPyTorch: for each case, the module has
// PyTorch's state_dict names and shapes, its default initialization draws
// within PyTorch's bound (from torch's fan-in for the transposed layout)
// and comes close to it, and with PyTorch's committed weights its output
// and the gradients of input, weight and bias are PyTorch's in both dtypes.
func TestConvTranspose2dModuleMatchesPyTorch(t *testing.T) {
	var ref convTRef
	reftest.Load(t, convTRefPath, "/usr/bin/python3 nn/testdata/gen_torch_convtranspose.py", &ref)
	unique := reftest.Unique(t, convTRefPath)
	if len(ref.Cases) < 5 {
		t.Fatalf("%s: %d cases, want at least 5", convTRefPath, len(ref.Cases))
	}
	for _, c := range ref.Cases {
		unique(c.Name)
		t.Run(c.Name, func(t *testing.T) {
			m := newConvTFromCase[float64](c, rand.New(rand.NewPCG(1, 2)))
			state := map[string][]int{}
			for _, p := range NamedParams[float64](m) {
				state[p.Name] = p.Var.Value().Shape()
			}
			if d := cmp.Diff(c.State, state); d != "" {
				t.Errorf("state_dict differs from PyTorch's (-torch +tapegrad):\n%s", d)
			}
			if got := FanIn(m.Weight.Value().Shape()); got != c.FanIn {
				t.Errorf("fan-in %d, PyTorch's %d", got, c.FanIn)
			}
			checkInitBound(t, "weight", m.Weight.Value().Data(), c.Bound)
			if c.Bias {
				checkInitBound(t, "bias", m.Bias.Value().Data(), 1/math.Sqrt(float64(c.FanIn)))
			}
			t.Run("float64", func(t *testing.T) { runConvTCase[float64](t, c, c.Float64, 1e-10) })
			t.Run("float32", func(t *testing.T) { runConvTCase[float32](t, c, c.Float32, 1e-5) })
		})
	}
}

// checkInitBound checks that the values lie within ±bound and that their
// largest magnitude is above half of it: too small a bound, or the wrong
// fan, fails one or the other.
func checkInitBound(t *testing.T, what string, d []float64, bound float64) {
	t.Helper()
	var m float64
	for _, v := range d {
		m = max(m, math.Abs(v))
	}
	if m > bound || m < bound/2 {
		t.Errorf("%s initialized with max |value| %v, want within (%v/2, %v]", what, m, bound, bound)
	}
}

func runConvTCase[T tensor.Float](t *testing.T, c convTCase, want convTResult, tol float64) {
	m := newConvTFromCase[T](c, rand.New(rand.NewPCG(1, 2)))
	copy(m.Weight.Value().Data(), reftest.Floats[T](c.Weight))
	if c.Bias {
		copy(m.Bias.Value().Data(), reftest.Floats[T](c.BiasValue))
	}
	tape := autograd.NewTape[T]()
	x := tape.Param(tensor.FromSlice(reftest.Floats[T](c.Input), c.Shape...))
	y := m.Forward(x)
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
		if d := cmp.Diff(reftest.Floats[float64](want), g, cmpopts.EquateApprox(tol, tol)); d != "" {
			t.Errorf("%s differs from PyTorch's (-torch +tapegrad):\n%s", what, d)
		}
	}
	compare("output", y.Value().Data(), want.Output)
	compare("input gradient", x.Grad().Data(), want.GradInput)
	compare("weight gradient", m.Weight.Grad().Data(), want.GradWeight)
	if c.Bias {
		compare("bias gradient", m.Bias.Grad().Data(), want.GradBias)
	} else if m.Bias != nil {
		t.Error("bias=False module has a bias")
	}
}

// TestNewConvTranspose2dPanics checks the message for bad sizes.
func TestNewConvTranspose2dPanics(t *testing.T) {
	for _, tc := range []struct {
		in, out, groups int
		kernel          [2]int
	}{{0, 2, 1, [2]int{3, 3}}, {2, 3, 2, [2]int{3, 3}}, {2, 2, 1, [2]int{0, 3}}} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "nn: NewConvTranspose2d(") || !strings.Contains(msg, "groups must divide") {
					t.Errorf("NewConvTranspose2d(%d, %d, %v, groups %d) panicked with %q", tc.in, tc.out, tc.kernel, tc.groups, msg)
				}
			}()
			NewConvTranspose2d[float64](tc.in, tc.out, tc.kernel, functional.ConvTranspose2dOptions{Groups: tc.groups}, true, rand.New(rand.NewPCG(1, 2)))
		}()
	}
}
