package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/testutil"
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
			check("Sum float32", s32.Shape(), testutil.Convert[float64](s32.Data()), want32, 1e-4)

			m := Mean(x64, keep, axes...)
			for i := range want64 {
				want64[i] /= float64(count)
			}
			check("Mean float64", m.Shape(), m.Data(), want64, 1e-13)
		}
	}
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
	testutil.MustPanic(t, func() { Sum(x, false, 1, -1) }, "axis 1 given twice")
	testutil.MustPanic(t, func() { Sum(x, false, 2) }, "axis 2 out of range for a 2-d tensor")
	testutil.MustPanic(t, func() { Mean(x, true, -3) }, "axis -3 out of range")
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
	testutil.MustPanic(t, func() { Max(New[float32](2, 0), 1, false) }, "Max over axis 1 of size 0 in shape [2 0]")
	testutil.MustPanic(t, func() { ArgMax(x, 2) }, "axis 2 out of range")
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

func TestMinArgMin(t *testing.T) {
	nan := math.NaN()
	x := FromSlice([]float64{
		3, 1, 3, 1, // tie between 1 and 3
		-5, -1, -7, -7, // tie between 2 and 3
		0, nan, -9, nan, // NaN wins, the first one
	}, 3, 4)
	m, idx := MinWithIndex(x, 1, false)
	if !cmp.Equal(m.Data(), []float64{1, -7, nan}, cmpopts.EquateNaNs()) || !cmp.Equal(idx, []int{1, 2, 1}) {
		t.Errorf("MinWithIndex(axis 1) = %v %v, want [1 -7 NaN] [1 2 1]", m.Data(), idx)
	}
	if got := ArgMin(x, -1); !cmp.Equal(got, []int{1, 2, 1}) {
		t.Errorf("ArgMin(axis -1) = %v, want [1 2 1]", got)
	}
	m, idx = MinWithIndex(x, 0, true)
	if !EqualShapes(m.Shape(), []int{1, 4}) ||
		!cmp.Equal(m.Data(), []float64{-5, nan, -9, nan}, cmpopts.EquateNaNs()) || !cmp.Equal(idx, []int{1, 2, 2, 2}) {
		t.Errorf("MinWithIndex(axis 0, keep) = %v %v %v", m.Shape(), m.Data(), idx)
	}
	z := FromSlice([]float32{-3, -1, -2, -8, -9, -4}, 2, 1, 3)
	if got := Min(z, -1, false); !EqualShapes(got.Shape(), []int{2, 1}) || !cmp.Equal(got.Data(), []float32{-3, -9}) {
		t.Errorf("Min(axis -1) = %v %v, want [2 1] [-3 -9]", got.Shape(), got.Data())
	}
	var ar *Arena[float32]
	if got := ar.Min(z, 0, true); !EqualShapes(got.Shape(), []int{1, 1, 3}) || !cmp.Equal(got.Data(), []float32{-8, -9, -4}) {
		t.Errorf("Arena.Min(axis 0, keep) = %v %v", got.Shape(), got.Data())
	}
	// An empty tensor whose reduced axis is not empty gives an empty result.
	if m, idx := MinWithIndex(New[float64](0, 3), 1, false); !EqualShapes(m.Shape(), []int{0}) || len(idx) != 0 {
		t.Errorf("Min of (0,3) over axis 1 = %v %v, want an empty result", m.Shape(), idx)
	}
	testutil.MustPanic(t, func() { Min(New[float32](0, 3), 0, false) },
		"tensor: Min over axis 0 of size 0 in shape [0 3]")
	testutil.MustPanic(t, func() { ArgMin(x, -3) }, "tensor: axis -3 out of range for a 2-d tensor")
}

