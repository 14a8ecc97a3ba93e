package ops_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// reductions cover ranks 1 to 4, size-1 dims, all axes (nil), one axis,
// several non-adjacent axes, negative and unsorted axes. out is the result's
// shape without KeepDims.
var reductions = []struct {
	shape, axes, out []int
}{
	{[]int{5}, nil, []int{}},
	{[]int{5}, []int{0}, []int{}},
	{[]int{5}, []int{-1}, []int{}},
	{[]int{1}, nil, []int{}},
	{[]int{3, 4}, []int{0}, []int{4}},
	{[]int{3, 4}, []int{-1}, []int{3}},
	{[]int{3, 4}, []int{1, 0}, []int{}},
	{[]int{2, 1, 3}, []int{1}, []int{2, 3}},
	{[]int{2, 1, 3}, []int{0, 2}, []int{1}},
	{[]int{2, 1, 3}, []int{-3, -1}, []int{1}},
	{[]int{1, 3, 1}, nil, []int{}},
	{[]int{2, 3, 1, 4}, []int{0, 2}, []int{3, 4}},
	{[]int{2, 3, 1, 4}, []int{3, 1}, []int{2, 1}},
	{[]int{2, 3, 1, 4}, []int{0, -1}, []int{3, 1}},
	{[]int{2, 3, 1, 4}, []int{-2}, []int{2, 3, 4}},
	{[]int{2, 3, 1, 4}, []int{0, 1, 2, 3}, []int{}},
	{[]int{1, 2, 3, 2}, []int{0, 1, 3}, []int{3}},
}

// keptShape is shape with the given axes set to 1 (all axes when none).
func keptShape(shape, axes []int) []int {
	out := append([]int(nil), shape...)
	if len(axes) == 0 {
		for i := range out {
			out[i] = 1
		}
	}
	for _, a := range axes {
		out[tensor.NormAxis(a, len(shape))] = 1
	}
	return out
}

func TestSumMeanGradCheck(t *testing.T) {
	r := rng(30)
	for _, c := range reductions {
		for _, keep := range []bool{false, true} {
			x := randn(r, c.shape...)
			want := c.out
			if keep {
				want = keptShape(c.shape, c.axes)
			}
			name := fmt.Sprintf("%v axes %v keep=%t", c.shape, c.axes, keep)
			sum := func() autograd.Op[float64] { return &ops.Sum[float64]{Axes: c.axes, KeepDims: keep} }
			mean := func() autograd.Op[float64] { return &ops.Mean[float64]{Axes: c.axes, KeepDims: keep} }
			if got := forward(sum(), x).Shape(); !tensor.EqualShapes(got, want) {
				t.Errorf("Sum %s: shape %v, want %v", name, got, want)
			}
			if got := forward(mean(), x).Shape(); !tensor.EqualShapes(got, want) {
				t.Errorf("Mean %s: shape %v, want %v", name, got, want)
			}
			checkGrad(t, "Sum "+name, unary(sum), x)
			checkGrad(t, "Mean "+name, unary(mean), x)
		}
	}
}

