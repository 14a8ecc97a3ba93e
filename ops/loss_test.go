package ops_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// lossGrads applies op to x and t (nil for a one-input op), seeds the
// output with ones and returns the output and the gradients.
func lossGrads[T tensor.Float](op autograd.Op[T], x, t []T) (y, dx, dt []T) {
	tape := autograd.NewTape[T]()
	xv := tape.Param(tensor.FromSlice(x, len(x)))
	in := []*autograd.Var[T]{xv}
	var tv *autograd.Var[T]
	if t != nil {
		tv = tape.Param(tensor.FromSlice(t, len(t)))
		in = append(in, tv)
	}
	out := autograd.Apply(op, in...)
	tape.BackwardWithGrad(out, tensor.Ones[T](len(x)))
	if tv != nil {
		dt = tv.Grad().Data()
	}
	return out.Value().Data(), xv.Grad().Data(), dt
}

// TestBCEWithLogitsExtremeLogits checks the stable form at logits of ±100
// and ±1e4 in both dtypes: the loss is exactly |x| on the wrong side and 0
// (to rounding) on the right one, the gradients ±1 and 0, never NaN.
func TestBCEWithLogitsExtremeLogits(t *testing.T) {
	x := []float64{1e4, -1e4, 100, -100, 1e4, -1e4}
	tg := []float64{0, 1, 0, 1, 1, 0}
	wantY := []float64{1e4, 1e4, 100, 100, 0, 0}
	wantDx := []float64{1, -1, 1, -1, 0, 0}
	wantDt := []float64{-1e4, 1e4, -100, 100, -1e4, 1e4}
	check := func(name string, y, dx, dt []float64) {
		for i := range x {
			if math.Abs(y[i]-wantY[i]) > 1e-30 || math.Abs(dx[i]-wantDx[i]) > 1e-30 || dt[i] != wantDt[i] {
				t.Errorf("%s: x = %g, t = %g: loss %g, dx %g, dt %g; want %g, %g, %g", name, x[i], tg[i], y[i], dx[i], dt[i], wantY[i], wantDx[i], wantDt[i])
			}
		}
	}
	y, dx, dt := lossGrads[float64](&ops.BCEWithLogits[float64]{}, x, tg)
	check("float64", y, dx, dt)
	y32, dx32, dt32 := lossGrads[float32](&ops.BCEWithLogits[float32]{}, testutil.Convert[float32](x), testutil.Convert[float32](tg))
	check("float32", testutil.Convert[float64](y32), testutil.Convert[float64](dx32), testutil.Convert[float64](dt32))
}

// TestBCELossAtZeroAndOne checks PyTorch's clamps: the loss at p = 0 or 1
// is 100 per unit of target on the wrong side; dp is (p − t)/1e-12 (1e-12
// rounded to float32, as PyTorch's); dt is ±Inf, unclamped.
func TestBCELossAtZeroAndOne(t *testing.T) {
	p := []float64{0, 0, 1, 1}
	tg := []float64{0, 1, 1, 0.5}
	y, dp, dt := lossGrads[float64](&ops.BCELoss[float64]{}, p, tg)
	eps := float64(float32(1e-12))
	wantY := []float64{0, 100, 0, 50}
	wantDp := []float64{0, -1 / eps, 0, 0.5 / eps}
	wantDt := []float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for i := range p {
		if y[i] != wantY[i] || math.Abs(dp[i]-wantDp[i]) > 1e-15*math.Abs(wantDp[i]) || dt[i] != wantDt[i] {
			t.Errorf("p = %g, t = %g: loss %g, dp %g, dt %g; want %g, %g, %g", p[i], tg[i], y[i], dp[i], dt[i], wantY[i], wantDp[i], wantDt[i])
		}
	}
}

