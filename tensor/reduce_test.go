package tensor

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// refSum sums x over the given (normalized, distinct) axes in float64, one
// element at a time, keeping the reduced axes with size 1.
func refSum[T Float](x *Tensor[T], axes []int) ([]float64, []int) {
	shape := append([]int(nil), x.Shape()...)
	for _, a := range axes {
		shape[a] = 1
	}
	out := make([]float64, NumElems(shape))
	for i, v := range x.Data() {
		idx := unravel(i, x.Shape())
		for _, a := range axes {
			idx[a] = 0
		}
		out[ravel(idx, shape)] += float64(v)
	}
	return out, shape
}

func TestSumMeanEveryAxisSubset(t *testing.T) {
	rng := newRNG(10)
	x64 := RandN[float64](rng, 2, 3, 4, 5)
	x32 := RandN[float32](rng, 2, 3, 4, 5)
	for mask := 1; mask < 16; mask++ {
		var axes, negAxes []int
		count := 1
		for a := 3; a >= 0; a-- { // descending, to check that order does not matter
			if mask&(1<<a) != 0 {
				axes = append(axes, a)
				negAxes = append(negAxes, a-4)
				count *= x64.Dim(a)
			}
		}
		for _, keep := range []bool{true, false} {
			name := fmt.Sprintf("axes %v keepDims %t", axes, keep)
			want64, kept := refSum(x64, axes)
			want32, _ := refSum(x32, axes)
			shape := ReducedShape(x64.Shape(), keep, axes...)
			if keep && !EqualShapes(shape, kept) {
				t.Fatalf("%s: ReducedShape = %v, want %v", name, shape, kept)
			}
			check := func(what string, gotShape []int, got, want []float64, tol float64) {
				t.Helper()
				if !EqualShapes(gotShape, shape) {
					t.Errorf("%s %s: shape %v, want %v", what, name, gotShape, shape)
				}
				if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, tol)); diff != "" {
					t.Errorf("%s %s (-want +got):\n%s", what, name, diff)
				}
			}
			s := Sum(x64, keep, axes...)
			check("Sum float64", s.Shape(), s.Data(), want64, 1e-12)
			s = Sum(x64, keep, negAxes...)
			check("Sum float64 negative axes", s.Shape(), s.Data(), want64, 1e-12)
			s32 := Sum(x32, keep, axes...)
			check("Sum float32", s32.Shape(), to64(s32.Data()), want32, 1e-4)

			m := Mean(x64, keep, axes...)
			for i := range want64 {
				want64[i] /= float64(count)
			}
			check("Mean float64", m.Shape(), m.Data(), want64, 1e-13)
		}
	}
}

func to64[T Float](x []T) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func TestSumSmallCases(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	for _, tc := range []struct {
		keep  bool
		axes  []int
		shape []int
		want  []float32
	}{
		{false, nil, []int{}, []float32{21}},
		{true, nil, []int{1, 1}, []float32{21}},
		{false, []int{0}, []int{3}, []float32{5, 7, 9}},
		{true, []int{-1}, []int{2, 1}, []float32{6, 15}},
		{false, []int{1, 0}, []int{}, []float32{21}},
	} {
		got := Sum(x, tc.keep, tc.axes...)
		if !EqualShapes(got.Shape(), tc.shape) || !cmp.Equal(got.Data(), tc.want) {
			t.Errorf("Sum(%v, %t) = %v %v, want %v %v", tc.axes, tc.keep, got.Shape(), got.Data(), tc.shape, tc.want)
		}
	}
	s := Scalar[float64](2.5)
	if got := Sum(s, false); got == s || got.Item() != 2.5 || got.NDim() != 0 {
		t.Errorf("Sum of a scalar = %v (same tensor: %t), want a copy holding 2.5", got, got == s)
	}
	if got := Mean(FromSlice([]float64{1, 2, 3, 4}), false); got.Item() != 2.5 {
		t.Errorf("Mean(1..4) = %v, want 2.5", got.Item())
	}
	if got := Sum(New[float64](0, 3), false, 0).Data(); !cmp.Equal(got, []float64{0, 0, 0}) {
		t.Errorf("Sum over an empty axis = %v, want zeros", got)
	}
	mustPanic(t, "axis 1 given twice", func() { Sum(x, false, 1, -1) })
	mustPanic(t, "axis 2 out of range for a 2-d tensor", func() { Sum(x, false, 2) })
	mustPanic(t, "axis -3 out of range", func() { Mean(x, true, -3) })
}