func TestArgFlat(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		data     []float64
		max, min int
	}{
		{[]float64{2, 7, 7, -1, -1}, 1, 3},
		{[]float64{2, nan, 9, nan, -4}, 1, 1},
		{[]float64{math.Inf(-1), math.Inf(-1)}, 0, 0},
		{[]float64{0, math.Copysign(0, -1)}, 0, 0}, // −0 == 0: a tie
		{[]float64{5}, 0, 0},
	} {
		x := FromSlice(c.data)
		if got := ArgMaxFlat(x.Reshape(len(c.data), 1)); got != c.max {
			t.Errorf("ArgMaxFlat(%v) = %d, want %d", c.data, got, c.max)
		}
		if got := ArgMinFlat(x); got != c.min {
			t.Errorf("ArgMinFlat(%v) = %d, want %d", c.data, got, c.min)
		}
	}
	y := FromSlice([]float32{1, 9, 3, 9, 0, 2}, 2, 3)
	if got := ArgMaxFlat(y); got != 1 {
		t.Errorf("ArgMaxFlat of a 2×3 = %d, want 1", got)
	}
	if got := ArgMaxFlat(Scalar[float32](3)); got != 0 {
		t.Errorf("ArgMaxFlat of a scalar = %d, want 0", got)
	}
	testutil.MustPanic(t, func() { ArgMaxFlat(New[float64](2, 0)) },
		"tensor: ArgMaxFlat of a tensor with no elements (shape [2 0])")
	testutil.MustPanic(t, func() { ArgMinFlat(New[float32](0)) },
		"tensor: ArgMinFlat of a tensor with no elements (shape [0])")
}

func TestNewReduction(t *testing.T) {
	for _, c := range []struct {
		shape, axes, base, offs []int
	}{
		{[]int{2, 3}, []int{1}, []int{0, 3}, []int{0, 1, 2}},
		{[]int{2, 3}, []int{0}, []int{0, 1, 2}, []int{0, 3}},
		{[]int{2, 3}, nil, []int{0}, []int{0, 1, 2, 3, 4, 5}},
		{[]int{2, 3, 2}, []int{-1, 0}, []int{0, 2, 4}, []int{0, 1, 6, 7}},
		{[]int{}, nil, []int{0}, []int{0}},
		{[]int{2, 0}, []int{1}, []int{0, 0}, []int{}},
	} {
		r := NewReduction(c.shape, c.axes...)
		if !cmp.Equal(r.Base, c.base, cmpopts.EquateEmpty()) || !cmp.Equal(r.Offs, c.offs, cmpopts.EquateEmpty()) {
			t.Errorf("NewReduction(%v, %v) = %v %v, want %v %v", c.shape, c.axes, r.Base, r.Offs, c.base, c.offs)
		}
	}
	testutil.MustPanic(t, func() { NewReduction([]int{2, 3}, 0, -2) }, "tensor: axis 0 given twice")
}

// refExtreme reduces x over the given (normalized, distinct) axes one
// element at a time with fn, NaN propagating, keeping the axes with size 1.
func refExtreme(x *Tensor[float64], axes []int, fn func(a, b float64) float64) []float64 {
	shape := keptShapeOf(x.Shape(), axes)
	out := make([]float64, NumElems(shape))
	seen := make([]bool, len(out))
	for i, v := range x.Data() {
		idx := unravel(i, x.Shape())
		for _, a := range axes {
			idx[a] = 0
		}
		o := ravel(idx, shape)
		switch {
		case !seen[o]:
			out[o], seen[o] = v, true
		case math.IsNaN(v) || math.IsNaN(out[o]):
			out[o] = math.NaN()
		default:
			out[o] = fn(out[o], v)
		}
	}
	return out
}

func keptShapeOf(shape, axes []int) []int {
	out := append([]int(nil), shape...)
	for _, a := range axes {
		out[a] = 1
	}
	return out
}

