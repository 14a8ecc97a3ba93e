package functional_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

const (
	gnRefPath = "testdata/torch_groupnorm.json"
	gnRegen   = "/usr/bin/python3 functional/testdata/gen_torch_groupnorm.py"
)

// gnResult is one dtype's torch results of a group or instance norm case.
type gnResult struct {
	Output           []reftest.Float `json:"output"`
	GradInput        []reftest.Float `json:"grad_input"`
	GradWeight       []reftest.Float `json:"grad_weight"`
	GradBias         []reftest.Float `json:"grad_bias"`
	RunningMeanAfter []reftest.Float `json:"running_mean_after"`
	RunningVarAfter  []reftest.Float `json:"running_var_after"`
}

type gnCase struct {
	Name          string          `json:"name"`
	Shape         []int           `json:"shape"`
	Groups        int             `json:"groups"`
	UseInputStats bool            `json:"use_input_stats"`
	Momentum      float64         `json:"momentum"`
	Eps           float64         `json:"eps"`
	X             []reftest.Float `json:"x"`
	G             []reftest.Float `json:"g"`
	Weight        []reftest.Float `json:"weight"`
	Bias          []reftest.Float `json:"bias"`
	RunningMean   []reftest.Float `json:"running_mean"`
	RunningVar    []reftest.Float `json:"running_var"`
	Float64       gnResult        `json:"float64"`
	Float32       gnResult        `json:"float32"`
}

type gnFile struct {
	reftest.Header
	GroupNorm    []gnCase          `json:"group_norm"`
	InstanceNorm []gnCase          `json:"instance_norm"`
	Modules      []json.RawMessage `json:"modules"` // pinned by package nn's tests
}

func loadGN(t *testing.T) gnFile {
	var f gnFile
	reftest.Load(t, gnRefPath, gnRegen, &f)
	if len(f.GroupNorm) == 0 || len(f.InstanceNorm) == 0 {
		t.Fatalf("%s: no cases", gnRefPath)
	}
	return f
}

// gnParam is a parameter of the case on tape, or nil when torch had None.
func gnParam[T tensor.Float](tape *autograd.Tape[T], v []reftest.Float) *autograd.Var[T] {
	if v == nil {
		return nil
	}
	return tape.Param(refTensor[T](v, len(v)))
}

func gradOf[T tensor.Float](v *autograd.Var[T]) *tensor.Tensor[T] {
	if v == nil {
		return nil
	}
	return v.Grad()
}

func checkGNCase[T tensor.Float](t *testing.T, name string, c gnCase, want gnResult, tol float64,
	f func(x, w, b *autograd.Var[T], rm, rv *tensor.Tensor[T]) *autograd.Var[T]) {
	t.Helper()
	tape := autograd.NewTape[T]()
	x := tape.Param(refTensor[T](c.X, c.Shape...))
	w, b := gnParam(tape, c.Weight), gnParam(tape, c.Bias)
	rm, rv := refTensor[T](c.RunningMean, len(c.RunningMean)), refTensor[T](c.RunningVar, len(c.RunningVar))
	y := f(x, w, b, rm, rv)
	tape.BackwardWithGrad(y, refTensor[T](c.G, c.Shape...))
	checkRef(t, name, "output", y.Value(), want.Output, tol, 0)
	checkRef(t, name, "grad input", x.Grad(), want.GradInput, tol, 0)
	checkRef(t, name, "grad weight", gradOf(w), want.GradWeight, tol, 0)
	checkRef(t, name, "grad bias", gradOf(b), want.GradBias, tol, 0)
	if c.RunningMean != nil {
		checkRef(t, name, "running_mean after", rm, want.RunningMeanAfter, tol, 0)
	}
	if c.RunningVar != nil {
		checkRef(t, name, "running_var after", rv, want.RunningVarAfter, tol, 0)
	}
}

func runGroupNormRef[T tensor.Float](t *testing.T, cases []gnCase, dtype string, tol float64) {
	for _, c := range cases {
		want := c.Float64
		if dtype == "float32" {
			want = c.Float32
		}
		for _, path := range []struct {
			name string
			f    func(*autograd.Var[T], int, *autograd.Var[T], *autograd.Var[T], T) *autograd.Var[T]
		}{{"fused", functional.GroupNorm[T]}, {"composed", functional.GroupNormComposed[T]}} {
			checkGNCase(t, dtype+"/"+path.name+"/"+c.Name, c, want, tol,
				func(x, w, b *autograd.Var[T], _, _ *tensor.Tensor[T]) *autograd.Var[T] {
					return path.f(x, c.Groups, w, b, T(c.Eps))
				})
		}
	}
}

// TestGroupNormReference pins GroupNorm and GroupNormComposed to
// F.group_norm's output and gradients, in float64 and float32, with weight
// and bias each given or None and groups from 1 to C.
func TestGroupNormReference(t *testing.T) {
	f := loadGN(t)
	runGroupNormRef[float64](t, f.GroupNorm, "float64", 1e-10)
	runGroupNormRef[float32](t, f.GroupNorm, "float32", 2e-5)
}

func runInstanceNormRef[T tensor.Float](t *testing.T, cases []gnCase, dtype string, tol float64) {
	for _, c := range cases {
		want := c.Float64
		if dtype == "float32" {
			want = c.Float32
		}
		checkGNCase(t, dtype+"/"+c.Name, c, want, tol,
			func(x, w, b *autograd.Var[T], rm, rv *tensor.Tensor[T]) *autograd.Var[T] {
				return functional.InstanceNorm(x, rm, rv, w, b, c.UseInputStats, T(c.Momentum), T(c.Eps))
			})
	}
}

