package nn_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers of the padding modules, Flatten and Unflatten come
// from PyTorch, in float64 and in float32; regenerate them with
//
//	/usr/bin/python3 nn/testdata/gen_torch_padding.py
//
// The tests only read the JSON: they never need Python.
const (
	padPath  = "testdata/torch_padding.json"
	padRegen = "/usr/bin/python3 nn/testdata/gen_torch_padding.py"
)

// padFile is the layout of torch_padding.json.
type padFile struct {
	reftest.Header
	Sequential []string  `json:"sequential"` // state_dict keys of the Sequential of TestPaddingSequentialState
	Cases      []padCase `json:"cases"`
}

// padCase is one module built from PyTorch's arguments and run forward and
// backward on x with the upstream gradient g, in float64 and float32.
type padCase struct {
	Name      string    `json:"name"`
	Module    string    `json:"module"`
	Padding   []int     `json:"padding"` // as given to the constructor: 1 or 2k values
	Value     *float64  `json:"value"`   // the constant modules'
	Dims      []int     `json:"dims"`    // Flatten's start_dim, end_dim; Unflatten's dim, sizes…
	Shape     []int     `json:"shape"`
	X         []float64 `json:"x"`
	G         []float64 `json:"g"`
	StateDict []string  `json:"state_dict"`
	Float64   padRun    `json:"float64"`
	Float32   padRun    `json:"float32"`
}

// padRun is PyTorch's results of a case in one dtype.
type padRun struct {
	YShape []int           `json:"y_shape"`
	Y      []reftest.Float `json:"y"`
	Grad   []reftest.Float `json:"grad"`
}

// padModule builds the case's module with the Go constructor matching
// PyTorch's.
func padModule[T tensor.Float](c padCase) nn.Module[T] {
	value := func() T {
		if c.Value == nil {
			panic("case " + c.Name + " has no value")
		}
		return T(*c.Value)
	}
	switch c.Module {
	case "ConstantPad1d":
		return nn.NewConstantPad1d(c.Padding, value())
	case "ConstantPad2d":
		return nn.NewConstantPad2d(c.Padding, value())
	case "ConstantPad3d":
		return nn.NewConstantPad3d(c.Padding, value())
	case "ZeroPad2d":
		return nn.NewZeroPad2d[T](c.Padding...)
	case "ReflectionPad1d":
		return nn.NewReflectionPad1d[T](c.Padding...)
	case "ReflectionPad2d":
		return nn.NewReflectionPad2d[T](c.Padding...)
	case "ReflectionPad3d":
		return nn.NewReflectionPad3d[T](c.Padding...)
	case "ReplicationPad1d":
		return nn.NewReplicationPad1d[T](c.Padding...)
	case "ReplicationPad2d":
		return nn.NewReplicationPad2d[T](c.Padding...)
	case "ReplicationPad3d":
		return nn.NewReplicationPad3d[T](c.Padding...)
	case "Flatten":
		if c.Dims == nil {
			return nn.Flatten[T]{}
		}
		return nn.NewFlatten[T](c.Dims[0], c.Dims[1])
	case "Unflatten":
		return nn.NewUnflatten[T](c.Dims[0], c.Dims[1:]...)
	}
	panic("unknown module " + c.Module)
}

// padClose reports whether got is within tol of want, relative to |want|
// above 1.
func padClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// checkPadCase runs one case in T and compares the output's shape and
// values and the input's gradient with PyTorch's run in that dtype.
func checkPadCase[T tensor.Float](t *testing.T, c padCase, want padRun, tol float64) {
	t.Helper()
	m := padModule[T](c)
	if got := len(nn.NamedParams(m)) + len(nn.NamedBuffers(m)); got != 0 || len(c.StateDict) != 0 {
		t.Errorf("state: %d params and buffers, PyTorch's state_dict %v; want none", got, c.StateDict)
	}
	tape := autograd.NewTape[T]()
	x := tape.Param(tensor.FromSlice(testutil.Convert[T](c.X), c.Shape...))
	y := m.Forward(x)
	if !slices.Equal(y.Shape(), want.YShape) {
		t.Fatalf("output shape %v, want %v", y.Shape(), want.YShape)
	}
	tape.BackwardWithGrad(y, tensor.FromSlice(testutil.Convert[T](c.G), want.YShape...))
	var grad []T
	if g := x.Grad(); g != nil {
		grad = g.Data()
	} else {
		grad = make([]T, len(c.X))
	}
	compare := func(what string, got []T, want []reftest.Float) {
		if len(got) != len(want) {
			t.Errorf("%s: %d values, want %d", what, len(got), len(want))
			return
		}
		for i := range got {
			if !padClose(float64(got[i]), float64(want[i]), tol) {
				t.Errorf("%s[%d] = %v, want %v (PyTorch)", what, i, got[i], float64(want[i]))
				return
			}
		}
	}
	compare("output", y.Value().Data(), want.Y)
	compare("grad of the input", grad, want.Grad)
}

