package tensor

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

func TestRandDeterministic(t *testing.T) {
	a := RandN[float64](newRNG(7), 3, 4)
	b := RandN[float64](newRNG(7), 3, 4)
	if !cmp.Equal(a.Data(), b.Data()) {
		t.Error("RandN with the same seed gave different tensors")
	}
	if c := RandN[float64](newRNG(8), 3, 4); cmp.Equal(a.Data(), c.Data()) {
		t.Error("RandN with different seeds gave the same tensor")
	}
	// Element i is the i-th draw of the source, in row-major order.
	rng := newRNG(7)
	for i, v := range a.Data() {
		if want := rng.NormFloat64(); v != want {
			t.Fatalf("RandN element %d = %v, want the %d-th NormFloat64 %v", i, v, i, want)
		}
	}
	f := RandN[float32](newRNG(7), 12)
	for i, v := range f.Data() {
		if v != float32(a.Data()[i]) {
			t.Fatalf("float32 RandN element %d = %v, want %v", i, v, float32(a.Data()[i]))
		}
	}
	u1 := RandU[float32](newRNG(9), -1, 1, 5, 5)
	u2 := RandU[float32](newRNG(9), -1, 1, 5, 5)
	if !cmp.Equal(u1.Data(), u2.Data()) {
		t.Error("RandU with the same seed gave different tensors")
	}
	if got := RandN[float64](newRNG(1), 2, 0); got.Size() != 0 || !EqualShapes(got.Shape(), []int{2, 0}) {
		t.Errorf("RandN(2, 0) = %v %v, want an empty 2x0", got.Shape(), got.Data())
	}
}

// moments returns the mean and the standard deviation of x.
func moments[T Float](x []T) (mean, std float64) {
	for _, v := range x {
		mean += float64(v)
	}
	mean /= float64(len(x))
	for _, v := range x {
		std += (float64(v) - mean) * (float64(v) - mean)
	}
	return mean, math.Sqrt(std / float64(len(x)))
}

func TestRandNMoments(t *testing.T) {
	const n = 100_000 // standard errors: mean 0.0032, std 0.0022
	x := RandN[float32](newRNG(11), n)
	mean, std := moments(x.Data())
	if math.Abs(mean) > 0.02 || math.Abs(std-1) > 0.02 {
		t.Errorf("RandN: mean %v, std %v; want 0 and 1 within 0.02", mean, std)
	}
	within := 0
	for _, v := range x.Data() {
		if math.Abs(float64(v)) <= 1 {
			within++
		}
	}
	if frac := float64(within) / n; math.Abs(frac-0.6827) > 0.01 {
		t.Errorf("RandN: %.4f of samples within one std, want 0.6827", frac)
	}
}

func TestRandU(t *testing.T) {
	const n = 100_000
	x := RandU[float64](newRNG(12), -2, 3, n)
	for i, v := range x.Data() {
		if v < -2 || v >= 3 {
			t.Fatalf("RandU[-2, 3) element %d = %v", i, v)
		}
	}
	mean, std := moments(x.Data()) // standard error of the mean: 0.0046
	if math.Abs(mean-0.5) > 0.03 || math.Abs(std-5/math.Sqrt(12)) > 0.02 {
		t.Errorf("RandU[-2, 3): mean %v, std %v; want 0.5 and %.4f", mean, std, 5/math.Sqrt(12))
	}
	// [1, next float32 after 1): rounding to float32 would often give hi.
	hi := math.Nextafter32(1, 2)
	for i, v := range RandU[float32](newRNG(13), 1, hi, 1000).Data() {
		if v != 1 {
			t.Fatalf("RandU[1, %v) element %d = %v, want 1", hi, i, v)
		}
	}
	testutil.MustPanic(t, func() { RandU[float64](newRNG(1), 1, 1, 3) }, "RandU needs lo < hi, got [1, 1)")
	testutil.MustPanic(t, func() { RandU[float32](newRNG(1), 2, -2, 3) }, "RandU needs lo < hi, got [2, -2)")
	testutil.MustPanic(t, func() { RandU(newRNG(1), math.NaN(), 1, 3) }, "RandU needs lo < hi")
}

func TestArange(t *testing.T) {
	approx := cmpopts.EquateApprox(0, 1e-12)
	for _, tc := range []struct {
		start, stop, step float64
		want              []float64
	}{
		{0, 5, 1, []float64{0, 1, 2, 3, 4}},
		{5, 0, -1, []float64{5, 4, 3, 2, 1}},
		{-1, 1, 0.5, []float64{-1, -0.5, 0, 0.5}},
		{0, 2.5, 1, []float64{0, 1, 2}},
		{0, -1, -0.3, []float64{0, -0.3, -0.6, -0.9}},
		{1, 1.3, 0.1, []float64{1, 1.1, 1.2, 1.3}}, // NumPy's too: 0.3/0.1 rounds above 3
		{2, 2, 1, []float64{}},
		{3, 0, 1, []float64{}},
		{0, 3, -1, []float64{}},
	} {
		got := Arange(tc.start, tc.stop, tc.step)
		if got.NDim() != 1 || !cmp.Equal(got.Data(), tc.want, approx, cmpopts.EquateEmpty()) {
			t.Errorf("Arange(%v, %v, %v) = %v %v, want %v", tc.start, tc.stop, tc.step, got.Shape(), got.Data(), tc.want)
		}
	}
	f := Arange[float32](0, 1, 0.1)
	if f.Size() != 10 || math.Abs(float64(f.At(9))-0.9) > 1e-6 {
		t.Errorf("float32 Arange(0, 1, 0.1) = %v, want 10 values up to 0.9", f.Data())
	}
	testutil.MustPanic(t, func() { Arange(0, 1, 0.0) }, "Arange with step 0")
}
