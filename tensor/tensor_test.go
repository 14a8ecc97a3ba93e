package tensor

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// newRNG returns a deterministic source for a test.
func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x7a9e)) }

// unravel returns the coordinates of row-major offset off in shape.
func unravel(off int, shape []int) []int {
	idx := make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		idx[i] = off % shape[i]
		off /= shape[i]
	}
	return idx
}

// ravel returns the row-major offset of idx in shape.
func ravel(idx, shape []int) int {
	off := 0
	for i, d := range shape {
		off = off*d + idx[i]
	}
	return off
}

func TestConstructors(t *testing.T) {
	z := New[float32](2, 3)
	if !EqualShapes(z.Shape(), []int{2, 3}) || z.Size() != 6 || z.NDim() != 2 {
		t.Fatalf("New(2, 3): shape %v size %d ndim %d", z.Shape(), z.Size(), z.NDim())
	}
	if diff := cmp.Diff(make([]float32, 6), z.Data()); diff != "" {
		t.Errorf("New not zero (-want +got):\n%s", diff)
	}
	if got := Zeros[float64](4).Data(); !cmp.Equal(got, []float64{0, 0, 0, 0}) {
		t.Errorf("Zeros(4) = %v", got)
	}
	if got := Ones[float64](2, 2).Data(); !cmp.Equal(got, []float64{1, 1, 1, 1}) {
		t.Errorf("Ones(2, 2) = %v", got)
	}
	if got := Full(float32(-2.5), 3).Data(); !cmp.Equal(got, []float32{-2.5, -2.5, -2.5}) {
		t.Errorf("Full(-2.5, 3) = %v", got)
	}
	s := Scalar(7.5)
	if s.NDim() != 0 || s.Size() != 1 || s.Item() != 7.5 || s.At() != 7.5 {
		t.Errorf("Scalar(7.5): ndim %d size %d item %v", s.NDim(), s.Size(), s.Item())
	}
	if n := New[float64](); n.NDim() != 0 || n.Size() != 1 {
		t.Errorf("New() has shape %v and %d elements, want a scalar", n.Shape(), n.Size())
	}
	if e := New[float32](3, 0, 2); e.Size() != 0 || e.Dim(1) != 0 || e.Dim(-1) != 2 {
		t.Errorf("New(3, 0, 2): size %d dims %v", e.Size(), e.Shape())
	}
	testutil.MustPanic(t, func() { New[float32](2, -1) }, "negative dimension")
}

func TestFromSlice(t *testing.T) {
	data := []float64{1, 2, 3, 4, 5, 6}
	m := FromSlice(data, 2, 3)
	if m.At(1, 0) != 4 || m.At(0, 2) != 3 {
		t.Fatalf("At(1,0), At(0,2) = %v, %v, want 4, 3", m.At(1, 0), m.At(0, 2))
	}
	data[4] = 50 // storage is shared both ways
	m.Set(-1, 0, 0)
	if m.At(1, 1) != 50 || data[0] != -1 {
		t.Errorf("FromSlice copied its data: At(1,1)=%v data[0]=%v", m.At(1, 1), data[0])
	}
	if v := FromSlice([]float32{1, 2, 3}); !EqualShapes(v.Shape(), []int{3}) {
		t.Errorf("FromSlice without shape has shape %v, want [3]", v.Shape())
	}
	shape := []int{3, 2}
	v := FromSlice(data, shape...)
	shape[0] = 99 // the tensor keeps its own copy of the shape
	if v.Dim(0) != 3 {
		t.Errorf("FromSlice aliases its shape argument: %v", v.Shape())
	}
	testutil.MustPanic(t, func() { FromSlice(data[:5], 2, 3) }, "needs 6 elements, data has 5")
	testutil.MustPanic(t, func() { FromSlice([]float32{1, 2}, []int{}...) }, "needs 1 elements, data has 2")
}

func TestAtSetItem(t *testing.T) {
	x := New[float32](2, 3, 4)
	for i := range x.Size() {
		idx := unravel(i, x.Shape())
		x.Set(float32(100*idx[0]+10*idx[1]+idx[2]), idx...)
	}
	for i, v := range x.Data() {
		idx := unravel(i, x.Shape())
		if want := float32(100*idx[0] + 10*idx[1] + idx[2]); v != want || x.At(idx...) != want {
			t.Fatalf("offset %d (%v): data %v At %v, want %v", i, idx, v, x.At(idx...), want)
		}
	}
	if got := FromSlice([]float64{3.5}, 1, 1).Item(); got != 3.5 {
		t.Errorf("Item of a 1x1 = %v, want 3.5", got)
	}
	testutil.MustPanic(t, func() { x.At(1, 2) }, "index [1 2] has 2 coordinates")
	testutil.MustPanic(t, func() { x.At(1, 3, 0) }, "index [1 3 0] out of range")
	testutil.MustPanic(t, func() { x.Set(1, 0, -1, 0) }, "out of range")
	testutil.MustPanic(t, func() { x.Item() }, "it has 24 elements, not 1")
	testutil.MustPanic(t, func() { New[float32](0).Item() }, "it has 0 elements, not 1")
}

