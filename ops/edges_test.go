package ops_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// same reports whether got and want are the same float64: equal with the
// same sign (so −0 ≠ +0), or both NaN.
func same(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return got == want && math.Signbit(got) == math.Signbit(want)
}

// edgeRun applies op to x on a tape in precision T, runs backward with an
// upstream gradient of ones and returns the output and gradient in float64.
func edgeRun[T tensor.Float](op autograd.Op[T], x []float64) (y, dx []float64) {
	in := tensor.New[T](len(x))
	for i, v := range x {
		in.Data()[i] = T(v)
	}
	tape := autograd.NewTape[T]()
	v := tape.Param(in)
	out := autograd.Apply(op, v)
	tape.BackwardWithGrad(out, tensor.Ones[T](len(x)))
	for i := range x {
		y = append(y, float64(out.Value().Data()[i]))
		dx = append(dx, float64(v.Grad().Data()[i]))
	}
	return y, dx
}

// TestExpLogEdgesExact pins ops.Exp and ops.Log, values and gradients, at
// the edges of float64 and float32 to the correctly rounded values (mpmath
// at 400 bits, rounded once; see internal/fmath/testdata), bit for bit:
// exp up to its overflow threshold, where amd64's math.Exp gives +Inf from
// 709.44, and down into the subnormals; log of subnormals, where amd64's
// math.Log is off by up to 35. Exp's gradient for an upstream of ones is
// its value; Log's is 1/x, which overflows to +Inf below 2^-1024 as in
// PyTorch.
func TestExpLogEdgesExact(t *testing.T) {
	inf := math.Inf(1)
	exp64 := []struct{ x, y float64 }{
		{709.5, 1.3549863193146328e+308},
		{709.78, 1.7928227943945155e+308},
		{709.7827128933839, 1.7976931348620688e+308},
		{709.782712893384, 1.7976931348622732e+308}, // the last finite one
		{709.7827128933841, inf},
		{-720, 2.0322308024e-313},
		{-745.13, 5e-324},
		{-746, 0},
	}
	log64 := []struct{ x, y, dx float64 }{
		{5e-324, -744.4400719213812, inf},
		{1e-310, -713.8013788281542, inf},
		{math.Nextafter(0x1p-1022, 0), -708.3964185322641, 4.494232837155791e+307},
		{0x1p-1022, -708.3964185322641, 4.49423283715579e+307},
		{math.Copysign(0, -1), math.Inf(-1), math.Inf(-1)},
	}
	// float32: e^x overflows from 88.72283935546875 (the float32 above
	// ln(MaxFloat32 + ½ulp) ≈ 88.7228391); 1e-45 is the smallest subnormal.
	exp32 := []struct{ x, y float64 }{
		{88.72283172607422, 3.402798519021476e+38},
		{88.72283935546875, inf},
		{-103.27893829345703, 1.401298464324817e-45},
		{-104, 0},
	}
	log32 := []struct{ x, y, dx float64 }{
		{1.401298464324817e-45, -103.2789306640625, inf}, // 1/x > MaxFloat32
		{9.999999350456404e-39, -87.49822998046875, 1.0000000694406173e+38},
	}
	for _, c := range exp64 {
		y, dx := edgeRun[float64](&ops.Exp[float64]{}, []float64{c.x})
		if !same(y[0], c.y) || !same(dx[0], c.y) {
			t.Errorf("float64 Exp(%v) = %v with gradient %v, want %v for both", c.x, y[0], dx[0], c.y)
		}
	}
	for _, c := range log64 {
		y, dx := edgeRun[float64](&ops.Log[float64]{}, []float64{c.x})
		if !same(y[0], c.y) || !same(dx[0], c.dx) {
			t.Errorf("float64 Log(%v) = %v with gradient %v, want %v and %v", c.x, y[0], dx[0], c.y, c.dx)
		}
	}
	for _, c := range exp32 {
		y, dx := edgeRun[float32](&ops.Exp[float32]{}, []float64{c.x})
		if !same(y[0], c.y) || !same(dx[0], c.y) {
			t.Errorf("float32 Exp(%v) = %v with gradient %v, want %v for both", c.x, y[0], dx[0], c.y)
		}
	}
	for _, c := range log32 {
		y, dx := edgeRun[float32](&ops.Log[float32]{}, []float64{c.x})
		if !same(y[0], c.y) || !same(dx[0], c.dx) {
			t.Errorf("float32 Log(%v) = %v with gradient %v, want %v and %v", c.x, y[0], dx[0], c.y, c.dx)
		}
	}
}