func TestMaxMinAxesEveryAxisSubset(t *testing.T) {
	rng := newRNG(11)
	x := RandN[float64](rng, 2, 3, 4, 5)
	x.Data()[17] = math.NaN() // one NaN: the outputs it reaches are NaN
	x32 := New[float32](x.Shape()...)
	for i, v := range x.Data() {
		x32.Data()[i] = float32(v)
	}
	for mask := 0; mask < 16; mask++ {
		var axes, negAxes, norm []int
		for a := 3; a >= 0; a-- { // descending, to check that order does not matter
			if mask&(1<<a) != 0 {
				axes, negAxes, norm = append(axes, a), append(negAxes, a-4), append([]int{a}, norm...)
			}
		}
		if mask == 0 {
			norm = []int{0, 1, 2, 3} // no axes: every axis
		}
		for _, keep := range []bool{true, false} {
			name := fmt.Sprintf("axes %v keepDims %t", axes, keep)
			shape := ReducedShape(x.Shape(), keep, axes...)
			for _, c := range []struct {
				what string
				got  *Tensor[float64]
				want []float64
			}{
				{"MaxAxes", MaxAxes(x, keep, axes...), refExtreme(x, norm, math.Max)},
				{"MaxAxes negative", MaxAxes(x, keep, negAxes...), refExtreme(x, norm, math.Max)},
				{"MinAxes", MinAxes(x, keep, axes...), refExtreme(x, norm, math.Min)},
				{"MinAxes float32", FromSlice(testutil.Convert[float64](MinAxes(x32, keep, axes...).Data()), shape...), refExtreme(x, norm, math.Min)},
			} {
				if !EqualShapes(c.got.Shape(), shape) {
					t.Errorf("%s %s: shape %v, want %v", c.what, name, c.got.Shape(), shape)
				}
				want := c.want
				if c.what == "MinAxes float32" {
					want = testutil.Convert[float64](FromSlice(testutil.Convert[float32](want)).Data())
				}
				if !cmp.Equal(c.got.Data(), want, cmpopts.EquateNaNs()) {
					t.Errorf("%s %s = %v, want %v", c.what, name, c.got.Data(), want)
				}
			}
		}
	}
	if got := MaxAxes(New[float64](0, 3), false, 1); !EqualShapes(got.Shape(), []int{0}) {
		t.Errorf("MaxAxes of (0,3) over axis 1 has shape %v, want [0]", got.Shape())
	}
	if got := MinAxes(Scalar(-2.5), true); got.NDim() != 0 || got.Item() != -2.5 {
		t.Errorf("MinAxes of a scalar = %v, want -2.5", got)
	}
	testutil.MustPanic(t, func() { MaxAxes(New[float64](3, 0, 2), true, 1, 2) },
		"tensor: MaxAxes over axis 1 of size 0 in shape [3 0 2]")
	testutil.MustPanic(t, func() { MinAxes(New[float64](0, 3), false) },
		"tensor: MinAxes over axis 0 of size 0 in shape [0 3]")
	testutil.MustPanic(t, func() { MaxAxes(x, false, 2, -2) }, "tensor: axis 2 given twice")
	testutil.MustPanic(t, func() { MinAxes(x, false, 4) }, "tensor: axis 4 out of range for a 4-d tensor")
}

// refVar returns the variance of x over the given (normalized, distinct)
// axes with correction c, computed in float64 with the exact two-pass
// formula, one output at a time.
func refVar[T Float](x *Tensor[T], axes []int, c int) []float64 {
	shape := keptShapeOf(x.Shape(), axes)
	groups := make([][]float64, NumElems(shape))
	for i, v := range x.Data() {
		idx := unravel(i, x.Shape())
		for _, a := range axes {
			idx[a] = 0
		}
		o := ravel(idx, shape)
		groups[o] = append(groups[o], float64(v))
	}
	out := make([]float64, len(groups))
	for o, g := range groups {
		mu := 0.0
		for _, v := range g {
			mu += v
		}
		mu /= float64(len(g))
		ss := 0.0
		for _, v := range g {
			ss += (v - mu) * (v - mu)
		}
		out[o] = ss / float64(max(len(g)-c, 0))
	}
	return out
}

