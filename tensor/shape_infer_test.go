package tensor

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// checkShapeResult fails t unless a shape function returned want and no
// error, or, with want nil, the error msg whose Reason is reason.
func checkShapeResult(t *testing.T, call string, got []int, err error, want []int, msg, reason string) {
	t.Helper()
	if want != nil {
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s = %v, %v; want %v, nil", call, got, err, want)
		}
		return
	}
	var se *ShapeError
	if !errors.As(err, &se) {
		t.Errorf("%s = %v, %v; want a *ShapeError %q", call, got, err, msg)
		return
	}
	if got != nil || se.Error() != msg || se.Reason != reason {
		t.Errorf("%s = %v, error %q (reason %q); want nil, %q (reason %q)", call, got, se.Error(), se.Reason, msg, reason)
	}
}

func TestReshapeShape(t *testing.T) {
	for _, c := range []struct {
		from, shape, want []int
		msg, reason       string
	}{
		{from: []int{2, 3}, shape: []int{3, 2}, want: []int{3, 2}},
		{from: []int{2, 3}, shape: []int{6}, want: []int{6}},
		{from: []int{2, 3}, shape: []int{-1}, want: []int{6}},
		{from: []int{2, 3}, shape: []int{3, -1}, want: []int{3, 2}},
		{from: []int{2, 3}, shape: []int{-1, 1, 2}, want: []int{3, 1, 2}},
		{from: []int{1}, shape: []int{}, want: []int{}},
		{from: []int{}, shape: []int{1, -1}, want: []int{1, 1}},
		{from: []int{}, shape: []int{-1}, want: []int{1}},
		{from: []int{0, 3}, shape: []int{3, 0}, want: []int{3, 0}},
		{from: []int{0, 3}, shape: []int{-1, 3}, want: []int{0, 3}},
		{from: []int{0, 3}, shape: []int{0}, want: []int{0}},
		{from: []int{2, 3}, shape: []int{-1, -1},
			msg:    "tensor: cannot reshape [2 3] (6 elements) into [-1 -1]: at most one dimension may be -1",
			reason: "at most one dimension may be -1"},
		{from: []int{2, 3}, shape: []int{4},
			msg:    "tensor: cannot reshape [2 3] (6 elements) into [4]: element counts 6 and 4 differ",
			reason: "element counts 6 and 4 differ"},
		{from: []int{2, 3}, shape: []int{},
			msg:    "tensor: cannot reshape [2 3] (6 elements) into []: element counts 6 and 1 differ",
			reason: "element counts 6 and 1 differ"},
		{from: []int{2, 3}, shape: []int{-1, 4},
			msg:    "tensor: cannot reshape [2 3] (6 elements) into [-1 4]: 6 is not a multiple of 4",
			reason: "6 is not a multiple of 4"},
		{from: []int{2, 3}, shape: []int{2, -2},
			msg:    "tensor: cannot reshape [2 3] (6 elements) into [2 -2]: negative dimension -2",
			reason: "negative dimension -2"},
		{from: []int{2, 3}, shape: []int{-3, -1},
			msg:    "tensor: cannot reshape [2 3] (6 elements) into [-3 -1]: negative dimension -3",
			reason: "negative dimension -3"},
		{from: []int{0, 3}, shape: []int{0, -1},
			msg:    "tensor: cannot reshape [0 3] (0 elements) into [0 -1]: -1 is ambiguous beside a dimension of size 0",
			reason: "-1 is ambiguous beside a dimension of size 0"},
		{from: []int{2, 3}, shape: []int{0, -1},
			msg:    "tensor: cannot reshape [2 3] (6 elements) into [0 -1]: [0 -1] holds 0 elements whatever -1 is",
			reason: "[0 -1] holds 0 elements whatever -1 is"},
		{from: []int{2, -3}, shape: []int{6},
			msg:    "tensor: negative dimension in shape [2 -3]",
			reason: "negative dimension in shape [2 -3]"},
	} {
		got, err := ReshapeShape(c.from, c.shape)
		checkShapeResult(t, "ReshapeShape("+fmt.Sprint(c.from)+", "+fmt.Sprint(c.shape)+")", got, err, c.want, c.msg, c.reason)
		if c.want == nil && !slices.ContainsFunc(c.from, func(d int) bool { return d < 0 }) {
			testutil.MustPanic(t, func() { New[float32](c.from...).Reshape(c.shape...) }, c.msg)
		}
	}
	// ReshapeShape neither changes its argument nor returns it.
	shape := []int{3, -1}
	got, _ := ReshapeShape([]int{2, 3}, shape)
	got[0] = 7
	if !slices.Equal(shape, []int{3, -1}) {
		t.Errorf("ReshapeShape changed or returned its argument: %v", shape)
	}
}

