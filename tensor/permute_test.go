package tensor

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// refPermute moves axis axes[i] of x to position i, one element at a time.
func refPermute[T Float](x *Tensor[T], axes []int) *Tensor[T] {
	shape := make([]int, len(axes))
	for i, a := range axes {
		shape[i] = x.Dim(a)
	}
	out := New[T](shape...)
	in := make([]int, len(axes))
	for o := range out.Data() {
		idx := unravel(o, shape)
		for i, a := range axes {
			in[a] = idx[i]
		}
		out.Data()[o] = x.At(in...)
	}
	return out
}

// permutations returns every permutation of 0 … n−1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for pos := 0; pos <= len(p); pos++ {
			q := append(append(append([]int{}, p[:pos]...), n-1), p[pos:]...)
			out = append(out, q)
		}
	}
	return out
}

func TestPermuteEveryPermutation(t *testing.T) {
	rng := newRNG(20)
	x := RandN[float64](rng, 2, 3, 4, 5)
	perms := permutations(4)
	if len(perms) != 24 {
		t.Fatalf("permutations(4) gave %d, want 24", len(perms))
	}
	for _, p := range perms {
		got := Permute(x, p...)
		want := refPermute(x, p)
		if !EqualShapes(got.Shape(), want.Shape()) || !cmp.Equal(got.Data(), want.Data()) {
			t.Errorf("Permute(%v): shape %v, want %v; data differ: %t", p, got.Shape(), want.Shape(),
				!cmp.Equal(got.Data(), want.Data()))
		}
		back := Permute(got, InversePermutation(p)...)
		if !EqualShapes(back.Shape(), x.Shape()) || !cmp.Equal(back.Data(), x.Data()) {
			t.Errorf("Permute by %v then by InversePermutation %v did not restore x", p, InversePermutation(p))
		}
	}
	// Size-1 and size-0 axes.
	y := RandN[float32](rng, 3, 1, 2)
	for _, p := range permutations(3) {
		if got, want := Permute(y, p...), refPermute(y, p); !cmp.Equal(got.Data(), want.Data()) {
			t.Errorf("Permute(%v) of shape [3 1 2] = %v, want %v", p, got.Data(), want.Data())
		}
	}
	if got := Permute(New[float32](2, 0, 3), 2, 0, 1); !EqualShapes(got.Shape(), []int{3, 2, 0}) {
		t.Errorf("Permute of an empty tensor has shape %v, want [3 2 0]", got.Shape())
	}
}

