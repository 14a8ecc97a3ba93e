package ops_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// Forward leaves every sample's group mean and biased variance in Mean and
// Var (N×Groups) and normalizes each group with them; γ and β act per
// channel.
func TestGroupNormStatistics(t *testing.T) {
	// N=2, C=4, L=1, two groups of channels {0,1} and {2,3}.
	x := vec([]float64{1, 3, 10, 30, 2, 2, -1, 5}, 2, 4, 1)
	op := &ops.GroupNorm[float64]{Groups: 2, Eps: 0}
	gamma, beta := vec([]float64{1, 2, 3, 4}, 4), vec([]float64{0, 1, 0, -1}, 4)
	y := forward[float64](op, x, gamma, beta)
	assertTensor(t, "Mean", op.Mean, []int{2, 2}, []float64{2, 20, 2, 2}, 1e-15)
	assertTensor(t, "Var", op.Var, []int{2, 2}, []float64{1, 100, 0, 9}, 1e-15)
	// The second sample's first group is constant: σ = 0, and x̂ = 0/0.
	want := []float64{-1, 2 + 1, -3, 4 - 1, math.NaN(), math.NaN(), -3, 4 - 1}
	for i, w := range want {
		g := y.Data()[i]
		if math.IsNaN(w) != math.IsNaN(g) || !math.IsNaN(w) && math.Abs(g-w) > 1e-15 {
			t.Errorf("y[%d] = %v, want %v", i, g, w)
		}
	}
}

// With one group per channel group norm is instance norm: on a batch of one
// sample it equals batch norm.
func TestGroupNormInstanceIsBatchNormOfOne(t *testing.T) {
	r := rng(93)
	x, g, b := randn(r, 1, 3, 4, 5), randn(r, 3), randn(r, 3)
	gn := forward[float64](&ops.GroupNorm[float64]{Groups: 3, Eps: 1e-5}, x, g, b)
	bn := forward[float64](&ops.BatchNorm[float64]{Eps: 1e-5}, x, g, b)
	if !tensor.AllClose(gn, bn, 1e-13, 1e-13) {
		t.Errorf("GroupNorm(groups=C) %v differs from BatchNorm %v on one sample", gn.Data()[:4], bn.Data()[:4])
	}
}

// The fused op keeps x, μ and 1/σ per sample and group (float64), and γ.
func TestGroupNormSaved(t *testing.T) {
	r := rng(94)
	got := savedBytes(&ops.GroupNorm[float64]{Groups: 3, Eps: 1e-5}, randn(r, 8, 6, 2, 2), randn(r, 6), randn(r, 6))
	if want := (8*6*2*2 + 2*8*3 + 6) * 8; got != want {
		t.Errorf("SavedBytes = %d, want %d", got, want)
	}
}

// An input with no values has NaN statistics, as an empty mean.
func TestGroupNormEmpty(t *testing.T) {
	op := &ops.GroupNorm[float64]{Groups: 2, Eps: 1e-5}
	y := forward[float64](op, tensor.New[float64](2, 4, 0))
	if y.Size() != 0 || !math.IsNaN(op.Mean.Data()[0]) || !math.IsNaN(op.Var.Data()[3]) {
		t.Errorf("empty input: y %v, Mean %v, Var %v; want empty y and NaN statistics", y.Shape(), op.Mean.Data(), op.Var.Data())
	}
	op32 := &ops.GroupNorm[float32]{Groups: 2, Eps: 1e-5}
	y32 := forward[float32](op32, tensor.New[float32](2, 4, 0))
	if y32.Size() != 0 || !math.IsNaN(float64(op32.Mean.Data()[0])) || !math.IsNaN(float64(op32.Var.Data()[3])) {
		t.Errorf("empty float32 input: y %v, Mean %v, Var %v; want empty y and NaN statistics", y32.Shape(), op32.Mean.Data(), op32.Var.Data())
	}
	// No channels: nothing to normalize, and a gradient of no values.
	op = &ops.GroupNorm[float64]{Groups: 1, Eps: 1e-5}
	y = forward[float64](op, tensor.New[float64](2, 0, 3))
	if dx := op.Backward(tensor.New[float64](2, 0, 3), []bool{true})[0]; y.Size() != 0 || dx.Size() != 0 {
		t.Errorf("no channels: y %v, dx %v", y.Shape(), dx.Shape())
	}
}
