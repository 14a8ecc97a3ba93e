package ops_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// unaryShapes are the shapes every unary op is checked on: a scalar, size-1
// dims, batch 1 and an ordinary matrix.
var unaryShapes = [][]int{{}, {1}, {2, 3}, {1, 4, 1}, {2, 1, 3}}

func TestElementwiseGradCheck(t *testing.T) {
	r := rng(10)
	for _, s := range unaryShapes {
		name := shapeName(s)
		checkGrad(t, "Exp "+name, unary(func() autograd.Op[float64] { return &ops.Exp[float64]{} }), randn(r, s...))
		checkGrad(t, "Log "+name, unary(func() autograd.Op[float64] { return &ops.Log[float64]{} }), randPos(r, 0.2, 3, s...))
		checkGrad(t, "Sqrt "+name, unary(func() autograd.Op[float64] { return &ops.Sqrt[float64]{} }), randPos(r, 0.2, 3, s...))
	}
}

func TestPowGradCheck(t *testing.T) {
	r := rng(11)
	for _, p := range []float64{2, 3, 0.5, -1, -2.5, 1, 0} {
		mk := func() autograd.Op[float64] { return &ops.Pow[float64]{P: p} }
		for _, s := range unaryShapes {
			name := fmt.Sprintf("Pow(%g) %s", p, shapeName(s))
			checkGrad(t, name+" positive", unary(mk), randPos(r, 0.5, 2, s...))
			if p == math.Trunc(p) { // integer powers are defined below 0 too
				checkGrad(t, name+" signed", unary(mk), randAway(r, 0.5, s...))
			}
		}
	}
}

func TestElementwiseValues(t *testing.T) {
	e := math.E
	cases := []struct {
		name     string
		op       autograd.Op[float64]
		x, y, dx []float64 // dx for an output gradient of ones
	}{
		{"Exp", &ops.Exp[float64]{}, []float64{0, 1, -1}, []float64{1, e, 1 / e}, []float64{1, e, 1 / e}},
		{"Log", &ops.Log[float64]{}, []float64{1, e, 0.25}, []float64{0, 1, -2 * math.Ln2}, []float64{1, 1 / e, 4}},
		{"Sqrt", &ops.Sqrt[float64]{}, []float64{4, 9, 0.25}, []float64{2, 3, 0.5}, []float64{0.25, 1.0 / 6, 1}},
		{"Pow(2)", &ops.Pow[float64]{P: 2}, []float64{-3, 0, 1.5}, []float64{9, 0, 2.25}, []float64{-6, 0, 3}},
		{"Pow(3)", &ops.Pow[float64]{P: 3}, []float64{-2, 0, 2}, []float64{-8, 0, 8}, []float64{12, 0, 12}},
		{"Pow(0.5)", &ops.Pow[float64]{P: 0.5}, []float64{4, 9, 0.25}, []float64{2, 3, 0.5}, []float64{0.25, 1.0 / 6, 1}},
		{"Pow(-1)", &ops.Pow[float64]{P: -1}, []float64{2, -4, 0.5}, []float64{0.5, -0.25, 2}, []float64{-0.25, -1.0 / 16, -4}},
		// 4^−2.5 = 1/32; d/dx = −2.5·4^−3.5 = −2.5/128.
		{"Pow(-2.5)", &ops.Pow[float64]{P: -2.5}, []float64{4, 1}, []float64{1.0 / 32, 1}, []float64{-2.5 / 128, -2.5}},
		{"Pow(1)", &ops.Pow[float64]{P: 1}, []float64{-2, 0, 3}, []float64{-2, 0, 3}, []float64{1, 1, 1}},
		// x⁰ = 1 everywhere, and its gradient is exactly 0, at 0 too.
		{"Pow(0)", &ops.Pow[float64]{P: 0}, []float64{-2, 0, 3}, []float64{1, 1, 1}, []float64{0, 0, 0}},
	}
	for _, c := range cases {
		y, g := backward(t, c.op, nil, vec(c.x))
		assertTensor(t, c.name+" y", y, []int{len(c.x)}, c.y, 1e-14)
		assertTensor(t, c.name+" dx", g[0], []int{len(c.x)}, c.dx, 1e-14)
	}
	_, g := backward(t, &ops.Pow[float64]{P: 0}, nil, vec([]float64{0, math.Copysign(0, -1), 5}))
	assertExactZero(t, "Pow(0) gradient", g[0].Data())
}