// TestSmoothL1AtZero checks the L1 loss's gradient at 0 (0, as sign(0)) and
// the quadratic branch's derivative d/Beta.
func TestSmoothL1AtZero(t *testing.T) {
	_, dx, _ := lossGrads[float64](&ops.SmoothL1[float64]{}, []float64{0, -0.5, 2}, nil)
	if dx[0] != 0 || dx[1] != -1 || dx[2] != 1 {
		t.Errorf("L1 gradients %v, want [0 -1 1]", dx)
	}
	y, dx, _ := lossGrads[float64](&ops.SmoothL1[float64]{Beta: 0.5}, []float64{0, 0.25, -3}, nil)
	if y[0] != 0 || y[1] != 0.0625 || y[2] != 2.75 || dx[0] != 0 || dx[1] != 0.5 || dx[2] != -1 {
		t.Errorf("SmoothL1(beta 0.5): loss %v, gradient %v; want [0 0.0625 2.75], [0 0.5 -1]", y, dx)
	}
	testutil.MustPanic(t, func() { forward[float64](&ops.SmoothL1[float64]{Beta: -1}, tensor.New[float64](2)) },
		"ops: SmoothL1: beta -1 must be at least 0 (input of shape [2])")
}

// TestXLogXAtZero checks 0·log 0 = 0, and the derivative there, NaN as
// PyTorch's.
func TestXLogXAtZero(t *testing.T) {
	y, dx, _ := lossGrads[float64](&ops.XLogX[float64]{}, []float64{0, 1, math.E}, nil)
	if y[0] != 0 || y[1] != 0 || math.Abs(y[2]-math.E) > 1e-15 || !math.IsNaN(dx[0]) || dx[1] != 1 || math.Abs(dx[2]-2) > 1e-15 {
		t.Errorf("XLogX: %v, gradient %v; want [0 0 e], [NaN 1 2]", y, dx)
	}
}

// TestNLLLossIgnoreAndWeights checks the ignored targets (0, no gradient)
// and the weights, on an N×C×d input.
func TestNLLLossIgnoreAndWeights(t *testing.T) {
	// x[n, c, k] = 10n + c + k/10: N = 2, C = 3, d = 2.
	x := tensor.New[float64](2, 3, 2)
	for n := range 2 {
		for c := range 3 {
			for k := range 2 {
				x.Data()[(n*3+c)*2+k] = float64(10*n+c) + float64(k)/10
			}
		}
	}
	op := &ops.NLLLoss[float64]{Target: []int{2, 7, 0, 1}, Weight: tensor.FromSlice([]float64{0.5, 2, 3}, 3), IgnoreIndex: 7}
	tape := autograd.NewTape[float64]()
	xv := tape.Param(x)
	y := autograd.Apply[float64](op, xv)
	tape.BackwardWithGrad(y, tensor.Ones[float64](2, 2))
	wantY := []float64{-3 * 2, 0, -0.5 * 10, -2 * 11.1}
	if !tensor.EqualShapes(y.Shape(), []int{2, 2}) || testutil.MaxAbsDiff(y.Value().Data(), wantY) > 1e-12 {
		t.Errorf("NLLLoss = %v (shape %v), want %v", y.Value().Data(), y.Shape(), wantY)
	}
	wantDx := make([]float64, 12)
	wantDx[(0*3+2)*2+0] = -3
	wantDx[(1*3+0)*2+0] = -0.5
	wantDx[(1*3+1)*2+1] = -2
	if testutil.MaxAbsDiff(xv.Grad().Data(), wantDx) != 0 {
		t.Errorf("NLLLoss gradient %v, want %v", xv.Grad().Data(), wantDx)
	}
	testutil.MustPanic(t, func() {
		forward[float64](&ops.NLLLoss[float64]{Target: []int{0, 5}, IgnoreIndex: -100}, tensor.New[float64](2, 3))
	}, "ops: NLLLoss: target 5 at element 1 is out of range for 3 classes (input of shape [2 3])")
	testutil.MustPanic(t, func() {
		forward[float64](&ops.NLLLoss[float64]{Target: []int{0, 1}, Weight: tensor.Ones[float64](4)}, tensor.New[float64](2, 3))
	}, "ops: NLLLoss: weight of shape [4], want 3 elements, one per class (input of shape [2 3])")
}
