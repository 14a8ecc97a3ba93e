package ops_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// activations are checked on inputs at least 0.1 away from the kink at 0.
var activations = []struct {
	name string
	mk   func() autograd.Op[float64]
}{
	{"ReLU", func() autograd.Op[float64] { return &ops.ReLU[float64]{} }},
	{"LeakyReLU(0.01)", func() autograd.Op[float64] { return &ops.LeakyReLU[float64]{Slope: 0.01} }},
	{"LeakyReLU(0.2)", func() autograd.Op[float64] { return &ops.LeakyReLU[float64]{Slope: 0.2} }},
	{"ELU(1)", func() autograd.Op[float64] { return &ops.ELU[float64]{Alpha: 1} }},
	{"ELU(0.5)", func() autograd.Op[float64] { return &ops.ELU[float64]{Alpha: 0.5} }},
	{"Tanh", func() autograd.Op[float64] { return &ops.Tanh[float64]{} }},
	{"Sigmoid", func() autograd.Op[float64] { return &ops.Sigmoid[float64]{} }},
}

func TestActivationGradCheck(t *testing.T) {
	r := rng(20)
	for _, a := range activations {
		for _, s := range unaryShapes {
			checkGrad(t, a.name+" "+shapeName(s), unary(a.mk), randAway(r, 0.1, s...))
		}
	}
}

func TestActivationValues(t *testing.T) {
	th := math.Tanh(0.5)
	em1, em2 := math.Exp(-1), math.Exp(-2)
	cases := []struct {
		name     string
		op       autograd.Op[float64]
		x, y, dx []float64 // dx for an output gradient of ones
	}{
		// The gradient of ReLU at 0 is exactly 0, as in PyTorch.
		{"ReLU", &ops.ReLU[float64]{}, []float64{-2, math.Copysign(0, -1), 0, 0.5, 3},
			[]float64{0, 0, 0, 0.5, 3}, []float64{0, 0, 0, 1, 1}},
		{"LeakyReLU(0.2)", &ops.LeakyReLU[float64]{Slope: 0.2}, []float64{-2, 0, 3},
			[]float64{-0.4, 0, 3}, []float64{0.2, 0.2, 1}},
		{"LeakyReLU(0.01)", &ops.LeakyReLU[float64]{Slope: 0.01}, []float64{-100, 0.5},
			[]float64{-1, 0.5}, []float64{0.01, 1}},
		{"ELU(1)", &ops.ELU[float64]{Alpha: 1}, []float64{-1, 0, 2},
			[]float64{em1 - 1, 0, 2}, []float64{em1, 1, 1}},
		{"ELU(0.5)", &ops.ELU[float64]{Alpha: 0.5}, []float64{-2, -1e-10, 2},
			[]float64{0.5 * (em2 - 1), -0.5e-10, 2}, []float64{0.5 * em2, 0.5 * math.Exp(-1e-10), 1}},
		{"Tanh", &ops.Tanh[float64]{}, []float64{0, 0.5, -0.5},
			[]float64{0, th, -th}, []float64{1, 1 - th*th, 1 - th*th}},
		// σ(±1000) saturates to 0 and 1 without overflow; the gradient is 0,
		// not NaN. σ(−30) = 1/(1+e³⁰) keeps its relative precision.
		{"Sigmoid", &ops.Sigmoid[float64]{}, []float64{0, 2, -30, 1000, -1000},
			[]float64{0.5, 1 / (1 + em2), 1 / (1 + math.Exp(30)), 1, 0},
			[]float64{0.25, em2 / ((1 + em2) * (1 + em2)), math.Exp(30) / ((1 + math.Exp(30)) * (1 + math.Exp(30))), 0, 0}},
	}
	for _, c := range cases {
		y, g := backward(t, c.op, nil, vec(c.x))
		assertTensor(t, c.name+" y", y, []int{len(c.x)}, c.y, 1e-14)
		assertTensor(t, c.name+" dx", g[0], []int{len(c.x)}, c.dx, 1e-14)
		assertFinite(t, c.name+" dx", g[0].Data())
	}
	_, g := backward(t, &ops.ReLU[float64]{}, nil, vec([]float64{0, math.Copysign(0, -1)}))
	assertExactZero(t, "ReLU gradient at 0", g[0].Data())

	// Far in the negative tail σ keeps its relative precision (1 − σ(−x)
	// would round to 0); the tolerances above are absolute there.
	for _, x := range []float64{-30, -700} {
		got := forward(&ops.Sigmoid[float64]{}, vec([]float64{x})).Data()[0]
		if want := 1 / (1 + math.Exp(-x)); math.Abs(got-want) > 1e-14*want {
			t.Errorf("Sigmoid(%g) = %g, want %g", x, got, want)
		}
	}
}