func TestFillCloneCopyFrom(t *testing.T) {
	x := FromSlice([]float64{1, 2, 3, 4}, 2, 2)
	c := x.Clone()
	c.Fill(9)
	if !cmp.Equal(x.Data(), []float64{1, 2, 3, 4}) || !cmp.Equal(c.Data(), []float64{9, 9, 9, 9}) {
		t.Errorf("Clone shares data: x=%v clone=%v", x.Data(), c.Data())
	}
	if !SameShape(x, c) {
		t.Errorf("Clone shape %v, want %v", c.Shape(), x.Shape())
	}
	x.CopyFrom(c)
	c.Zero()
	if !cmp.Equal(x.Data(), []float64{9, 9, 9, 9}) || !cmp.Equal(c.Data(), []float64{0, 0, 0, 0}) {
		t.Errorf("after CopyFrom and Zero: x=%v c=%v", x.Data(), c.Data())
	}
	testutil.MustPanic(t, func() { x.CopyFrom(New[float64](4)) }, "CopyFrom needs equal shapes, got [2 2] and [4]")
}

func TestReshape(t *testing.T) {
	x := FromSlice([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 3, 4)
	for _, tc := range []struct {
		in, want []int
	}{
		{[]int{12}, []int{12}},
		{[]int{-1}, []int{12}},
		{[]int{2, -1, 3}, []int{2, 2, 3}},
		{[]int{-1, 6}, []int{2, 6}},
		{[]int{1, 12, 1}, []int{1, 12, 1}},
		{[]int{4, 1, -1}, []int{4, 1, 3}},
	} {
		r := x.Reshape(tc.in...)
		if !EqualShapes(r.Shape(), tc.want) {
			t.Errorf("Reshape(%v) has shape %v, want %v", tc.in, r.Shape(), tc.want)
		}
	}
	r := x.Reshape(2, 6)
	r.Set(-5, 1, 0) // offset 6
	if x.At(1, 2) != -5 {
		t.Errorf("Reshape copied the data: x[1,2] = %v", x.At(1, 2))
	}
	if got := Scalar[float64](3).Reshape(1, 1, -1); !EqualShapes(got.Shape(), []int{1, 1, 1}) {
		t.Errorf("scalar Reshape(1,1,-1) = %v", got.Shape())
	}
	if got := FromSlice([]float64{4}, 1, 1).Reshape(); got.NDim() != 0 || got.Item() != 4 {
		t.Errorf("1x1 Reshape() = shape %v", got.Shape())
	}
	if got := New[float32](0, 3).Reshape(-1, 3); !EqualShapes(got.Shape(), []int{0, 3}) {
		t.Errorf("empty Reshape(-1, 3) = %v", got.Shape())
	}
	testutil.MustPanic(t, func() { x.Reshape(-1, -1) }, "at most one dimension may be -1")
	testutil.MustPanic(t, func() { x.Reshape(5, -1) }, "cannot reshape [3 4] (12 elements) into [5 -1]")
	testutil.MustPanic(t, func() { x.Reshape(5, 2) }, "cannot reshape [3 4] (12 elements) into [5 2]")
	testutil.MustPanic(t, func() { x.Reshape(-2, -6) }, "negative dimension")
	testutil.MustPanic(t, func() { New[float32](0, 3).Reshape(0, -1) }, "cannot reshape [0 3]")
}

func TestBytes(t *testing.T) {
	if got := New[float32](2, 3).Bytes(); got != 24 {
		t.Errorf("float32 2x3 Bytes = %d, want 24", got)
	}
	if got := New[float64](2, 3).Bytes(); got != 48 {
		t.Errorf("float64 2x3 Bytes = %d, want 48", got)
	}
	if got := Scalar[float64](1).Bytes(); got != 8 {
		t.Errorf("float64 scalar Bytes = %d, want 8", got)
	}
	if got := New[float32](5, 0).Bytes(); got != 0 {
		t.Errorf("empty Bytes = %d, want 0", got)
	}
}