// TestInstanceNormReference pins InstanceNorm to F.instance_norm with each
// of running_mean, running_var, weight and bias given or None,
// use_input_stats on and off, momentum and eps: output, gradients and the
// running statistics after the call.
func TestInstanceNormReference(t *testing.T) {
	f := loadGN(t)
	runInstanceNormRef[float64](t, f.InstanceNorm, "float64", 1e-10)
	runInstanceNormRef[float32](t, f.InstanceNorm, "float32", 2e-5)
}

// TestGroupNormGradCheck checks the fused and the composed group norm
// against central differences, to first and second order, and the fused
// gradients against the composed ones.
func TestGroupNormGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 7))
	for _, c := range []struct {
		shape  []int
		groups int
	}{{[]int{2, 4, 3}, 2}, {[]int{3, 6}, 3}, {[]int{1, 4, 2, 2}, 1}, {[]int{2, 3, 2, 2}, 3}} {
		for _, aff := range bnAffines {
			in := bnInputs(rng, c.shape, aff.gamma, aff.beta)
			for _, path := range []struct {
				name string
				f    func(*autograd.Var[float64], int, *autograd.Var[float64], *autograd.Var[float64], float64) *autograd.Var[float64]
			}{{"fused", functional.GroupNorm[float64]}, {"composed", functional.GroupNormComposed[float64]}} {
				f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
					xv, g, b := bnArgs(x, aff.gamma, aff.beta)
					return path.f(xv, c.groups, g, b, 1e-5)
				}
				name := path.name + "/" + aff.name
				if err := gradtest.Check(f, in, nil); err != nil {
					t.Errorf("%s %v groups %d: %v", name, c.shape, c.groups, err)
				}
				if err := gradtest.GradGradCheck(f, in, nil); err != nil {
					t.Errorf("%s %v groups %d: second order: %v", name, c.shape, c.groups, err)
				}
			}
		}
	}
}

// TestGroupNormFusedMatchesComposed compares the fused op's output and
// gradients with the composed version's on a larger input.
func TestGroupNormFusedMatchesComposed(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 8))
	shape := []int{3, 8, 5, 4}
	in := bnInputs(rng, shape, true, true)
	g := tensor.RandN[float64](rng, shape...)
	run := func(f func(*autograd.Var[float64], int, *autograd.Var[float64], *autograd.Var[float64], float64) *autograd.Var[float64]) []*tensor.Tensor[float64] {
		tape := autograd.NewTape[float64]()
		x, w, b := tape.Param(in[0]), tape.Param(in[1]), tape.Param(in[2])
		y := f(x, 4, w, b, 1e-5)
		tape.BackwardWithGrad(y, g)
		return []*tensor.Tensor[float64]{y.Value(), x.Grad(), w.Grad(), b.Grad()}
	}
	fused, composed := run(functional.GroupNorm[float64]), run(functional.GroupNormComposed[float64])
	for i, what := range []string{"output", "grad x", "grad weight", "grad bias"} {
		if !tensor.AllClose(fused[i], composed[i], 1e-12, 1e-12) {
			t.Errorf("%s: fused and composed differ", what)
		}
	}
}

func TestGroupNormPanics(t *testing.T) {
	x := autograd.NewConst(tensor.New[float64](2, 6, 3))
	for _, f := range []func(*autograd.Var[float64], int, *autograd.Var[float64], *autograd.Var[float64], float64) *autograd.Var[float64]{
		functional.GroupNorm[float64], functional.GroupNormComposed[float64]} {
		testutil.MustPanic(t, func() { f(x, 4, nil, nil, 1e-5) }, "functional: GroupNorm", "6 channels of input [2 6 3] are not divisible into 4 groups")
		testutil.MustPanic(t, func() { f(x, 0, nil, nil, 1e-5) }, "functional: GroupNorm", "not divisible into 0 groups")
		testutil.MustPanic(t, func() { f(autograd.NewConst(tensor.New[float64](6)), 2, nil, nil, 1e-5) }, "functional: GroupNorm", "needs an input of shape N×C or N×C×…, got [6]")
		testutil.MustPanic(t, func() { f(x, 2, autograd.NewConst(tensor.New[float64](3)), nil, 1e-5) }, "functional: GroupNorm", "weight (γ) of shape [3] does not match input [2 6 3] with 6 channels")
	}
	x4 := autograd.NewConst(tensor.New[float64](2, 3, 1, 1))
	testutil.MustPanic(t, func() { functional.InstanceNorm(x4, nil, nil, nil, nil, true, 0.1, 1e-5) },
		"functional: InstanceNorm: expected more than 1 spatial value when using the input's statistics, got input shape [2 3 1 1]")
	testutil.MustPanic(t, func() { functional.InstanceNorm(x4, nil, tensor.Ones[float64](3), nil, nil, false, 0.1, 1e-5) },
		"functional: InstanceNorm: running_mean must be given when not using the input's statistics")
	testutil.MustPanic(t, func() { functional.InstanceNorm(x4, tensor.New[float64](3), nil, nil, nil, false, 0.1, 1e-5) },
		"functional: InstanceNorm: running_var must be given")
	testutil.MustPanic(t, func() { functional.InstanceNorm(x4, tensor.New[float64](2), nil, nil, nil, true, 0.1, 1e-5) },
		"functional: InstanceNorm: running_mean of shape [2] does not match input [2 3 1 1] with 3 channels")
}
