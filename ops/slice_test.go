package ops_test

import (
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// iota64 is 0, 1, 2, … in the given shape.
func iota64(shape ...int) t64 {
	x := tensor.New[float64](shape...)
	for i := range x.Data() {
		x.Data()[i] = float64(i)
	}
	return x
}

// TestSliceValues pins Slice's output to Python's slicing rules on a
// tensor holding its own flat indices, and its gradient to dy placed at
// the picked positions.
func TestSliceValues(t *testing.T) {
	for _, c := range []struct {
		name   string
		x      []int
		ranges []ops.Range
		shape  []int
		want   []float64
	}{
		{"1:3,::2", []int{4, 5}, []ops.Range{{1, 3, 1}, {0, ops.End, 2}}, []int{2, 3}, []float64{5, 7, 9, 10, 12, 14}},
		{"-2:", []int{3, 2}, []ops.Range{{-2, ops.End, 1}}, []int{2, 2}, []float64{2, 3, 4, 5}},
		{"-10:10", []int{3}, []ops.Range{{-10, 10, 1}}, []int{3}, []float64{0, 1, 2}},
		{"-4:-1:2", []int{5}, []ops.Range{{-4, -1, 2}}, []int{2}, []float64{1, 3}},
		{"2:1 (empty)", []int{3, 2}, []ops.Range{{2, 1, 1}}, []int{0, 2}, nil},
		{"5: (past the end)", []int{2, 3}, []ops.Range{{5, ops.End, 1}}, []int{0, 3}, nil},
		{":,1:-1:5", []int{2, 4}, []ops.Range{{0, ops.End, 1}, {1, -1, 5}}, []int{2, 1}, []float64{1, 5}},
		{"MinInt:MaxInt", []int{2}, []ops.Range{{-1 << 63, 1<<63 - 1, 1 << 62}}, []int{1}, []float64{0}},
		{"middle axis step 3", []int{1, 7, 2}, []ops.Range{{0, ops.End, 1}, {1, ops.End, 3}}, []int{1, 2, 2}, []float64{2, 3, 8, 9}},
		{"0-d", []int{}, nil, []int{}, []float64{0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := iota64(c.x...)
			seed := iota64(c.shape...)
			for i := range seed.Data() {
				seed.Data()[i] += 100
			}
			y, gs := backward(t, &ops.Slice[float64]{Ranges: c.ranges}, seed, x)
			assertTensor(t, "output", y, c.shape, c.want, 0)
			// The gradient is 100+k at the position the k-th output read, 0 elsewhere.
			want := make([]float64, x.Size())
			for k, v := range c.want {
				want[int(v)] = 100 + float64(k)
			}
			assertTensor(t, "gradient", gs[0], c.x, want, 0)
		})
	}
}

// TestSlicePanics checks the messages of the settings the op table cannot
// give: steps below 1.
func TestSlicePanics(t *testing.T) {
	x := tensor.New[float64](2, 3)
	testutil.MustPanic(t, func() { forward(&ops.Slice[float64]{Ranges: []ops.Range{{0, 1, 1}, {0, 2, 0}}}, x) },
		"ops: Slice: step 0 of axis 1 must be at least 1", "[2 3]")
	testutil.MustPanic(t, func() { forward(&ops.Slice[float64]{Ranges: []ops.Range{{0, 1, -1}}}, x) },
		"ops: Slice: step -1 of axis 0 must be at least 1", "[2 3]")
	testutil.MustPanic(t, func() { forward(&ops.Slice[float64]{Ranges: []ops.Range{{}, {}, {}}}, x) },
		"ops: Slice: 3 ranges", "for a tensor of shape [2 3]: too many indices")
	testutil.MustPanic(t, func() {
		forward(&ops.SliceBackward[float64]{Ranges: []ops.Range{{0, 1, 0}}, Shape: []int{2}}, tensor.New[float64](1))
	}, "ops: SliceBackward: step 0 of axis 0")
	testutil.MustPanic(t, func() {
		forward(&ops.SliceBackward[float64]{Shape: []int{2, -1}}, tensor.New[float64](2, 1))
	}, "ops: SliceBackward: Shape [2 -1] has a negative size")
	testutil.MustPanic(t, func() {
		forward(&ops.SliceBackward[float64]{Ranges: []ops.Range{{0, ops.End, 2}}, Shape: []int{5}}, tensor.New[float64](2))
	}, "ops: SliceBackward: input of shape [2], want [3]", "[5]")
}

// TestSliceKeepsRanges checks that Slice and SliceBackward copy their
// settings in Forward: a caller reusing its slice of ranges between the
// forward and the backward pass changes nothing.
func TestSliceKeepsRanges(t *testing.T) {
	rs := []ops.Range{{1, 3, 1}}
	tape := autograd.NewTape[float64]()
	x := tape.Param(iota64(4))
	y := autograd.Apply[float64](&ops.Slice[float64]{Ranges: rs}, x)
	rs[0] = ops.Range{0, 1, 1}
	tape.BackwardWithGrad(y, tensor.FromSlice([]float64{1, 2}, 2))
	assertTensor(t, "gradient", x.Grad(), []int{4}, []float64{0, 1, 2, 0}, 0)
}

// TestSliceBackwardVarPairs checks that the differentiable backward passes
// of Slice and SliceBackward are each other: a second-order pass records
// the adjoint op.
func TestSliceBackwardVarPairs(t *testing.T) {
	for _, c := range []struct {
		op   autograd.Op[float64]
		in   t64
		want string
	}{
		{&ops.Slice[float64]{Ranges: []ops.Range{{1, ops.End, 2}}}, iota64(5), "SliceBackward"},
		{&ops.SliceBackward[float64]{Ranges: []ops.Range{{1, ops.End, 2}}, Shape: []int{5}}, iota64(2), "Slice"},
	} {
		tape := autograd.NewTape[float64]()
		x := tape.Param(c.in)
		y := autograd.Apply(c.op, x)
		g := tape.Param(tensor.Ones[float64](y.Shape()...))
		gs := tape.Grad([]*autograd.Var[float64]{y}, []*autograd.Var[float64]{x},
			autograd.GradOptions[float64]{GradOutputs: []*autograd.Var[float64]{g}, CreateGraph: true})
		if !recordsLast(t, tape, c.want) || !tensor.EqualShapes(gs[0].Shape(), c.in.Shape()) {
			t.Errorf("%s: the second-order pass does not end with %s giving shape %v", c.op.Name(), c.want, c.in.Shape())
		}
	}
}

// recordsLast reports whether the last node of tape is an op named name.
func recordsLast(t *testing.T, tape *autograd.Tape[float64], name string) bool {
	t.Helper()
	var b strings.Builder
	if err := tape.WriteListing(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	f := strings.Fields(lines[len(lines)-1])
	return len(f) > 1 && f[1] == name
}