func TestMeanOfEmpty(t *testing.T) {
	if got := Mean(New[float32](0), false); got.NDim() != 0 || !math.IsNaN(float64(got.Item())) {
		t.Errorf("Mean of no elements = %v, want NaN", got)
	}
	got := Mean(New[float64](2, 0), false, 1)
	if !EqualShapes(got.Shape(), []int{2}) || !math.IsNaN(got.At(0)) || !math.IsNaN(got.At(1)) {
		t.Errorf("Mean over an empty axis = %v %v, want [NaN NaN]", got.Shape(), got.Data())
	}
	if got := Mean(New[float64](0, 3), true, 1); !EqualShapes(got.Shape(), []int{0, 1}) {
		t.Errorf("Mean of (0,3) over axis 1 has shape %v, want [0 1]", got.Shape())
	}
}

func TestMaxArgMax(t *testing.T) {
	nan := math.NaN()
	x := FromSlice([]float64{
		3, 1, 3, -2, // tie between 0 and 2
		-5, -1, -1, -7, // tie between 1 and 2
		0, nan, 9, nan, // NaN wins, the first one
	}, 3, 4)
	m, idx := MaxWithIndex(x, 1, false)
	if !cmp.Equal(m.Data(), []float64{3, -1, nan}, cmpopts.EquateNaNs()) || !cmp.Equal(idx, []int{0, 1, 1}) {
		t.Errorf("MaxWithIndex(axis 1) = %v %v, want [3 -1 NaN] [0 1 1]", m.Data(), idx)
	}
	if got := ArgMax(x, -1); !cmp.Equal(got, []int{0, 1, 1}) {
		t.Errorf("ArgMax(axis -1) = %v, want [0 1 1]", got)
	}
	m, idx = MaxWithIndex(x, 0, true)
	if !EqualShapes(m.Shape(), []int{1, 4}) ||
		!cmp.Equal(m.Data(), []float64{3, nan, 9, nan}, cmpopts.EquateNaNs()) || !cmp.Equal(idx, []int{0, 2, 2, 2}) {
		t.Errorf("MaxWithIndex(axis 0, keep) = %v %v %v", m.Shape(), m.Data(), idx)
	}
	// NaN in the first row must stay, not be replaced by a later number.
	y := FromSlice([]float32{float32(nan), 5, 7}, 3, 1)
	if m, idx := MaxWithIndex(y, 0, false); !math.IsNaN(float64(m.Item())) || idx[0] != 0 {
		t.Errorf("Max with NaN first = %v at %v, want NaN at 0", m.Item(), idx)
	}
	z := FromSlice([]float32{-3, -1, -2, -8, -9, -4}, 2, 1, 3)
	if got := Max(z, -1, false); !EqualShapes(got.Shape(), []int{2, 1}) || !cmp.Equal(got.Data(), []float32{-1, -4}) {
		t.Errorf("Max(axis -1) = %v %v, want [2 1] [-1 -4]", got.Shape(), got.Data())
	}
	if got := Max(z, 0, true); !EqualShapes(got.Shape(), []int{1, 1, 3}) || !cmp.Equal(got.Data(), []float32{-3, -1, -2}) {
		t.Errorf("Max(axis 0, keep) = %v %v", got.Shape(), got.Data())
	}
	if got := ArgMax(FromSlice([]float64{math.Inf(-1), math.Inf(-1)}), 0); got[0] != 0 {
		t.Errorf("ArgMax of equal -Inf = %v, want [0]", got)
	}
	mustPanic(t, "Max over axis 1 of size 0 in shape [2 0]", func() { Max(New[float32](2, 0), 1, false) })
	mustPanic(t, "axis 2 out of range", func() { ArgMax(x, 2) })
}

func TestSumSliceAccuracy(t *testing.T) {
	x := make([]float32, 1_000_000)
	for i := range x {
		x[i] = 0.1
	}
	exact := 1e6 * float64(float32(0.1)) // 100000.0015
	var naive float32
	for _, v := range x {
		naive += v
	}
	got := float64(SumSlice(x))
	// A running float32 sum is off by about 958, four interleaved running sums
	// by about 240; pairwise summation stays within a few units in the last
	// place of the result (one unit is 0.0078 here).
	if math.Abs(float64(naive)-exact) < 500 {
		t.Fatalf("naive sum %v is closer than expected; the bound below proves nothing", naive)
	}
	if err := math.Abs(got - exact); err > 0.05 {
		t.Errorf("SumSlice of 1e6 × float32(0.1) = %v, off by %v (naive: %v)", got, err, naive)
	}
	for n := range 20 { // every length around the unrolled and blocked edges
		ints := make([]float64, n*37)
		want := 0.0
		for i := range ints {
			ints[i] = float64(i%11 - 5)
			want += ints[i]
		}
		if got := SumSlice(ints); got != want {
			t.Errorf("SumSlice of %d small integers = %v, want %v", len(ints), got, want)
		}
	}
}
