package ops_test

import (
	"math"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestReLUEdgeValues pins ReLU's forward on the values whose handling the
// branch-free mask decides, in both dtypes: −0 and every negative become
// +0 (bits and all), NaNs of either sign stay NaN, +Inf and the smallest
// positive subnormal stay themselves.
func TestReLUEdgeValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	in := []float64{-2, math.Copysign(0, -1), 0, -inf, inf, nan, -nan, 5e-324, -5e-324, 0.5}
	want := []float64{0, 0, 0, 0, inf, nan, nan, 5e-324, 0, 0.5}
	y64 := (&ops.ReLU[float64]{}).Forward([]*tensor.Tensor[float64]{tensor.FromSlice(in)}).Data()
	for i, w := range want {
		if got := y64[i]; math.IsNaN(w) != math.IsNaN(got) || !math.IsNaN(w) && math.Float64bits(got) != math.Float64bits(w) {
			t.Errorf("float64 ReLU(%v) = %v (bits %x), want %v", in[i], got, math.Float64bits(got), w)
		}
	}
	in32 := make([]float32, len(in))
	for i, v := range in {
		in32[i] = float32(v)
	}
	in32[7], in32[8] = math.Float32frombits(1), -math.Float32frombits(1) // the float32 subnormals
	want[7] = float64(math.Float32frombits(1))
	y32 := (&ops.ReLU[float32]{}).Forward([]*tensor.Tensor[float32]{tensor.FromSlice(in32)}).Data()
	for i, w := range want {
		if got := y32[i]; math.IsNaN(w) != math.IsNaN(float64(got)) || !math.IsNaN(w) && math.Float32bits(got) != math.Float32bits(float32(w)) {
			t.Errorf("float32 ReLU(%v) = %v (bits %x), want %v", in32[i], got, math.Float32bits(got), w)
		}
	}
}

// TestReLUSplitLoop runs ReLU on more than 2·parallel.Grain values with
// two goroutines, so that the loop is split, and checks every value against
// max(x, 0).
func TestReLUSplitLoop(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	n := 2*parallel.Grain + 7
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i%13) - 6.5
	}
	y := (&ops.ReLU[float32]{}).Forward([]*tensor.Tensor[float32]{tensor.FromSlice(x)}).Data()
	for i, v := range x {
		if y[i] != max(v, 0) {
			t.Fatalf("ReLU(x)[%d] = %v, want %v", i, y[i], max(v, 0))
		}
	}
}