// TestElementwiseSaved shows what each op keeps: Exp and Sqrt their output,
// Log and Pow their input. A second op that keeps the same tensor adds
// nothing, so 48 bytes (one 2×3 tensor) means the two ops share it.
func TestElementwiseSaved(t *testing.T) {
	x := randPos(rng(12), 0.5, 2, 2, 3) // 48 bytes
	cases := []struct {
		name  string
		build func(x *autograd.Var[float64])
		want  int
	}{
		{"Exp keeps its output", func(x *autograd.Var[float64]) {
			y := autograd.Apply(&ops.Exp[float64]{}, x)
			autograd.Apply(&ops.Log[float64]{}, y) // keeps y
		}, 48},
		{"Sqrt keeps its output", func(x *autograd.Var[float64]) {
			y := autograd.Apply(&ops.Sqrt[float64]{}, x)
			autograd.Apply(&ops.Log[float64]{}, y)
		}, 48},
		{"Log keeps its input", func(x *autograd.Var[float64]) {
			autograd.Apply(&ops.Log[float64]{}, x)
			autograd.Apply(&ops.Mul[float64]{}, x, x)
		}, 48},
		{"Pow keeps its input", func(x *autograd.Var[float64]) {
			autograd.Apply(&ops.Pow[float64]{P: 3}, x)
			autograd.Apply(&ops.Log[float64]{}, x)
		}, 48},
		{"Exp and Log of x keep two tensors", func(x *autograd.Var[float64]) {
			autograd.Apply(&ops.Exp[float64]{}, x)
			autograd.Apply(&ops.Log[float64]{}, x)
		}, 96},
	}
	for _, c := range cases {
		tape := autograd.NewTape[float64]()
		c.build(tape.Param(x))
		if got := tape.SavedBytes(); got != c.want {
			t.Errorf("%s: SavedBytes = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestElementwisePanics(t *testing.T) {
	x := tensor.New[float64](2)
	testutil.MustPanic(t, func() { forward(&ops.Exp[float64]{}, x, x) }, "ops: Exp takes 1 input(s), got 2")
	testutil.MustPanic(t, func() { forward(&ops.Log[float64]{}) }, "ops: Log takes 1 input(s), got 0")
	testutil.MustPanic(t, func() { forward(&ops.Sqrt[float64]{}, x, x) }, "ops: Sqrt takes 1 input(s), got 2")
	testutil.MustPanic(t, func() { forward(&ops.Pow[float64]{P: 2}, x, x) }, "ops: Pow takes 1 input(s), got 2")
}

func TestElementwiseFloat32(t *testing.T) {
	r := rng(13)
	x, p := randn(r, 3, 4), randPos(r, 0.2, 3, 3, 4)
	x32, p32 := to32(x), to32(p)
	assert32(t, "Exp", forward(&ops.Exp[float32]{}, x32), forward(&ops.Exp[float64]{}, x))
	assert32(t, "Log", forward(&ops.Log[float32]{}, p32), forward(&ops.Log[float64]{}, p))
	assert32(t, "Sqrt", forward(&ops.Sqrt[float32]{}, p32), forward(&ops.Sqrt[float64]{}, p))
	for _, e := range []float64{2, 3, 0.5, -1, -2.5, 1, 0} {
		assert32(t, fmt.Sprintf("Pow(%g)", e), forward(&ops.Pow[float32]{P: float32(e)}, p32), forward(&ops.Pow[float64]{P: e}, p))
	}
}