// TestPowSignedZeros pins ops.Pow's value and gradient at ±0, ±Inf and NaN
// to PyTorch's (torch.pow and its backward in 1.13, float64 and float32
// alike), whose shortcuts for the exponents ½, −½, −1, 2, 3 and −2 decide
// the signs: (−0)^½ = −0 with gradient ½/√−0 = −Inf, where C's pow gives +0
// and +Inf.
func TestPowSignedZeros(t *testing.T) {
	inf, nan, nz := math.Inf(1), math.NaN(), math.Copysign(0, -1)
	x := []float64{0, nz, inf, -inf, nan}
	cases := []struct {
		p     float64
		y, dx []float64
	}{
		{0.5, []float64{0, nz, inf, nan, nan}, []float64{inf, -inf, 0, nan, nan}},
		{-0.5, []float64{inf, -inf, 0, nan, nan}, []float64{-inf, -inf, nz, nz, nan}},
		{-1, []float64{inf, -inf, 0, nz, nan}, []float64{-inf, -inf, nz, nz, nan}},
		{2, []float64{0, 0, inf, inf, nan}, []float64{0, nz, inf, -inf, nan}},
		{1, []float64{0, nz, inf, -inf, nan}, []float64{1, 1, 1, 1, 1}},
		{0, []float64{1, 1, 1, 1, 1}, []float64{0, 0, 0, 0, 0}},
		{3, []float64{0, nz, inf, -inf, nan}, []float64{0, 0, inf, inf, nan}},
		{0.3, []float64{0, 0, inf, inf, nan}, []float64{inf, inf, 0, 0, nan}},
		{-2, []float64{inf, inf, 0, 0, nan}, []float64{-inf, inf, nz, 0, nan}},
		{1.5, []float64{0, 0, inf, inf, nan}, []float64{0, nz, inf, nan, nan}},
		{4, []float64{0, 0, inf, inf, nan}, []float64{0, nz, inf, -inf, nan}},
	}
	for _, c := range cases {
		check := func(dtype string, y, dx []float64) {
			for i := range x {
				if !same(y[i], c.y[i]) || !same(dx[i], c.dx[i]) {
					t.Errorf("%s Pow(%v, %v) = %v with gradient %v, want %v and %v (PyTorch's)", dtype, x[i], c.p, y[i], dx[i], c.y[i], c.dx[i])
				}
			}
		}
		y, dx := edgeRun[float64](&ops.Pow[float64]{P: c.p}, x)
		check("float64", y, dx)
		y, dx = edgeRun[float32](&ops.Pow[float32]{P: float32(c.p)}, x)
		check("float32", y, dx)
	}
}

// TestELUFarTail checks that ELU's gradient is α·eˣ far into the negative
// tail, where y + α, the derivative read off the output, cancels to 0
// (from x ≈ −37): at −40 it is e⁻⁴⁰ = 4.248354255291589e-18, and subnormal
// at −740, as in PyTorch.
func TestELUFarTail(t *testing.T) {
	_, dx := edgeRun[float64](&ops.ELU[float64]{Alpha: 1}, []float64{-40, -740, -800})
	for i, want := range []float64{4.248354255291589e-18, 4.2e-322, 0} {
		if dx[i] != want {
			t.Errorf("ELU gradient %d = %v, want %v", i, dx[i], want)
		}
	}
	// NaN passes the upstream gradient through, as PyTorch's x ≤ 0 test
	// sends it to the linear branch.
	y, dx := edgeRun[float64](&ops.ELU[float64]{Alpha: 1}, []float64{math.NaN()})
	if !math.IsNaN(y[0]) || dx[0] != 1 {
		t.Errorf("ELU(NaN) = %v with gradient %v, want NaN and 1", y[0], dx[0])
	}
}

