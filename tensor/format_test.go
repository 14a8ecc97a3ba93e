package tensor

import (
	"math"
	"testing"
)

// Every expected string below is what NumPy 1.24 prints for the same array
// with np.set_printoptions(precision=4) (fracDigits), rows being short enough
// that NumPy does not wrap them.
func TestStringMatchesNumPy(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	arange := func(n int, f func(i int) float64, shape ...int) *Tensor[float64] {
		x := New[float64](shape...)
		for i := range n {
			x.Data()[i] = f(i)
		}
		return x
	}
	for _, tc := range []struct {
		name string
		x    *Tensor[float64]
		want string
	}{
		{"integers", FromSlice([]float64{1, -2, 3, 40, 5, 6}, 2, 3),
			"[[ 1. -2.  3.]\n [40.  5.  6.]]"},
		{"fractions", FromSlice([]float64{1, -2.5, 3, 4, 5, 6.25}, 2, 3),
			"[[ 1.   -2.5   3.  ]\n [ 4.    5.    6.25]]"},
		{"rounded to 4 digits", FromSlice([]float64{14040.2021484375, 6362.57373046875}),
			"[14040.2021  6362.5737]"},
		{"negative zero", FromSlice([]float64{math.Copysign(0, -1), 0.5}),
			"[-0.   0.5]"},
		{"3-d", arange(12, func(i int) float64 { return float64(i - 3) }, 2, 3, 2),
			"[[[-3. -2.]\n  [-1.  0.]\n  [ 1.  2.]]\n\n [[ 3.  4.]\n  [ 5.  6.]\n  [ 7.  8.]]]"},
		{"4-d", arange(8, func(i int) float64 { return float64(i) }, 2, 2, 1, 2),
			"[[[[0. 1.]]\n\n  [[2. 3.]]]\n\n\n [[[4. 5.]]\n\n  [[6. 7.]]]]"},
		{"summarized 1-d", arange(1001, func(i int) float64 { return float64(i % 10) }, 1001),
			"[0. 1. 2. ... 8. 9. 0.]"},
		{"summarized 2-d", arange(1200, func(i int) float64 { return float64(i%100) / 4 }, 30, 40),
			"[[ 0.    0.25  0.5  ...  9.25  9.5   9.75]\n" +
				" [10.   10.25 10.5  ... 19.25 19.5  19.75]\n" +
				" [20.   20.25 20.5  ...  4.25  4.5   4.75]\n" +
				" ...\n" +
				" [20.   20.25 20.5  ...  4.25  4.5   4.75]\n" +
				" [ 5.    5.25  5.5  ... 14.25 14.5  14.75]\n" +
				" [15.   15.25 15.5  ... 24.25 24.5  24.75]]"},
		{"summarized 3-d", arange(1001, func(i int) float64 { return float64(i % 10) }, 1001, 1, 1),
			"[[[0.]]\n\n [[1.]]\n\n [[2.]]\n\n ...\n\n [[8.]]\n\n [[9.]]\n\n [[0.]]]"},
		{"scientific, small", FromSlice([]float64{1e-5, 2.5, 3, -4e3}, 2, 2),
			"[[ 1.0e-05  2.5e+00]\n [ 3.0e+00 -4.0e+03]]"},
		{"scientific, large", FromSlice([]float64{1.5e10, -2}),
			"[ 1.5e+10 -2.0e+00]"},
		{"scientific, wide range", FromSlice([]float64{1, 2000}),
			"[1.e+00 2.e+03]"},
		{"scientific, 4 digits", FromSlice([]float64{1.0 / 3, -2.0 / 3, 1e4}),
			"[ 3.3333e-01 -6.6667e-01  1.0000e+04]"},
		{"scientific, 3-digit exponent", FromSlice([]float64{1e-300, 1}),
			"[1.e-300 1.e+000]"},
		{"NaN", FromSlice([]float64{1, nan, 2.5}), "[1.  nan 2.5]"},
		{"NaN first", FromSlice([]float64{nan, 1}), "[nan  1.]"},
		{"-Inf widens", FromSlice([]float64{-inf, 1.5, nan}), "[-inf  1.5  nan]"},
		{"only non-finite", FromSlice([]float64{nan, inf}), "[nan inf]"},
		{"non-finite, scientific", FromSlice([]float64{nan, 1e-6, inf, 1}, 2, 2),
			"[[   nan 1.e-06]\n [   inf 1.e+00]]"},
		{"empty", New[float64](0), "[]"},
		{"empty 2-d", New[float64](2, 0), "[]"},
	} {
		if got := tc.x.String(); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// float32 elements print with the fewest digits that identify them as
// float32, as NumPy does, not with the digits of their float64 value.
func TestStringFloat32(t *testing.T) {
	for _, tc := range []struct {
		x    []float32
		want string
	}{
		{[]float32{0.1, 0.2, 0.3}, "[0.1 0.2 0.3]"},
		{[]float32{14040.2021484375, 6362.57373046875}, "[14040.202   6362.5737]"},
		{[]float32{60573048, 1e5}, "[60573048.   100000.]"},
		{[]float32{60573048, 1}, "[6.0573e+07 1.0000e+00]"},
	} {
		if got := FromSlice(tc.x).String(); got != tc.want {
			t.Errorf("float32 %v:\n got %q\nwant %q", tc.x, got, tc.want)
		}
	}
}

// A scalar prints in the notation of its element alone: like an element of
// an array ("2."), where NumPy's str of a 0-d array would give "2.0".
func TestStringScalar(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{
		{1.5, "1.5"},
		{2, "2."},
		{-0.125, "-0.125"},
		{1.0 / 3, "0.3333"},
		{1e-5, "1.e-05"},
		{math.NaN(), "nan"},
		{math.Inf(-1), "-inf"},
	} {
		if got := Scalar(tc.x).String(); got != tc.want {
			t.Errorf("Scalar(%v).String() = %q, want %q", tc.x, got, tc.want)
		}
	}
	if got := Scalar[float32](0.1).String(); got != "0.1" {
		t.Errorf("Scalar[float32](0.1).String() = %q, want %q", got, "0.1")
	}
}