func TestVarStdEveryAxisSubset(t *testing.T) {
	rng := newRNG(12)
	x := AddScalar(RandN[float64](rng, 2, 3, 1, 4), 3)
	x32 := FromSlice(testutil.Convert[float32](x.Data()), x.Shape()...)
	for mask := 0; mask < 16; mask++ {
		var axes, norm []int
		for a := 3; a >= 0; a-- {
			if mask&(1<<a) != 0 {
				axes, norm = append(axes, a-4), append([]int{a}, norm...)
			}
		}
		if mask == 0 {
			norm = []int{0, 1, 2, 3}
		}
		for _, c := range []int{0, 1, 2} {
			for _, keep := range []bool{true, false} {
				name := fmt.Sprintf("axes %v correction %d keepDims %t", axes, c, keep)
				shape := ReducedShape(x.Shape(), keep, axes...)
				want := refVar(x, norm, c)
				v, mean := VarMean(x, c, keep, axes...)
				if !EqualShapes(v.Shape(), shape) || !EqualShapes(mean.Shape(), shape) {
					t.Errorf("VarMean %s: shapes %v %v, want %v", name, v.Shape(), mean.Shape(), shape)
				}
				if d := cmp.Diff(want, v.Data(), cmpopts.EquateApprox(1e-13, 0), cmpopts.EquateNaNs()); d != "" {
					t.Errorf("Var float64 %s (-want +got):\n%s", name, d)
				}
				if d := cmp.Diff(Mean(x, keep, axes...).Data(), mean.Data(), cmpopts.EquateApprox(1e-14, 0)); d != "" {
					t.Errorf("VarMean's mean %s (-want +got):\n%s", name, d)
				}
				std := Std(x, c, keep, axes...)
				for i := range want {
					want[i] = math.Sqrt(want[i])
				}
				if d := cmp.Diff(want, std.Data(), cmpopts.EquateApprox(1e-13, 0), cmpopts.EquateNaNs()); d != "" {
					t.Errorf("Std float64 %s (-want +got):\n%s", name, d)
				}
				want32 := refVar(x32, norm, c)
				if d := cmp.Diff(want32, testutil.Convert[float64](Var(x32, c, keep, axes...).Data()), cmpopts.EquateApprox(1e-6, 0), cmpopts.EquateNaNs()); d != "" {
					t.Errorf("Var float32 %s (-want +got):\n%s", name, d)
				}
			}
		}
	}
}

func TestVarEdgeCases(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	x := FromSlice([]float64{1, 2}, 1, 2)
	for _, c := range []struct {
		name       string
		x          *Tensor[float64]
		correction int
		want       []float64
	}{
		{"N=1 unbiased", FromSlice([]float64{5, 7}, 2, 1), 1, []float64{nan, nan}},
		{"N=1 biased", FromSlice([]float64{5, 7}, 2, 1), 0, []float64{0, 0}},
		{"N=c", x, 2, []float64{inf}},
		{"N<c", x, 3, []float64{inf}},
		{"negative correction", x, -1, []float64{0.5 / 3}},
		{"no elements", New[float64](2, 0), 1, []float64{nan, nan}},
		{"no elements biased", New[float64](2, 0), 0, []float64{nan, nan}},
		{"NaN", FromSlice([]float64{1, nan, 3}, 1, 3), 1, []float64{nan}},
		{"Inf", FromSlice([]float64{1, inf, 3}, 1, 3), 1, []float64{nan}},
		// Equal values whose float64 sum is not exact still have variance 0.
		{"equal values", FromSlice([]float64{0.1, 0.1, 0.1, 0.7, 0.7, 0.7}, 2, 3), 1, []float64{0, 0}},
	} {
		if got := Var(c.x, c.correction, false, -1); !cmp.Equal(got.Data(), c.want, cmpopts.EquateNaNs()) {
			t.Errorf("Var %s = %v, want %v", c.name, got.Data(), c.want)
		}
	}
	// float32 inputs are summed in float64: a large common offset costs
	// nothing (the naive one-pass float32 formula gives garbage here).
	y := FromSlice([]float32{10000.1, 10000.2, 10000.3})
	want := refVar(y, []int{0}, 1)[0] // the variance of the float32 values, in float64
	if got := Var(y, 1, false).Item(); math.Abs(float64(got)-want) > 1e-7*want {
		t.Errorf("Var of float32 near 1e4 = %v, want %v", got, want)
	}
	// An infinite mean stays infinite (refining it would give Inf − Inf).
	if _, mu := VarMean(FromSlice([]float64{1, inf, 3}), 1, false); mu.Item() != inf {
		t.Errorf("VarMean's mean of [1 Inf 3] = %v, want +Inf", mu.Item())
	}
	if got := Std(Scalar[float32](3), 0, false); got.Item() != 0 || got.NDim() != 0 {
		t.Errorf("Std of a scalar, correction 0 = %v, want 0", got)
	}
	testutil.MustPanic(t, func() { Var(x, 1, false, 1, -1) }, "tensor: axis 1 given twice")
	testutil.MustPanic(t, func() { Std(x, 1, true, 2) }, "tensor: axis 2 out of range for a 2-d tensor")
}