// TestPaddingReference: every padding module, Flatten and Unflatten, built
// from the arguments PyTorch's was given, returns PyTorch's output (shape
// and values) and input gradient, in float64 and in float32, and has no
// state, as PyTorch's empty state_dict. The cases cover asymmetric pads,
// negative pads cropping (to an empty axis, and past the other end in
// reflection and replication), reflection at its limit (pad = size − 1),
// unbatched and empty-batch inputs and constant padding of 1-d to 5-d
// inputs; see the generator's docstring.
func TestPaddingReference(t *testing.T) {
	var f padFile
	reftest.Load(t, padPath, padRegen, &f)
	unique := reftest.Unique(t, padPath)
	if len(f.Cases) < 30 {
		t.Fatalf("%s: %d cases, want at least 30", padPath, len(f.Cases))
	}
	for _, c := range f.Cases {
		unique(c.Name)
		t.Run(c.Name, func(t *testing.T) {
			t.Run("float64", func(t *testing.T) { checkPadCase[float64](t, c, c.Float64, 1e-10) })
			t.Run("float32", func(t *testing.T) { checkPadCase[float32](t, c, c.Float32, 1e-5) })
		})
	}
}

// TestPaddingSequentialState: a Sequential of padding modules, Flatten and
// Unflatten around a Linear has the state_dict names of PyTorch's same
// Sequential, the Linear's only, and runs forward.
func TestPaddingSequentialState(t *testing.T) {
	var f padFile
	reftest.Load(t, padPath, padRegen, &f)
	rng := rand.New(rand.NewPCG(18, 18))
	seq := nn.NewSequential[float64](
		nn.NewZeroPad2d[float64](1), nn.NewReflectionPad2d[float64](1, 0, 0, 1),
		nn.NewReplicationPad2d[float64](1), nn.NewConstantPad2d([]int{1}, 2.0),
		nn.Flatten[float64]{}, nn.NewLinear[float64](9*10, 6, true, rng), nn.NewUnflatten[float64](1, 2, 3),
		nn.NewReflectionPad1d[float64](1))
	var names []string
	for _, p := range nn.NamedParams[float64](seq) {
		names = append(names, p.Name)
	}
	for _, b := range nn.NamedBuffers[float64](seq) {
		names = append(names, b.Name)
	}
	if !slices.Equal(names, f.Sequential) || len(names) != 2 {
		t.Errorf("state_dict names %v, want PyTorch's %v", names, f.Sequential)
	}
	// 2×1×2×3 → 2×1×4×5 → 2×1×5×6 → 2×1×7×8 → 2×1×9×10 → 2×90 → 2×6 → 2×2×3 → 2×2×5.
	y := seq.Forward(autograd.NewConst(tensor.Arange[float64](0, 12, 1).Reshape(2, 1, 2, 3)))
	if !slices.Equal(y.Shape(), []int{2, 2, 5}) {
		t.Errorf("output shape %v, want [2 2 5]", y.Shape())
	}
}

// TestPaddingModuleFields: the constructors expand one value to every side
// as PyTorch's padding attribute, keep a tuple in order, and the constant
// modules keep their value.
func TestPaddingModuleFields(t *testing.T) {
	if got := nn.NewZeroPad2d[float64](1).Padding; got != [4]int{1, 1, 1, 1} {
		t.Errorf("ZeroPad2d(1).Padding = %v, want [1 1 1 1]", got)
	}
	if got := nn.NewReflectionPad3d[float32](1, 2, 0, 1, 1, 0).Padding; got != [6]int{1, 2, 0, 1, 1, 0} {
		t.Errorf("ReflectionPad3d((1, 2, 0, 1, 1, 0)).Padding = %v", got)
	}
	if m := nn.NewConstantPad1d([]int{2}, 3.5); m.Padding != [2]int{2, 2} || m.Value != 3.5 {
		t.Errorf("ConstantPad1d(2, 3.5) = %v, %v, want [2 2], 3.5", m.Padding, m.Value)
	}
	if m := nn.NewReplicationPad1d[float64](-1, 3); m.Padding != [2]int{-1, 3} {
		t.Errorf("ReplicationPad1d((-1, 3)).Padding = %v", m.Padding)
	}
	if s, e := (nn.Flatten[float64]{}).Dims(); s != 1 || e != -1 {
		t.Errorf("Flatten{}.Dims() = %d, %d, want PyTorch's defaults 1, -1", s, e)
	}
	if s, e := nn.NewFlatten[float64](0, 2).Dims(); s != 0 || e != 2 {
		t.Errorf("NewFlatten(0, 2).Dims() = %d, %d", s, e)
	}
	sizes := []int{2, 3}
	u := nn.NewUnflatten[float64](1, sizes...)
	sizes[0] = 7
	if u.Dim != 1 || !slices.Equal(u.Sizes, []int{2, 3}) {
		t.Errorf("NewUnflatten(1, 2, 3) = %d, %v; want 1, [2 3], not sharing the caller's slice", u.Dim, u.Sizes)
	}
}

