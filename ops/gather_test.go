package ops_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

func TestGatherGradCheck(t *testing.T) {
	r := rng(70)
	cases := []struct {
		shape []int
		index []int
	}{
		{[]int{4, 3}, []int{0, 2, 1, 2}},
		{[]int{1, 5}, []int{4}}, // batch 1
		{[]int{3, 1}, []int{0, 0, 0}},
		{[]int{2, 4}, []int{3, 3}},
	}
	for _, c := range cases {
		mk := func() autograd.Op[float64] { return &ops.Gather[float64]{Index: c.index} }
		checkGrad(t, fmt.Sprintf("Gather %v %v", c.shape, c.index), unary(mk), randn(r, c.shape...))
	}
}

func TestGatherValues(t *testing.T) {
	x := vec([]float64{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
		10, 11, 12,
	}, 4, 3)
	y, g := backward(t, &ops.Gather[float64]{Index: []int{2, 0, 1, 2}}, vec([]float64{-1, 2, 3, 0.5}), x)
	assertTensor(t, "y", y, []int{4}, []float64{3, 4, 8, 12}, 0)
	assertTensor(t, "dx", g[0], []int{4, 3}, []float64{
		0, 0, -1,
		2, 0, 0,
		0, 3, 0,
		0, 0, 0.5,
	}, 0)
}

func TestGatherPanics(t *testing.T) {
	x := tensor.New[float64](4, 3)
	testutil.MustPanic(t, func() { forward(&ops.Gather[float64]{Index: []int{0, 3, 0, 0}}, x) },
		"ops: Gather: index 3 of row 1 is out of range for 3 columns")
	testutil.MustPanic(t, func() { forward(&ops.Gather[float64]{Index: []int{0, 1, -1, 0}}, x) },
		"ops: Gather: index -1 of row 2 is out of range for 3 columns")
	testutil.MustPanic(t, func() { forward(&ops.Gather[float64]{Index: []int{0, 1}}, x) },
		"ops: Gather: 2 indices for 4 rows")
	testutil.MustPanic(t, func() { forward(&ops.Gather[float64]{Index: []int{0, 1, 2, 0, 1}}, x) },
		"ops: Gather: 5 indices for 4 rows")
	testutil.MustPanic(t, func() { forward(&ops.Gather[float64]{Index: []int{0}}, x.Reshape(12)) },
		"ops: Gather needs a 2-d input (rows×classes), got shape [12]")
	testutil.MustPanic(t, func() { forward(&ops.Gather[float64]{}, x, x) }, "ops: Gather takes 1 input(s), got 2")
}

// TestGatherSaved: Gather keeps no tensor, only its indices.
func TestGatherSaved(t *testing.T) {
	op := &ops.Gather[float64]{Index: []int{0, 2, 1, 2}}
	want := 4 * strconv.IntSize / 8
	if got := savedBytes(op, tensor.New[float64](4, 3)); got != want {
		t.Errorf("SavedBytes = %d, want %d", got, want)
	}
	if got := op.ExtraSavedBytes(); got != want {
		t.Errorf("ExtraSavedBytes = %d, want %d", got, want)
	}
}

func TestGatherFloat32(t *testing.T) {
	x := randn(rng(71), 5, 4)
	idx := []int{3, 0, 1, 1, 2}
	assert32(t, "Gather", forward(&ops.Gather[float32]{Index: idx}, to32(x)), forward(&ops.Gather[float64]{Index: idx}, x))
}

// Gather copies its indices: a caller reusing its label buffer between
// forward and backward does not redirect the gradient.
func TestGatherKeepsItsOwnIndices(t *testing.T) {
	labels := []int{0, 1}
	tape := autograd.NewTape[float64]()
	x := tape.Param(tensor.New[float64](2, 2))
	y := autograd.Apply[float64](&ops.Gather[float64]{Index: labels}, x)
	labels[0], labels[1] = 1, 0
	tape.BackwardWithGrad(y, tensor.FromSlice([]float64{3, 4}))
	if got, want := x.Grad().Data(), []float64{3, 0, 0, 4}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("dx = %v, want %v", got, want)
	}
}

func TestScatterValues(t *testing.T) {
	y, g := backward(t, &ops.Scatter[float64]{Index: []int{2, 0, 1}, C: 3}, vec([]float64{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	}, 3, 3), vec([]float64{-1, 2, 0.5}))
	assertTensor(t, "y", y, []int{3, 3}, []float64{
		0, 0, -1,
		2, 0, 0,
		0, 0.5, 0,
	}, 0)
	assertTensor(t, "dx", g[0], []int{3}, []float64{3, 4, 8}, 0)
}

func TestScatterPanics(t *testing.T) {
	x := tensor.New[float64](3)
	testutil.MustPanic(t, func() { forward(&ops.Scatter[float64]{Index: []int{0, 3, 0}, C: 3}, x) },
		"ops: Scatter: index 3 of row 1 is out of range for 3 columns (input of shape [3])")
	testutil.MustPanic(t, func() { forward(&ops.Scatter[float64]{Index: []int{0, 1, -1}, C: 3}, x) },
		"ops: Scatter: index -1 of row 2 is out of range for 3 columns")
	testutil.MustPanic(t, func() { forward(&ops.Scatter[float64]{Index: []int{0, 1}, C: 3}, x) },
		"ops: Scatter: 2 indices for 3 values (input of shape [3])")
	testutil.MustPanic(t, func() { forward(&ops.Scatter[float64]{C: -1}, tensor.New[float64](0)) },
		"ops: Scatter: C = -1 columns, want at least 0 (input of shape [0])")
	testutil.MustPanic(t, func() { forward(&ops.Scatter[float64]{Index: []int{0}, C: 2}, x.Reshape(1, 3)) },
		"ops: Scatter needs a 1-d input (one value per row), got shape [1 3]")
}

// Scatter copies its indices, as Gather does.
func TestScatterKeepsItsOwnIndices(t *testing.T) {
	idx := []int{0, 1}
	tape := autograd.NewTape[float64]()
	x := tape.Param(tensor.New[float64](2))
	y := autograd.Apply[float64](&ops.Scatter[float64]{Index: idx, C: 2}, x)
	idx[0], idx[1] = 1, 0
	tape.BackwardWithGrad(y, tensor.FromSlice([]float64{3, 4, 5, 6}, 2, 2))
	if got, want := x.Grad().Data(), []float64{3, 6}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("dx = %v, want %v", got, want)
	}
}
