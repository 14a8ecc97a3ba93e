package ops_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestShapePanicReasons pins the whole message of the ops' shape panics:
// each names the op once and says why, in tensor's shape-inference words,
// with no "tensor:" message passed through.
func TestShapePanicReasons(t *testing.T) {
	x := tensor.New[float64](2, 3)
	mm := func(a, b []int, tA, tB bool) func() {
		return func() {
			forward(&ops.MatMul[float64]{TransA: tA, TransB: tB}, tensor.New[float64](a...), tensor.New[float64](b...))
		}
	}
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"Reshape{-1,-1}", func() { forward(&ops.Reshape[float64]{Shape: []int{-1, -1}}, x) },
			"ops: Reshape: cannot reshape [2 3] into [-1 -1]: at most one dimension may be -1"},
		{"Reshape{4,2}", func() { forward(&ops.Reshape[float64]{Shape: []int{4, 2}}, x) },
			"ops: Reshape: cannot reshape [2 3] into [4 2]: element counts 6 and 8 differ"},
		{"Reshape{-1,4}", func() { forward(&ops.Reshape[float64]{Shape: []int{-1, 4}}, x) },
			"ops: Reshape: cannot reshape [2 3] into [-1 4]: 6 is not a multiple of 4"},
		{"Reshape{3,-2}", func() { forward(&ops.Reshape[float64]{Shape: []int{3, -2}}, x) },
			"ops: Reshape: cannot reshape [2 3] into [3 -2]: negative dimension -2"},
		{"Reshape{0,-1}", func() { forward(&ops.Reshape[float64]{Shape: []int{0, -1}}, tensor.New[float64](0, 3)) },
			"ops: Reshape: cannot reshape [0 3] into [0 -1]: -1 is ambiguous beside a dimension of size 0"},
		{"MatMul inner", mm([]int{3, 4}, []int{5, 2}, false, false),
			"ops: MatMul: cannot multiply shapes [3 4] and [5 2]: inner dimensions 4 and 5 differ"},
		{"MatMul inner TransB", mm([]int{3, 4}, []int{4, 2}, false, true),
			"ops: MatMul: cannot multiply shapes [3 4] and [4 2] with TransB: inner dimensions 4 and 2 differ"},
		{"MatMul vector ignores TransA", mm([]int{4}, []int{4, 2}, true, true),
			"ops: MatMul: cannot multiply shapes [4] and [4 2] with TransB: inner dimensions 4 and 2 differ"},
		{"MatMul batch", mm([]int{2, 3, 4}, []int{3, 4, 5}, false, false),
			"ops: MatMul: cannot multiply shapes [2 3 4] and [3 4 5]: batch dimensions [2] and [3] do not broadcast"},
		{"MatMul 0-d", mm([]int{}, []int{3}, false, false),
			"ops: MatMul: cannot multiply shapes [] and [3]: both operands need at least 1 dimension"},
		{"Add", func() { forward(&ops.Add[float64]{}, x, tensor.New[float64](4)) },
			"ops: Add: shapes [2 3] and [4] cannot be broadcast together: sizes 3 and 4 at axis -1 differ and neither is 1"},
		{"Mul", func() { forward(&ops.Mul[float64]{}, tensor.New[float64](2, 1), tensor.New[float64](8, 4, 3)) },
			"ops: Mul: shapes [2 1] and [8 4 3] cannot be broadcast together: sizes 2 and 4 at axis -2 differ and neither is 1"},
	} {
		if got, panicked := testutil.PanicMessage(c.f); !panicked || got != c.want {
			t.Errorf("%s: panic %q (panicked %t), want %q", c.name, got, panicked, c.want)
		}
	}
}

// TestMatMulShapeAgrees checks that MatMul's outputs have the shapes
// tensor.MatMulShape infers, for vectors, matrices and broadcast stacks.
func TestMatMulShapeAgrees(t *testing.T) {
	for _, c := range []struct {
		a, b   []int
		tA, tB bool
		want   []int
	}{
		{[]int{3}, []int{3}, false, false, []int{}},
		{[]int{2, 3}, []int{3}, false, false, []int{2}},
		{[]int{3}, []int{4, 3}, true, true, []int{4}},
		{[]int{5, 1, 3, 2}, []int{4, 4, 3}, true, true, []int{5, 4, 2, 4}},
		{[]int{3}, []int{2, 3, 4}, false, false, []int{2, 4}},
	} {
		got, err := tensor.MatMulShape(c.a, c.b, c.tA, c.tB)
		if err != nil || !tensor.EqualShapes(got, c.want) {
			t.Errorf("MatMulShape(%v, %v, %t, %t) = %v, %v; want %v", c.a, c.b, c.tA, c.tB, got, err, c.want)
		}
		a, b := autograd.NewConst(tensor.New[float64](c.a...)), autograd.NewConst(tensor.New[float64](c.b...))
		y := autograd.Apply[float64](&ops.MatMul[float64]{TransA: c.tA, TransB: c.tB}, a, b)
		if !tensor.EqualShapes(y.Shape(), c.want) {
			t.Errorf("MatMul %v·%v (%t, %t): shape %v, want %v", c.a, c.b, c.tA, c.tB, y.Shape(), c.want)
		}
	}
}
