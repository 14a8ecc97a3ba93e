package ops_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// binaryOps are the broadcasting binary ops under test.
var binaryOps = []struct {
	name string
	mk   func() autograd.Op[float64]
}{
	{"Add", func() autograd.Op[float64] { return &ops.Add[float64]{} }},
	{"Sub", func() autograd.Op[float64] { return &ops.Sub[float64]{} }},
	{"Mul", func() autograd.Op[float64] { return &ops.Mul[float64]{} }},
	{"Div", func() autograd.Op[float64] { return &ops.Div[float64]{} }},
}

// broadcastPairs broadcast in both directions, with size-1 dims, scalars
// and batch 1.
var broadcastPairs = [][2][]int{
	{{2, 3}, {2, 3}},
	{{3, 1}, {1, 4}},
	{{1, 4}, {3, 1}},
	{{2, 3, 4}, {4}},
	{{4}, {2, 3, 4}},
	{{2, 3, 4}, {3, 1}},
	{{}, {2, 3}},
	{{2, 3}, {}},
	{{1}, {5}},
	{{5}, {1}},
	{{1, 3}, {2, 1, 3}},
	{{1, 1}, {1}},
	{{}, {}},
}

func TestBinaryGradCheck(t *testing.T) {
	r := rng(1)
	for _, op := range binaryOps {
		for _, p := range broadcastPairs {
			a := randn(r, p[0]...)
			b := randn(r, p[1]...)
			if op.name == "Div" {
				b = randAway(r, 0.5, p[1]...) // denominators in ±[0.5, 2.5)
			}
			checkGrad(t, op.name+" "+shapeName(p[0], p[1]), binary(op.mk), a, b)
		}
	}
}

// TestBinaryBroadcastGrad pins the gradients of (3,1) ∘ (1,4) with an all-ones
// output gradient: the engine sums them back to each operand's shape.
func TestBinaryBroadcastGrad(t *testing.T) {
	a := vec([]float64{1, 2, 4}, 3, 1)
	b := vec([]float64{1, -2, 0.5, 4}, 1, 4)
	// Σ_j b_j = 3.5; Σ_j 1/b_j = 1 − 0.5 + 2 + 0.25 = 2.75; Σ_i a_i = 7.
	cases := []struct {
		name   string
		op     autograd.Op[float64]
		y      []float64
		da, db []float64
	}{
		{"Add", &ops.Add[float64]{},
			[]float64{2, -1, 1.5, 5, 3, 0, 2.5, 6, 5, 2, 4.5, 8},
			[]float64{4, 4, 4}, []float64{3, 3, 3, 3}},
		{"Sub", &ops.Sub[float64]{},
			[]float64{0, 3, 0.5, -3, 1, 4, 1.5, -2, 3, 6, 3.5, 0},
			[]float64{4, 4, 4}, []float64{-3, -3, -3, -3}},
		{"Mul", &ops.Mul[float64]{},
			[]float64{1, -2, 0.5, 4, 2, -4, 1, 8, 4, -8, 2, 16},
			[]float64{3.5, 3.5, 3.5}, []float64{7, 7, 7, 7}},
		// db_j = −Σ_i a_i / b_j² = −7 / b_j².
		{"Div", &ops.Div[float64]{},
			[]float64{1, -0.5, 2, 0.25, 2, -1, 4, 0.5, 4, -2, 8, 1},
			[]float64{2.75, 2.75, 2.75}, []float64{-7, -1.75, -28, -7.0 / 16}},
	}
	for _, c := range cases {
		y, g := backward(t, c.op, nil, a, b)
		assertTensor(t, c.name+" y", y, []int{3, 4}, c.y, 1e-12)
		assertTensor(t, c.name+" da", g[0], []int{3, 1}, c.da, 1e-12)
		assertTensor(t, c.name+" db", g[1], []int{1, 4}, c.db, 1e-12)
	}
}

// TestBinaryOneInputNeedsGrad differentiates with respect to one operand
// only: the other is a plain input and gets no gradient.
func TestBinaryOneInputNeedsGrad(t *testing.T) {
	tape := autograd.NewTape[float64]()
	a := tape.Input(vec([]float64{6, -3}))
	b := tape.Param(vec([]float64{2}))
	tape.Backward(autograd.Apply(&ops.Sum[float64]{}, autograd.Apply(&ops.Div[float64]{}, a, b)))
	if a.Grad() != nil {
		t.Errorf("input a got gradient %v, want none", a.Grad())
	}
	// d/db Σ a_i/b = −Σ a_i / b² = −3/4.
	assertTensor(t, "db", b.Grad(), []int{1}, []float64{-0.75}, 1e-12)
}

func TestUnaryArithGradCheck(t *testing.T) {
	r := rng(2)
	mks := []struct {
		name string
		mk   func() autograd.Op[float64]
	}{
		{"Neg", func() autograd.Op[float64] { return &ops.Neg[float64]{} }},
		{"Scale(2.5)", func() autograd.Op[float64] { return &ops.Scale[float64]{C: 2.5} }},
		{"Scale(-0.5)", func() autograd.Op[float64] { return &ops.Scale[float64]{C: -0.5} }},
		{"AddScalar(3)", func() autograd.Op[float64] { return &ops.AddScalar[float64]{C: 3} }},
	}
	for _, m := range mks {
		for _, s := range [][]int{{}, {1}, {5}, {2, 1, 4}} {
			checkGrad(t, m.name+" "+shapeName(s), unary(m.mk), randn(r, s...))
		}
	}
}