// The reductions that split their outputs among goroutines give the same
// bits whatever GOMAXPROCS is.
func TestReductionsDoNotDependOnGOMAXPROCS(t *testing.T) {
	rng := newRNG(13)
	big := RandN[float32](rng, 64, 300, 40)
	run := func() []*Tensor[float32] {
		m, _ := MinWithIndex(big, 0, false)
		v, mu := VarMean(big, 1, false, 0, 2)
		return []*Tensor[float32]{Max(big, 1, false), m, MaxAxes(big, false, 0, 2), MinAxes(big, true, 1), v, mu, Std(big, 0, false, 2)}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	want := run()
	runtime.GOMAXPROCS(4)
	for i, got := range run() {
		if !AllClose(got, want[i], 0, 0) {
			t.Errorf("GOMAXPROCS=4: result %d differs from GOMAXPROCS=1 by %g", i, MaxAbsDiff(got, want[i]))
		}
	}
}

// TestSumSlices4MatchesSumSlice pins the four-row summation of Sum's last
// axis to SumSlice's bits, at lengths around the pairwise split and with
// lengths not a multiple of 4.
func TestSumSlices4MatchesSumSlice(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 3, 4, 7, 128, 129, 130, 255, 256, 257, 1000, 1024, 4099} {
		for _, pad := range []int{0, 9} {
			stride := n + pad
			x32 := RandN[float32](rng, 3*stride+n).Data()
			x64 := RandN[float64](rng, 3*stride+n).Data()
			g32, g64 := sumSlices4(x32, stride, n), sumSlices4(x64, stride, n)
			for r := range 4 {
				if w := SumSlice(x32[r*stride : r*stride+n]); g32[r] != w {
					t.Errorf("float32 n=%d stride=%d row %d: sumSlices4 %v, SumSlice %v", n, stride, r, g32[r], w)
				}
				if w := SumSlice(x64[r*stride : r*stride+n]); g64[r] != w {
					t.Errorf("float64 n=%d stride=%d row %d: sumSlices4 %v, SumSlice %v", n, stride, r, g64[r], w)
				}
			}
		}
	}
}

// TestReductionsOfEmptyTensors: sums over an axis whose neighbours hold no
// values give empty results, and a mean over an empty axis is NaN (0/0),
// through the serial and the parallel paths alike.
func TestReductionsOfEmptyTensors(t *testing.T) {
	if s := Sum(New[float32](0, 3, 4), false, 1); !EqualShapes(s.Shape(), []int{0, 4}) {
		t.Errorf("Sum over axis 1 of 0×3×4 has shape %v, want [0 4]", s.Shape())
	}
	if s := Sum(New[float32](2, 3, 0), true, 1); !EqualShapes(s.Shape(), []int{2, 1, 0}) {
		t.Errorf("Sum over axis 1 of 2×3×0 has shape %v, want [2 1 0]", s.Shape())
	}
	if m := Mean(New[float32](2, 0), false, 1); len(m.Data()) != 2 || m.At(1) == m.At(1) {
		t.Errorf("Mean over the empty axis of 2×0 = %v, want [NaN NaN]", m.Data())
	}
}
