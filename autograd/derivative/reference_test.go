package derivative_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/derivative"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

const (
	refPath  = "testdata/torch_functional.json"
	refRegen = "/usr/bin/python3 autograd/derivative/testdata/gen_torch_functional.py"
)

// refFile is the layout of torch_functional.json (see its generator).
type refFile struct {
	reftest.Header
	Dtypes []string  `json:"dtypes"`
	Cases  []refCase `json:"cases"`
}

type refTensor struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

type refCase struct {
	Name    string      `json:"name"`
	Fn      string      `json:"fn"`
	Inputs  []refTensor `json:"inputs"`
	Const   *refTensor  `json:"const"`
	V       refTensor   `json:"v"`
	Us      []refTensor `json:"us"`
	Float64 refResult   `json:"float64"`
	Float32 refResult   `json:"float32"`
}

// refResult is what torch.autograd.functional computed, flattened.
type refResult struct {
	Value    []float64     `json:"value"`
	VJP      [][]float64   `json:"vjp"`
	JVP      []float64     `json:"jvp"`
	Jacobian [][]float64   `json:"jacobian"`
	HVP      [][]float64   `json:"hvp"`     // scalar functions only
	Hessian  [][][]float64 `json:"hessian"` // scalar functions only
}

func toTensor[T tensor.Float](r refTensor) *tensor.Tensor[T] {
	t := tensor.New[T](r.Shape...)
	copy(t.Data(), testutil.Convert[T](r.Data))
	return t
}

// refFunc is the generator's function of that name, with the ops whose
// backward is differentiable.
func refFunc[T tensor.Float](name string, c *tensor.Tensor[T]) func(xs []*autograd.Var[T]) *autograd.Var[T] {
	switch name {
	case "rosenbrock":
		return rosenbrock[T](1, 100)
	case "quadratic":
		return quadratic(c)
	case "mixed":
		return mixed[T]
	case "mixed_sq":
		return func(xs []*autograd.Var[T]) *autograd.Var[T] {
			y := mixed(xs)
			return total(functional.Mul(y, y))
		}
	case "cube":
		return func(xs []*autograd.Var[T]) *autograd.Var[T] {
			x := xs[0]
			return functional.Add(functional.Mul(functional.Mul(x, x), x), functional.Scale(x, 2))
		}
	case "quotient":
		return func(xs []*autograd.Var[T]) *autograd.Var[T] {
			x, y := xs[0], xs[1]
			return total(functional.Div(functional.Mul(x, y), functional.AddScalar(functional.Mul(y, y), 1)))
		}
	}
	panic("no function " + name)
}

// TestAgainstPyTorch compares every function of the package with
// torch.autograd.functional's, in float64 and float32.
func TestAgainstPyTorch(t *testing.T) {
	var ref refFile
	reftest.Load(t, refPath, refRegen, &ref)
	if diff := cmp.Diff([]string{"float64", "float32"}, ref.Dtypes); diff != "" {
		t.Fatalf("dtypes (-want +got):\n%s", diff)
	}
	unique := reftest.Unique(t, refPath)
	for _, c := range ref.Cases {
		unique(c.Name)
		t.Run(c.Name+"/float64", func(t *testing.T) { checkRef[float64](t, c, c.Float64, 1e-10) })
		t.Run(c.Name+"/float32", func(t *testing.T) { checkRef[float32](t, c, c.Float32, 1e-5) })
	}
	if len(ref.Cases) < 7 {
		t.Errorf("%d cases, want 7", len(ref.Cases))
	}
}

func checkRef[T tensor.Float](t *testing.T, c refCase, want refResult, tol float64) {
	xs := make([]*tensor.Tensor[T], len(c.Inputs))
	us := make([]*tensor.Tensor[T], len(c.Us))
	for i := range c.Inputs {
		xs[i], us[i] = toTensor[T](c.Inputs[i]), toTensor[T](c.Us[i])
	}
	var k *tensor.Tensor[T]
	if c.Const != nil {
		k = toTensor[T](*c.Const)
	}
	f := refFunc(c.Fn, k)

	value, vjp := derivative.VJP(f, xs, toTensor[T](c.V), nil)
	near(t, "value", value, want.Value, tol)
	_, jvp := derivative.JVP(f, xs, us, nil)
	near(t, "jvp", jvp, want.JVP, tol)
	jac := derivative.Jacobian(f, xs, nil)
	for i := range xs {
		near(t, fmt.Sprintf("vjp[%d]", i), vjp[i], want.VJP[i], tol)
		near(t, fmt.Sprintf("jacobian[%d]", i), jac[i], want.Jacobian[i], tol)
		if diff := cmp.Diff(append(append([]int{}, c.V.Shape...), c.Inputs[i].Shape...), jac[i].Shape()); diff != "" {
			t.Errorf("jacobian[%d]: shape (-want +got):\n%s", i, diff)
		}
	}
	if want.HVP == nil {
		return
	}
	_, hvp := derivative.HVP(f, xs, us, nil)
	hess := derivative.Hessian(f, xs, nil)
	for i := range xs {
		near(t, fmt.Sprintf("hvp[%d]", i), hvp[i], want.HVP[i], tol)
		for j := range xs {
			near(t, fmt.Sprintf("hessian[%d][%d]", i, j), hess[i][j], want.Hessian[i][j], tol)
		}
	}
}