func TestUnaryArithValues(t *testing.T) {
	x := vec([]float64{1, -2, 0.5}, 3, 1)
	seed := vec([]float64{1, 2, 3}, 3, 1)
	cases := []struct {
		name  string
		op    autograd.Op[float64]
		y, dx []float64
	}{
		{"Neg", &ops.Neg[float64]{}, []float64{-1, 2, -0.5}, []float64{-1, -2, -3}},
		{"Scale", &ops.Scale[float64]{C: -3}, []float64{-3, 6, -1.5}, []float64{-3, -6, -9}},
		{"Scale0", &ops.Scale[float64]{C: 0}, []float64{0, 0, 0}, []float64{0, 0, 0}},
		{"AddScalar", &ops.AddScalar[float64]{C: 0.25}, []float64{1.25, -1.75, 0.75}, []float64{1, 2, 3}},
	}
	for _, c := range cases {
		y, g := backward(t, c.op, seed, x)
		assertTensor(t, c.name+" y", y, []int{3, 1}, c.y, 1e-12)
		assertTensor(t, c.name+" dx", g[0], []int{3, 1}, c.dx, 1e-12)
	}
}

func TestArithPanics(t *testing.T) {
	x := tensor.New[float64](2, 3)
	testutil.MustPanic(t, func() { forward(&ops.Add[float64]{}, x) }, "ops: Add takes 2 input(s), got 1")
	testutil.MustPanic(t, func() { forward(&ops.Div[float64]{}, x, x, x) }, "ops: Div takes 2 input(s), got 3")
	testutil.MustPanic(t, func() { forward(&ops.Neg[float64]{}, x, x) }, "ops: Neg takes 1 input(s), got 2")
	testutil.MustPanic(t, func() { forward(&ops.Scale[float64]{C: 2}) }, "ops: Scale takes 1 input(s), got 0")
	testutil.MustPanic(t, func() { forward(&ops.AddScalar[float64]{}, x, x) }, "ops: AddScalar takes 1 input(s), got 2")
	y := tensor.New[float64](4)
	for _, op := range binaryOps {
		testutil.MustPanic(t, func() { forward(op.mk(), x, y) },
			"ops: "+op.name+": shapes [2 3] and [4] cannot be broadcast together")
	}
}

func TestArithSaved(t *testing.T) {
	a := tensor.New[float64](2, 3) // 48 bytes
	b := tensor.New[float64](3)    // 24 bytes
	cases := []struct {
		name string
		op   autograd.Op[float64]
		in   []t64
		want int
	}{
		{"Add keeps nothing", &ops.Add[float64]{}, []t64{a, b}, 0},
		{"Sub keeps nothing", &ops.Sub[float64]{}, []t64{a, b}, 0},
		{"Mul keeps both inputs", &ops.Mul[float64]{}, []t64{a, b}, 72},
		{"Mul(x, x) keeps x once", &ops.Mul[float64]{}, []t64{a, a}, 48},
		{"Div keeps both inputs", &ops.Div[float64]{}, []t64{a, b}, 72},
		{"Neg keeps nothing", &ops.Neg[float64]{}, []t64{a}, 0},
		{"Scale keeps nothing", &ops.Scale[float64]{C: 2}, []t64{a}, 0},
		{"AddScalar keeps nothing", &ops.AddScalar[float64]{C: 2}, []t64{a}, 0},
	}
	for _, c := range cases {
		if got := savedBytes(c.op, c.in...); got != c.want {
			t.Errorf("%s: SavedBytes = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestArithFloat32(t *testing.T) {
	r := rng(3)
	a, b := randn(r, 2, 3, 4), randAway(r, 0.5, 3, 1)
	a32, b32 := to32(a), to32(b)
	assert32(t, "Add", forward(&ops.Add[float32]{}, a32, b32), forward(&ops.Add[float64]{}, a, b))
	assert32(t, "Sub", forward(&ops.Sub[float32]{}, a32, b32), forward(&ops.Sub[float64]{}, a, b))
	assert32(t, "Mul", forward(&ops.Mul[float32]{}, a32, b32), forward(&ops.Mul[float64]{}, a, b))
	assert32(t, "Div", forward(&ops.Div[float32]{}, a32, b32), forward(&ops.Div[float64]{}, a, b))
	assert32(t, "Neg", forward(&ops.Neg[float32]{}, a32), forward(&ops.Neg[float64]{}, a))
	assert32(t, "Scale", forward(&ops.Scale[float32]{C: 1.5}, a32), forward(&ops.Scale[float64]{C: 1.5}, a))
	assert32(t, "AddScalar", forward(&ops.AddScalar[float32]{C: -2}, a32), forward(&ops.AddScalar[float64]{C: -2}, a))
}