// TestActivationSaved shows what each activation keeps. ReLU, Tanh and
// Sigmoid keep their output: a Mul of that output by itself keeps the same
// 2×3 tensor, and the tape counts 48 bytes in all. LeakyReLU and ELU keep
// their input.
func TestActivationSaved(t *testing.T) {
	x := randAway(rng(21), 0.1, 2, 3) // 48 bytes
	ofOutput := func(op autograd.Op[float64]) func(*autograd.Var[float64]) {
		return func(x *autograd.Var[float64]) {
			y := autograd.Apply(op, x)
			autograd.Apply(&ops.Mul[float64]{}, y, y)
		}
	}
	ofInput := func(op autograd.Op[float64]) func(*autograd.Var[float64]) {
		return func(x *autograd.Var[float64]) {
			autograd.Apply(op, x)
			autograd.Apply(&ops.Mul[float64]{}, x, x)
		}
	}
	cases := []struct {
		name  string
		build func(*autograd.Var[float64])
		want  int
	}{
		{"ReLU keeps its output", ofOutput(&ops.ReLU[float64]{}), 48},
		{"Tanh keeps its output", ofOutput(&ops.Tanh[float64]{}), 48},
		{"Sigmoid keeps its output", ofOutput(&ops.Sigmoid[float64]{}), 48},
		{"LeakyReLU keeps its input", ofInput(&ops.LeakyReLU[float64]{Slope: 0.1}), 48},
		{"ReLU does not keep its input", ofInput(&ops.ReLU[float64]{}), 96},
		{"ELU keeps its input", ofInput(&ops.ELU[float64]{Alpha: 1}), 48},
	}
	for _, c := range cases {
		tape := autograd.NewTape[float64]()
		c.build(tape.Param(x))
		if got := tape.SavedBytes(); got != c.want {
			t.Errorf("%s: SavedBytes = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestActivationPanics(t *testing.T) {
	x := vec([]float64{1})
	testutil.MustPanic(t, func() { forward(&ops.ReLU[float64]{}, x, x) }, "ops: ReLU takes 1 input(s), got 2")
	testutil.MustPanic(t, func() { forward(&ops.LeakyReLU[float64]{}) }, "ops: LeakyReLU takes 1 input(s), got 0")
	testutil.MustPanic(t, func() { forward(&ops.ELU[float64]{}, x, x) }, "ops: ELU takes 1 input(s), got 2")
	testutil.MustPanic(t, func() { forward(&ops.Tanh[float64]{}, x, x) }, "ops: Tanh takes 1 input(s), got 2")
	testutil.MustPanic(t, func() { forward(&ops.Sigmoid[float64]{}, x, x) }, "ops: Sigmoid takes 1 input(s), got 2")
}

func TestActivationFloat32(t *testing.T) {
	x := randAway(rng(22), 0.1, 4, 5)
	x.Data()[0], x.Data()[1] = 1000, -1000
	x32 := to32(x)
	assert32(t, "ReLU", forward(&ops.ReLU[float32]{}, x32), forward(&ops.ReLU[float64]{}, x))
	assert32(t, "LeakyReLU", forward(&ops.LeakyReLU[float32]{Slope: 0.2}, x32), forward(&ops.LeakyReLU[float64]{Slope: 0.2}, x))
	assert32(t, "ELU", forward(&ops.ELU[float32]{Alpha: 0.5}, x32), forward(&ops.ELU[float64]{Alpha: 0.5}, x))
	assert32(t, "Tanh", forward(&ops.Tanh[float32]{}, x32), forward(&ops.Tanh[float64]{}, x))
	assert32(t, "Sigmoid", forward(&ops.Sigmoid[float32]{}, x32), forward(&ops.Sigmoid[float64]{}, x))
}

// ReLU passes NaN through, as PyTorch does, so a diverging run shows.
func TestReLUPropagatesNaN(t *testing.T) {
	y := (&ops.ReLU[float64]{}).Forward([]*tensor.Tensor[float64]{tensor.FromSlice([]float64{math.NaN(), -1, 2})})
	if d := y.Data(); !math.IsNaN(d[0]) || d[1] != 0 || d[2] != 2 {
		t.Errorf("ReLU([NaN -1 2]) = %v, want [NaN 0 2]", d)
	}
}