func TestMatMulShape(t *testing.T) {
	for _, c := range []struct {
		a, b           []int
		transA, transB bool
		want           []int
		msg, reason    string
	}{
		// torch.matmul's cases, by the operands' numbers of axes.
		{a: []int{3}, b: []int{3}, want: []int{}},
		{a: []int{2, 3}, b: []int{3}, want: []int{2}},
		{a: []int{3}, b: []int{3, 4}, want: []int{4}},
		{a: []int{5, 2, 3}, b: []int{3}, want: []int{5, 2}},
		{a: []int{3}, b: []int{5, 3, 4}, want: []int{5, 4}},
		{a: []int{2, 3}, b: []int{3, 4}, want: []int{2, 4}},
		{a: []int{5, 2, 3}, b: []int{3, 4}, want: []int{5, 2, 4}},
		{a: []int{2, 3}, b: []int{5, 3, 4}, want: []int{5, 2, 4}},
		{a: []int{5, 2, 3}, b: []int{5, 3, 4}, want: []int{5, 2, 4}},
		{a: []int{6, 1, 2, 3}, b: []int{5, 3, 4}, want: []int{6, 5, 2, 4}},
		{a: []int{1, 2, 3}, b: []int{7, 3, 4}, want: []int{7, 2, 4}},
		{a: []int{0, 2, 3}, b: []int{3, 4}, want: []int{0, 2, 4}},
		{a: []int{2, 0}, b: []int{0, 4}, want: []int{2, 4}},
		{a: []int{0}, b: []int{0}, want: []int{}},
		// Transposes: of the last two axes, ignored on a vector.
		{a: []int{3, 2}, b: []int{3, 4}, transA: true, want: []int{2, 4}},
		{a: []int{2, 3}, b: []int{4, 3}, transB: true, want: []int{2, 4}},
		{a: []int{3, 2}, b: []int{4, 3}, transA: true, transB: true, want: []int{2, 4}},
		{a: []int{5, 3, 2}, b: []int{1, 4, 3}, transA: true, transB: true, want: []int{5, 2, 4}},
		{a: []int{3}, b: []int{4, 3}, transA: true, transB: true, want: []int{4}},
		{a: []int{3}, b: []int{3}, transA: true, transB: true, want: []int{}},
		{a: []int{3, 2}, b: []int{3}, transA: true, want: []int{2}},
		// Errors.
		{a: []int{}, b: []int{3},
			msg:    "tensor: MatMul of [] and [3]: both operands need at least 1 dimension",
			reason: "both operands need at least 1 dimension"},
		{a: []int{3, 2}, b: []int{}, transB: true,
			msg:    "tensor: MatMul of [3 2] and []: both operands need at least 1 dimension",
			reason: "both operands need at least 1 dimension"},
		{a: []int{3, 4}, b: []int{5, 2},
			msg:    "tensor: MatMul of [3 4] and [5 2]: inner dimensions 4 and 5 differ",
			reason: "inner dimensions 4 and 5 differ"},
		{a: []int{3}, b: []int{4},
			msg:    "tensor: MatMul of [3] and [4]: inner dimensions 3 and 4 differ",
			reason: "inner dimensions 3 and 4 differ"},
		{a: []int{4}, b: []int{2, 3, 5},
			msg:    "tensor: MatMul of [4] and [2 3 5]: inner dimensions 4 and 3 differ",
			reason: "inner dimensions 4 and 3 differ"},
		{a: []int{2, 3, 4}, b: []int{3},
			msg:    "tensor: MatMul of [2 3 4] and [3]: inner dimensions 4 and 3 differ",
			reason: "inner dimensions 4 and 3 differ"},
		{a: []int{3, 4}, b: []int{4, 2}, transA: true,
			msg:    "tensor: MatMul of [3 4] and [4 2] with TransA: inner dimensions 3 and 4 differ",
			reason: "inner dimensions 3 and 4 differ"},
		{a: []int{3, 4}, b: []int{4, 2}, transB: true,
			msg:    "tensor: MatMul of [3 4] and [4 2] with TransB: inner dimensions 4 and 2 differ",
			reason: "inner dimensions 4 and 2 differ"},
		{a: []int{3, 4}, b: []int{4, 2}, transA: true, transB: true,
			msg:    "tensor: MatMul of [3 4] and [4 2] with TransA and TransB: inner dimensions 3 and 2 differ",
			reason: "inner dimensions 3 and 2 differ"},
		{a: []int{4}, b: []int{4, 2}, transA: true, transB: true,
			msg:    "tensor: MatMul of [4] and [4 2] with TransB: inner dimensions 4 and 2 differ",
			reason: "inner dimensions 4 and 2 differ"},
		{a: []int{2, 3, 4}, b: []int{3, 4, 5},
			msg:    "tensor: MatMul of [2 3 4] and [3 4 5]: batch dimensions [2] and [3] do not broadcast",
			reason: "batch dimensions [2] and [3] do not broadcast"},
		{a: []int{2, 1, 3, 4}, b: []int{3, 2, 4, 5},
			msg:    "tensor: MatMul of [2 1 3 4] and [3 2 4 5]: batch dimensions [2 1] and [3 2] do not broadcast",
			reason: "batch dimensions [2 1] and [3 2] do not broadcast"},
	} {
		got, err := MatMulShape(c.a, c.b, c.transA, c.transB)
		call := "MatMulShape(" + fmt.Sprint(c.a) + ", " + fmt.Sprint(c.b) + ", " + fmt.Sprint(c.transA) + ", " + fmt.Sprint(c.transB) + ")"
		checkShapeResult(t, call, got, err, c.want, c.msg, c.reason)
		// MatMulT, for operands of 2 or more axes, has these shapes and panics
		// with these messages.
		if len(c.a) < 2 || len(c.b) < 2 {
			continue
		}
		a, b := New[float64](c.a...), New[float64](c.b...)
		if c.want == nil {
			testutil.MustPanic(t, func() { MatMulT(a, c.transA, b, c.transB) }, c.msg)
		} else if y := MatMulT(a, c.transA, b, c.transB); !slices.Equal(y.Shape(), c.want) {
			t.Errorf("MatMulT: shape %v, want %v", y.Shape(), c.want)
		}
	}
}