func TestSumMeanValues(t *testing.T) {
	x := vec([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	seed := vec([]float64{1, 2})
	y, g := backward(t, &ops.Sum[float64]{Axes: []int{-1}}, seed, x)
	assertTensor(t, "Sum axis -1", y, []int{2}, []float64{6, 15}, 1e-15)
	assertTensor(t, "Sum axis -1 dx", g[0], []int{2, 3}, []float64{1, 1, 1, 2, 2, 2}, 1e-15)

	y, g = backward(t, &ops.Mean[float64]{Axes: []int{1}, KeepDims: true}, vec([]float64{3, 6}, 2, 1), x)
	assertTensor(t, "Mean axis 1", y, []int{2, 1}, []float64{2, 5}, 1e-15)
	assertTensor(t, "Mean axis 1 dx", g[0], []int{2, 3}, []float64{1, 1, 1, 2, 2, 2}, 1e-15)

	y, g = backward(t, &ops.Mean[float64]{Axes: []int{0}}, vec([]float64{2, 4, 6}), x)
	assertTensor(t, "Mean axis 0", y, []int{3}, []float64{2.5, 3.5, 4.5}, 1e-15)
	assertTensor(t, "Mean axis 0 dx", g[0], []int{2, 3}, []float64{1, 2, 3, 1, 2, 3}, 1e-15)

	y, g = backward(t, &ops.Sum[float64]{}, tensor.Scalar(2.0), x)
	assertTensor(t, "Sum all", y, []int{}, []float64{21}, 1e-15)
	assertTensor(t, "Sum all dx", g[0], []int{2, 3}, []float64{2, 2, 2, 2, 2, 2}, 1e-15)

	y, g = backward(t, &ops.Mean[float64]{}, tensor.Scalar(3.0), x)
	assertTensor(t, "Mean all", y, []int{}, []float64{3.5}, 1e-15)
	assertTensor(t, "Mean all dx", g[0], []int{2, 3}, []float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, 1e-15)

	// Mean over axes 0 and 2 of 2×2×3 averages 6 values into each output.
	x3 := tensor.Arange[float64](0, 12, 1).Reshape(2, 2, 3)
	y, g = backward(t, &ops.Mean[float64]{Axes: []int{0, 2}}, vec([]float64{6, 12}), x3)
	assertTensor(t, "Mean axes 0,2", y, []int{2}, []float64{4, 7}, 1e-15)
	assertTensor(t, "Mean axes 0,2 dx", g[0], []int{2, 2, 3}, []float64{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2}, 1e-15)
}

func TestMaxGradCheck(t *testing.T) {
	r := rng(31)
	shapes := [][]int{{2, 3, 4}, {1, 3, 1}, {4}, {3, 1}}
	for _, s := range shapes {
		for axis := -1; axis < len(s); axis++ {
			for _, keep := range []bool{false, true} {
				mk := func() autograd.Op[float64] { return &ops.Max[float64]{Axis: axis, KeepDims: keep} }
				x := randDistinct(r, s...)
				want := tensor.ReducedShape(s, keep, axis)
				if got := forward(mk(), x).Shape(); !tensor.EqualShapes(got, want) {
					t.Errorf("Max %v axis %d keep=%t: shape %v, want %v", s, axis, keep, got, want)
				}
				checkGrad(t, fmt.Sprintf("Max %v axis %d keep=%t", s, axis, keep), unary(mk), x)
			}
		}
	}
}

func TestMaxValues(t *testing.T) {
	x := vec([]float64{
		1, 9, 2, 0,
		7, 3, 8, -1,
		-5, -2, -4, -3,
	}, 3, 4)
	y, g := backward(t, &ops.Max[float64]{Axis: 1}, vec([]float64{10, 20, 30}), x)
	assertTensor(t, "Max axis 1", y, []int{3}, []float64{9, 8, -2}, 0)
	assertTensor(t, "Max axis 1 dx", g[0], []int{3, 4}, []float64{0, 10, 0, 0, 0, 0, 20, 0, 0, 30, 0, 0}, 0)

	y, g = backward(t, &ops.Max[float64]{Axis: 0, KeepDims: true}, vec([]float64{1, 2, 3, 4}, 1, 4), x)
	assertTensor(t, "Max axis 0", y, []int{1, 4}, []float64{7, 9, 8, 0}, 0)
	assertTensor(t, "Max axis 0 dx", g[0], []int{3, 4}, []float64{0, 2, 0, 4, 1, 0, 3, 0, 0, 0, 0, 0}, 0)
}

// TestMaxTies: on ties the whole gradient goes to the first maximum, as in
// PyTorch's max(dim).
func TestMaxTies(t *testing.T) {
	x := vec([]float64{
		1, 3, 3, 0,
		2, 2, 2, 2,
	}, 2, 4)
	_, g := backward(t, &ops.Max[float64]{Axis: 1}, vec([]float64{5, 7}), x)
	assertTensor(t, "ties along rows", g[0], []int{2, 4}, []float64{0, 5, 0, 0, 7, 0, 0, 0}, 0)

	x = vec([]float64{5, 1, 5, 2, 5, 2}, 3, 2)
	_, g = backward(t, &ops.Max[float64]{Axis: -2}, vec([]float64{5, 7}), x)
	assertTensor(t, "ties along columns", g[0], []int{3, 2}, []float64{5, 0, 0, 7, 0, 0}, 0)
}

// TestReduceSaved: Sum and Mean keep no tensor; Max keeps one int per output
// and no tensor.
func TestReduceSaved(t *testing.T) {
	x := randDistinct(rng(32), 2, 3, 4)
	if got := savedBytes(&ops.Sum[float64]{Axes: []int{1}}, x); got != 0 {
		t.Errorf("Sum: SavedBytes = %d, want 0", got)
	}
	if got := savedBytes(&ops.Mean[float64]{}, x); got != 0 {
		t.Errorf("Mean: SavedBytes = %d, want 0", got)
	}
	word := strconv.IntSize / 8
	for _, c := range []struct{ axis, outputs int }{{0, 12}, {1, 8}, {2, 6}} {
		op := &ops.Max[float64]{Axis: c.axis}
		if got := savedBytes(op, x); got != c.outputs*word {
			t.Errorf("Max axis %d: SavedBytes = %d, want %d", c.axis, got, c.outputs*word)
		}
		if got := op.ExtraSavedBytes(); got != c.outputs*word {
			t.Errorf("Max axis %d: ExtraSavedBytes = %d, want %d", c.axis, got, c.outputs*word)
		}
		if len(op.Saved()) != 0 {
			t.Errorf("Max axis %d keeps %d tensors, want none", c.axis, len(op.Saved()))
		}
	}
}

func TestReducePanics(t *testing.T) {
	x := tensor.New[float64](2, 3)
	mustPanic(t, "ops: Sum takes 1 input(s), got 2", func() { forward(&ops.Sum[float64]{}, x, x) })
	mustPanic(t, "ops: Mean takes 1 input(s), got 0", func() { forward(&ops.Mean[float64]{}) })
	mustPanic(t, "ops: Max takes 1 input(s), got 2", func() { forward(&ops.Max[float64]{}, x, x) })
	mustPanic(t, "", func() { forward(&ops.Sum[float64]{Axes: []int{2}}, x) })
	mustPanic(t, "", func() { forward(&ops.Sum[float64]{Axes: []int{1, -1}}, x) })
	mustPanic(t, "", func() { forward(&ops.Max[float64]{Axis: -3}, x) })
	mustPanic(t, "", func() { forward(&ops.Max[float64]{Axis: 1}, tensor.New[float64](2, 0)) })
}

func TestReduceFloat32(t *testing.T) {
	x := randn(rng(33), 2, 3, 4)
	x32 := to32(x)
	for _, axes := range [][]int{nil, {1}, {0, 2}} {
		name := fmt.Sprint(axes)
		assert32(t, "Sum "+name, forward(&ops.Sum[float32]{Axes: axes}, x32), forward(&ops.Sum[float64]{Axes: axes}, x))
		assert32(t, "Mean "+name, forward(&ops.Mean[float32]{Axes: axes, KeepDims: true}, x32),
			forward(&ops.Mean[float64]{Axes: axes, KeepDims: true}, x))
	}
	for axis := range 3 {
		assert32(t, fmt.Sprint("Max ", axis), forward(&ops.Max[float32]{Axis: axis}, x32), forward(&ops.Max[float64]{Axis: axis}, x))
	}
}