// TestTanhGradientNearOne checks that 1 − y² is rounded once: in float32
// at x = 5, tanh x rounds to y = 0.99990922212600708 and 1 − y² =
// 1.8154701…e-4 exactly, which 1 − fl(y·y) would miss by about 2e-8
// (1.5e-4 relative).
func TestTanhGradientNearOne(t *testing.T) {
	y, dx := edgeRun[float32](&ops.Tanh[float32]{}, []float64{5})
	v := float64(float32(y[0]))
	want := float64(float32(1 - v*v)) // v·v is exact in float64
	if dx[0] != want {
		t.Errorf("float32 Tanh gradient at 5 = %v, want %v", dx[0], want)
	}
}

func TestLogSoftmaxGradCheck(t *testing.T) {
	r := rng(41)
	for _, c := range []struct {
		shape []int
		axes  []int
	}{
		{[]int{5}, []int{0, -1}},
		{[]int{1}, []int{0}},
		{[]int{3, 4}, []int{0, 1, -1}},
		{[]int{1, 4}, []int{0, 1}},
		{[]int{2, 3, 4}, []int{0, 1, 2}},
	} {
		for _, axis := range c.axes {
			mk := func() autograd.Op[float64] { return &ops.LogSoftmax[float64]{Axis: axis} }
			checkGrad(t, fmt.Sprintf("LogSoftmax %v axis %d", c.shape, axis), unary(mk), tensor.Scale(randn(r, c.shape...), 3))
		}
	}
}

// TestLogSoftmaxPrecision checks that log-probabilities near 0 keep their
// relative precision next to logits near exp's overflow threshold. For the
// row (709.78, 700) the correctly rounded values (mpmath, 400 bits) are
// −5.6570195923629014e-05 and −9.780056570195896; x − LogSumExp(x) would
// carry LogSumExp's rounding error at 709, about 1e-13, into the first
// (2e-9 relative), and log of the whole sum 1 + e^−9.78, as PyTorch takes
// it, gives −5.657019592352702e-05 (2e-12 relative). LogSumExp of the row
// keeps its precision the same way: log1p, not log, of a sum near 1.
func TestLogSoftmaxPrecision(t *testing.T) {
	x := vec([]float64{709.78, 700}, 1, 2)
	y := forward(&ops.LogSoftmax[float64]{Axis: 1}, x).Data()
	for i, want := range []float64{-5.6570195923629014e-05, -9.780056570195896} {
		if math.Abs(y[i]-want) > 0x1p-52*math.Abs(want) {
			t.Errorf("LogSoftmax(709.78, 700)[%d] = %v, want %v", i, y[i], want)
		}
	}
	// log(1 + e^−20) = 2.061153620314381e-09 (mpmath): log of the sum
	// 1 + 2.06e-9, rounded to float64, is off by 3.4e-8 relative.
	lse := forward(&ops.LogSumExp[float64]{Axis: 0}, vec([]float64{0, -20})).Data()[0]
	if want := 2.061153620314381e-09; math.Abs(lse-want) > 0x1p-52*want {
		t.Errorf("LogSumExp(0, −20) = %v, want %v", lse, want)
	}
	// It keeps only its output.
	if got := savedBytes(&ops.LogSoftmax[float64]{Axis: 1}, x); got != 16 {
		t.Errorf("LogSoftmax keeps %d bytes, want 16 (its output)", got)
	}
}

func TestLogSoftmaxPanics(t *testing.T) {
	testutil.MustPanic(t, func() {
		forward(&ops.LogSoftmax[float64]{}, vec([]float64{1}), vec([]float64{1}))
	}, "ops: LogSoftmax takes 1 input(s), got 2")
	testutil.MustPanic(t, func() {
		forward(&ops.LogSoftmax[float64]{Axis: 2}, vec([]float64{1, 2}, 1, 2))
	}, "ops: LogSoftmax: axis 2 out of range for an input of shape [1 2]")
	testutil.MustPanic(t, func() {
		forward(&ops.LogSoftmax[float64]{Axis: 1}, tensor.New[float64](2, 0))
	}, "size 0")
}