func TestBroadcastShapesErrors(t *testing.T) {
	for _, c := range []struct {
		a, b        []int
		msg, reason string
	}{
		{[]int{3}, []int{4},
			"tensor: shapes [3] and [4] cannot be broadcast together: sizes 3 and 4 at axis -1 differ and neither is 1",
			"sizes 3 and 4 at axis -1 differ and neither is 1"},
		{[]int{2, 1}, []int{8, 4, 3},
			"tensor: shapes [2 1] and [8 4 3] cannot be broadcast together: sizes 2 and 4 at axis -2 differ and neither is 1",
			"sizes 2 and 4 at axis -2 differ and neither is 1"},
		{[]int{0}, []int{2},
			"tensor: shapes [0] and [2] cannot be broadcast together: sizes 0 and 2 at axis -1 differ and neither is 1",
			"sizes 0 and 2 at axis -1 differ and neither is 1"},
	} {
		got, err := BroadcastShapes(c.a, c.b)
		checkShapeResult(t, "BroadcastShapes("+fmt.Sprint(c.a)+", "+fmt.Sprint(c.b)+")", got, err, nil, c.msg, c.reason)
		testutil.MustPanic(t, func() { Add(New[float32](c.a...), New[float32](c.b...)) }, c.msg)
	}
}

func TestCheckAxis(t *testing.T) {
	for _, c := range []struct{ axis, dims, want int }{
		{0, 1, 0}, {-1, 1, 0}, {2, 3, 2}, {-1, 3, 2}, {-3, 3, 0}, {1, 4, 1},
	} {
		if got, err := CheckAxis(c.axis, c.dims); err != nil || got != c.want {
			t.Errorf("CheckAxis(%d, %d) = %d, %v; want %d, nil", c.axis, c.dims, got, err, c.want)
		}
	}
	for _, c := range []struct {
		axis, dims int
		msg        string
	}{
		{2, 2, "tensor: axis 2 out of range for a 2-d tensor"},
		{-3, 2, "tensor: axis -3 out of range for a 2-d tensor"},
		{0, 0, "tensor: axis 0 out of range for a 0-d tensor"},
		{-1, 0, "tensor: axis -1 out of range for a 0-d tensor"},
	} {
		got, err := CheckAxis(c.axis, c.dims)
		checkShapeResult(t, "CheckAxis("+fmt.Sprint(c.axis)+", "+fmt.Sprint(c.dims)+")", nil, err, nil, c.msg, c.msg[len("tensor: "):])
		if got != 0 {
			t.Errorf("CheckAxis(%d, %d) = %d with an error, want 0", c.axis, c.dims, got)
		}
		testutil.MustPanic(t, func() { NormAxis(c.axis, c.dims) }, c.msg)
	}
}

func TestCheckAxes(t *testing.T) {
	for _, c := range []struct {
		axes     []int
		dims     int
		want     []int
		msg, why string
	}{
		{nil, 3, []int{0, 1, 2}, "", ""},
		{[]int{}, 0, []int{}, "", ""},
		{[]int{-1, 0}, 3, []int{0, 2}, "", ""},
		{[]int{2, -2, 0}, 3, []int{0, 1, 2}, "", ""},
		{[]int{1, -1}, 2, nil, "tensor: axis 1 given twice", "axis 1 given twice"},
		{[]int{0, 3}, 3, nil, "tensor: axis 3 out of range for a 3-d tensor", "axis 3 out of range for a 3-d tensor"},
		{[]int{0}, 0, nil, "tensor: axis 0 out of range for a 0-d tensor", "axis 0 out of range for a 0-d tensor"},
	} {
		got, err := CheckAxes(c.axes, c.dims)
		checkShapeResult(t, "CheckAxes("+fmt.Sprint(c.axes)+", "+fmt.Sprint(c.dims)+")", got, err, c.want, c.msg, c.why)
	}
}
