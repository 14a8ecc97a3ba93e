package ops_test

import (
	"fmt"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

func TestReshapeGradCheck(t *testing.T) {
	r := rng(60)
	cases := []struct{ in, shape, out []int }{
		{[]int{2, 3, 4}, []int{6, 4}, []int{6, 4}},
		{[]int{2, 3, 4}, []int{-1}, []int{24}},
		{[]int{2, 3, 4}, []int{4, -1, 2}, []int{4, 3, 2}},
		{[]int{2, 3, 4}, []int{1, 24, 1}, []int{1, 24, 1}},
		{[]int{1}, []int{}, []int{}},
		{[]int{}, []int{1, 1}, []int{1, 1}},
		{[]int{1, 5}, []int{5, -1}, []int{5, 1}},
	}
	for _, c := range cases {
		mk := func() autograd.Op[float64] { return &ops.Reshape[float64]{Shape: c.shape} }
		x := randn(r, c.in...)
		name := fmt.Sprintf("Reshape %v to %v", c.in, c.shape)
		seed := randn(r, c.out...)
		y, g := backward(t, mk(), seed, x) // the gradient has x's shape
		assertTensor(t, name+" y", y, c.out, x.Data(), 0)
		assertTensor(t, name+" dx", g[0], c.in, seed.Data(), 0)
		checkGrad(t, name, unary(mk), x)
	}
}

func TestPermuteGradCheck(t *testing.T) {
	r := rng(61)
	cases := []struct {
		shape []int
		perms [][]int
	}{
		{[]int{2, 3, 4}, [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}},
		{[]int{2, 1, 3, 4}, [][]int{{0, 2, 3, 1}, {3, 2, 1, 0}, {0, 1, 3, 2}, {1, 0, 2, 3}, {2, 0, 3, 1}}},
		{[]int{1, 4}, [][]int{{1, 0}}},
	}
	for _, c := range cases {
		for _, p := range c.perms {
			mk := func() autograd.Op[float64] { return &ops.Permute[float64]{Axes: p} }
			x := randn(r, c.shape...)
			y, _ := backward(t, mk(), nil, x) // the gradient has x's shape
			// Check the value against the definition: y[i…] = x[i permuted back].
			inv := tensor.InversePermutation(p)
			idx := make([]int, len(p))
			src := make([]int, len(p))
			for k := range y.Size() {
				rem := k
				for d := len(p) - 1; d >= 0; d-- {
					idx[d] = rem % y.Dim(d)
					rem /= y.Dim(d)
				}
				for d := range src {
					src[d] = idx[inv[d]]
				}
				if got, want := y.Data()[k], x.At(src...); got != want {
					t.Fatalf("Permute %v by %v: y%v = %v, want x%v = %v", c.shape, p, idx, got, src, want)
				}
			}
			checkGrad(t, fmt.Sprintf("Permute %v by %v", c.shape, p), unary(mk), x)
		}
	}
}

func TestPermuteValues(t *testing.T) {
	x := vec([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	y, g := backward(t, &ops.Permute[float64]{Axes: []int{1, 0}}, vec([]float64{10, 40, 20, 50, 30, 60}, 3, 2), x)
	assertTensor(t, "y", y, []int{3, 2}, []float64{1, 4, 2, 5, 3, 6}, 0)
	assertTensor(t, "dx", g[0], []int{2, 3}, []float64{10, 20, 30, 40, 50, 60}, 0)
}

func TestShapeSaved(t *testing.T) {
	x := tensor.New[float64](2, 3)
	if got := savedBytes(&ops.Reshape[float64]{Shape: []int{3, 2}}, x); got != 0 {
		t.Errorf("Reshape: SavedBytes = %d, want 0", got)
	}
	if got := savedBytes(&ops.Permute[float64]{Axes: []int{1, 0}}, x); got != 0 {
		t.Errorf("Permute: SavedBytes = %d, want 0", got)
	}
}

func TestShapePanics(t *testing.T) {
	x := tensor.New[float64](2, 3)
	testutil.MustPanic(t, func() { forward(&ops.Reshape[float64]{Shape: []int{4, 2}}, x) },
		"ops: Reshape: cannot reshape [2 3] into [4 2]")
	testutil.MustPanic(t, func() { forward(&ops.Reshape[float64]{Shape: []int{-1, 4}}, x) },
		"ops: Reshape: cannot reshape [2 3] into [-1 4]")
	testutil.MustPanic(t, func() { forward(&ops.Reshape[float64]{Shape: []int{6}}, x, x) },
		"ops: Reshape takes 1 input(s), got 2")
	testutil.MustPanic(t, func() { forward(&ops.Permute[float64]{Axes: []int{1, 0}}) },
		"ops: Permute takes 1 input(s), got 0")
	testutil.MustPanic(t, func() { forward(&ops.Permute[float64]{Axes: []int{0, 0}}, x) },
		"[0 0] is not a permutation of the axes of a 2-d tensor")
	testutil.MustPanic(t, func() { forward(&ops.Permute[float64]{Axes: []int{0}}, x) },
		"[0] is not a permutation of the axes of a 2-d tensor")
}

func TestShapeFloat32(t *testing.T) {
	x := randn(rng(62), 2, 3, 4)
	x32 := to32(x)
	assert32(t, "Reshape", forward(&ops.Reshape[float32]{Shape: []int{4, -1}}, x32), forward(&ops.Reshape[float64]{Shape: []int{4, -1}}, x))
	assert32(t, "Permute", forward(&ops.Permute[float32]{Axes: []int{2, 0, 1}}, x32), forward(&ops.Permute[float64]{Axes: []int{2, 0, 1}}, x))
}