func TestBatchedTranspose(t *testing.T) {
	rng := newRNG(21)
	sizes := []int{1, 2, 31, 32, 33, 65} // around the 32×32 tile edge
	for i, r := range sizes {
		for j, c := range sizes {
			for _, batch := range [][]int{{}, {3}, {2, 1}} {
				if len(batch) > 0 && (i+j)%2 == 1 {
					continue // half the pairs suffice for the batched cases
				}
				shape := append(append([]int{}, batch...), r, c)
				x := RandN[float32](rng, shape...)
				nd := len(shape)
				p := SwapAxes(nd, -1, -2)
				got, want := Transpose(x, -1, -2), refPermute(x, p)
				name := fmt.Sprintf("Transpose of %v", shape)
				if !EqualShapes(got.Shape(), want.Shape()) || !cmp.Equal(got.Data(), want.Data()) {
					t.Errorf("%s: shape %v, want %v; data equal: %t", name, got.Shape(), want.Shape(),
						cmp.Equal(got.Data(), want.Data()))
				}
				if twice := Transpose(got, nd-1, nd-2); !cmp.Equal(twice.Data(), x.Data()) {
					t.Errorf("%s twice is not the original", name)
				}
			}
		}
	}
	m := FromSlice([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	if got := Transpose(m, 0, 1); !EqualShapes(got.Shape(), []int{3, 2}) || !cmp.Equal(got.Data(), []float64{1, 4, 2, 5, 3, 6}) {
		t.Errorf("Transpose of a 2x3 = %v %v", got.Shape(), got.Data())
	}
	same := Transpose(m, 1, 1)
	same.Data()[0] = 99
	if m.At(0, 0) != 1 || !cmp.Equal(same.Data()[1:], m.Data()[1:]) {
		t.Errorf("Transpose(m, 1, 1) = %v, want a copy of m", same.Data())
	}
}

func TestPermuteScalarAndVector(t *testing.T) {
	s := Scalar[float64](4)
	if got := Permute(s); got == s || got.NDim() != 0 || got.Item() != 4 {
		t.Errorf("Permute of a scalar = %v, want a new scalar 4", got)
	}
	v := FromSlice([]float32{1, 2, 3})
	got := Permute(v, 0)
	got.Data()[0] = 7
	if !cmp.Equal(got.Data(), []float32{7, 2, 3}) || v.Data()[0] != 1 {
		t.Errorf("Permute of a vector = %v (original %v), want a copy", got.Data(), v.Data())
	}
	if got := Transpose(v, 0, -1); !cmp.Equal(got.Data(), v.Data()) {
		t.Errorf("Transpose(v, 0, -1) = %v", got.Data())
	}
}

func TestSwapAxesAndInverse(t *testing.T) {
	for _, tc := range []struct {
		n, a1, a2 int
		want      []int
	}{
		{2, 0, 1, []int{1, 0}},
		{4, 1, -1, []int{0, 3, 2, 1}},
		{3, -3, -3, []int{0, 1, 2}},
		{4, -2, -1, []int{0, 1, 3, 2}},
	} {
		if got := SwapAxes(tc.n, tc.a1, tc.a2); !cmp.Equal(got, tc.want) {
			t.Errorf("SwapAxes(%d, %d, %d) = %v, want %v", tc.n, tc.a1, tc.a2, got, tc.want)
		}
	}
	for _, tc := range []struct{ p, want []int }{
		{[]int{}, []int{}},
		{[]int{0, 1, 2}, []int{0, 1, 2}},
		{[]int{2, 0, 1}, []int{1, 2, 0}},
		{[]int{1, 3, 0, 2}, []int{2, 0, 3, 1}},
	} {
		if got := InversePermutation(tc.p); !cmp.Equal(got, tc.want) {
			t.Errorf("InversePermutation(%v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	testutil.MustPanic(t, func() { SwapAxes(2, 0, 2) }, "axis 2 out of range for a 2-d tensor")
}

func TestPermutePanics(t *testing.T) {
	x := New[float32](2, 3, 4)
	testutil.MustPanic(t, func() { Permute(x, 0, 1) }, "[0 1] is not a permutation of the axes of a 3-d tensor")
	testutil.MustPanic(t, func() { Permute(x, 0, 1, 1) }, "[0 1 1] is not a permutation")
	testutil.MustPanic(t, func() { Permute(x, 0, 1, 3) }, "[0 1 3] is not a permutation")
	testutil.MustPanic(t, func() { Permute(x, -1, 0, 1) }, "[-1 0 1] is not a permutation")
	testutil.MustPanic(t, func() { Permute(Scalar[float32](1), 0) },
		"[0] is not a permutation of the axes of a 0-d tensor")
	testutil.MustPanic(t, func() { Transpose(x, 0, 3) }, "axis 3 out of range for a 3-d tensor")
}

func TestPermuteShape(t *testing.T) {
	got, err := PermuteShape([]int{2, 3, 4}, []int{2, 0, 1})
	if err != nil || !EqualShapes(got, []int{4, 2, 3}) {
		t.Errorf("PermuteShape([2 3 4], [2 0 1]) = %v, %v; want [4 2 3]", got, err)
	}
	for _, c := range []struct {
		shape, axes []int
		reason      string
	}{
		{[]int{2, 3}, []int{1, 0, 2}, "[1 0 2] is not a permutation of the axes of a 2-d tensor"},
		{[]int{2, 3}, []int{1, 1}, "[1 1] is not a permutation of the axes of a 2-d tensor"},
		{[]int{2, 3}, []int{-1, 0}, "[-1 0] is not a permutation of the axes of a 2-d tensor"},
	} {
		_, err := PermuteShape(c.shape, c.axes)
		var se *ShapeError
		if !errors.As(err, &se) || se.Reason != c.reason || err.Error() != "tensor: "+c.reason {
			t.Errorf("PermuteShape(%v, %v) error %v, want reason %q", c.shape, c.axes, err, c.reason)
		}
	}
}