// TestPaddingPanics: wrong numbers of pads at construction, inputs of a
// rank PyTorch rejects, empty axes (but the first) and paddings that leave
// every padded axis empty for reflection and replication, and the functional's own checks (reflection past its limit,
// a negative size) panic with messages naming the module and the shapes.
func TestPaddingPanics(t *testing.T) {
	in := func(shape ...int) *autograd.Var[float64] {
		return autograd.NewConst(tensor.Zeros[float64](shape...))
	}
	for _, c := range []struct {
		name string
		f    func()
		want []string
	}{
		{"ZeroPad2d 2 values", func() { nn.NewZeroPad2d[float64](1, 2) },
			[]string{"nn: NewZeroPad2d: padding [1 2]: want 1 value (every side) or 4"}},
		{"ConstantPad1d 3 values", func() { nn.NewConstantPad1d([]int{1, 2, 3}, 1.0) },
			[]string{"nn: NewConstantPad1d: padding [1 2 3]: want 1 value (every side) or 2"}},
		{"ConstantPad3d none", func() { nn.NewConstantPad3d(nil, 1.0) },
			[]string{"nn: NewConstantPad3d: padding []: want 1 value (every side) or 6"}},
		{"ReflectionPad3d 4 values", func() { nn.NewReflectionPad3d[float64](1, 1, 1, 1) },
			[]string{"nn: NewReflectionPad3d: padding [1 1 1 1]", "or 6"}},
		{"ReplicationPad1d none", func() { nn.NewReplicationPad1d[float64]() },
			[]string{"nn: NewReplicationPad1d: padding []", "or 2"}},
		{"ZeroPad2d of 1-d", func() { nn.NewZeroPad2d[float64](1).Forward(in(3)) },
			[]string{"nn: ZeroPad2d[1 1 1 1]: input of shape [3]: want at least 2 dimensions"}},
		{"ConstantPad3d of 2-d", func() { nn.NewConstantPad3d([]int{1}, 0.0).Forward(in(3, 3)) },
			[]string{"nn: ConstantPad3d[1 1 1 1 1 1]: input of shape [3 3]: want at least 3 dimensions"}},
		{"ReflectionPad1d of 1-d", func() { nn.NewReflectionPad1d[float64](1).Forward(in(3)) },
			[]string{"nn: ReflectionPad1d[1 1]: input of shape [3]: want 2 or 3 dimensions (batch mode)"}},
		{"ReflectionPad1d of 4-d", func() { nn.NewReflectionPad1d[float64](1).Forward(in(1, 1, 1, 3)) },
			[]string{"nn: ReflectionPad1d[1 1]: input of shape [1 1 1 3]: want 2 or 3 dimensions"}},
		{"ReflectionPad2d of 2-d", func() { nn.NewReflectionPad2d[float64](1).Forward(in(3, 3)) },
			[]string{"nn: ReflectionPad2d[1 1 1 1]: input of shape [3 3]: want 3 or 4 dimensions"}},
		{"ReflectionPad2d of 5-d", func() { nn.NewReflectionPad2d[float64](1).Forward(in(1, 1, 1, 3, 3)) },
			[]string{"nn: ReflectionPad2d[1 1 1 1]: input of shape [1 1 1 3 3]: want 3 or 4 dimensions"}},
		{"ReflectionPad3d of 3-d", func() { nn.NewReflectionPad3d[float64](1).Forward(in(3, 3, 3)) },
			[]string{"nn: ReflectionPad3d[1 1 1 1 1 1]: input of shape [3 3 3]: want 4 or 5 dimensions"}},
		{"ReplicationPad1d of 1-d", func() { nn.NewReplicationPad1d[float64](1).Forward(in(3)) },
			[]string{"nn: ReplicationPad1d[1 1]: input of shape [3]: want 2 or 3 dimensions"}},
		{"ReplicationPad2d of 2-d", func() { nn.NewReplicationPad2d[float64](1).Forward(in(3, 3)) },
			[]string{"nn: ReplicationPad2d[1 1 1 1]: input of shape [3 3]: want 3 or 4 dimensions"}},
		{"ReplicationPad3d of 6-d", func() { nn.NewReplicationPad3d[float64](1).Forward(in(1, 1, 1, 3, 3, 3)) },
			[]string{"nn: ReplicationPad3d[1 1 1 1 1 1]: input of shape [1 1 1 3 3 3]: want 4 or 5 dimensions"}},
		{"ReflectionPad1d empty channels", func() { nn.NewReflectionPad1d[float64](1).Forward(in(2, 0, 3)) },
			[]string{"nn: ReflectionPad1d[1 1]: input of shape [2 0 3]: every axis but the first must be non-empty"}},
		{"ReplicationPad2d empty width", func() { nn.NewReplicationPad2d[float64](0, 1, 0, 0).Forward(in(2, 3, 0)) },
			[]string{"nn: ReplicationPad2d[0 1 0 0]: input of shape [2 3 0]: every axis but the first must be non-empty"}},
		{"ReplicationPad1d to empty", func() { nn.NewReplicationPad1d[float64](-1, -2).Forward(in(1, 3)) },
			[]string{"nn: ReplicationPad1d[-1 -2]: input of shape [1 3]: the padding leaves every padded axis empty"}},
		{"ReflectionPad2d to empty", func() { nn.NewReflectionPad2d[float64](-1, -2, -1, -2).Forward(in(1, 3, 3)) },
			[]string{"nn: ReflectionPad2d[-1 -2 -1 -2]: input of shape [1 3 3]: the padding leaves every padded axis empty"}},
		{"ReplicationPad3d to empty", func() { nn.NewReplicationPad3d[float64](0, -3, -1, -2, 0, -2).Forward(in(2, 1, 2, 3, 3)) },
			[]string{"nn: ReplicationPad3d[0 -3 -1 -2 0 -2]: input of shape [2 1 2 3 3]: the padding leaves every padded axis empty"}},
		{"ReplicationPad1d negative", func() { nn.NewReplicationPad1d[float64](-2, -2).Forward(in(1, 3)) },
			[]string{"ops: Pad", "negative size"}},
		{"ReflectionPad1d past the limit", func() { nn.NewReflectionPad1d[float64](3).Forward(in(1, 3)) },
			[]string{"ops: Pad", "reflect padding of axis 1 by 3 and 3 must be less than its size 3"}},
		{"ConstantPad1d negative size", func() { nn.NewConstantPad1d([]int{-2, -2}, 1.0).Forward(in(1, 3)) },
			[]string{"ops: Pad", "negative size"}},
		{"Flatten of 1-d", func() { (nn.Flatten[float64]{}).Forward(in(3)) },
			[]string{"nn: Flatten of shape [3]: it needs at least 2 dimensions"}},
		{"Flatten start after end", func() { nn.NewFlatten[float64](2, 1).Forward(in(2, 3, 4)) },
			[]string{"functional: Flatten", "[2 3 4]"}},
		{"Unflatten wrong sizes", func() { nn.NewUnflatten[float64](-1, 2, 3).Forward(in(3, 4, 5)) },
			[]string{"functional: Unflatten", "[2 3]"}},
		{"Unflatten no sizes", func() { nn.NewUnflatten[float64](1).Forward(in(3, 4)) },
			[]string{"functional: Unflatten"}},
	} {
		t.Run(c.name, func(t *testing.T) { testutil.MustPanic(t, c.f, c.want...) })
	}
}

// ExampleNewReflectionPad2d pads a 1×3×3 image by one position on each side
// with its mirror image.
func ExampleNewReflectionPad2d() {
	x := autograd.NewConst(tensor.Arange[float64](1, 10, 1).Reshape(1, 3, 3))
	y := nn.NewReflectionPad2d[float64](1).Forward(x)
	fmt.Println(y.Shape())
	fmt.Println(y.Value().Data()[:5])
	// Output:
	// [1 5 5]
	// [5 4 5 6 5]
}
