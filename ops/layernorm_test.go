package ops_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestLayerNormEdgeRows pins exact values where the statistics degenerate:
// a constant row (σ² = 0: x̂ = 0, y = β, r = Eps^(−½)) and a single
// normalized value (D = 1: x̂ = 0 and dx = 0 whatever dy is).
func TestLayerNormEdgeRows(t *testing.T) {
	x := tensor.FromSlice([]float64{2, 2, 2, 1, 2, 4}, 2, 3)
	gamma := tensor.FromSlice([]float64{1, 2, 3}, 3)
	beta := tensor.FromSlice([]float64{0.5, -1, 0.25}, 3)
	seed := tensor.FromSlice([]float64{1, 1, -2, 0, 1, 0}, 2, 3)
	y, gs := backward(t, &ops.LayerNorm[float64]{Shape: []int{3}, Eps: 0.25}, seed, x, gamma, beta)
	for i, want := range []float64{0.5, -1, 0.25} {
		if got := y.Data()[i]; got != want {
			t.Errorf("constant row: y[%d] = %v, want β = %v", i, got, want)
		}
	}
	// ĝ = dy ⊙ γ = (1, 2, −6), mean −1; r = 0.25^(−½) = 2, so dx = 2·(ĝ + 1).
	for i, want := range []float64{4, 6, -10} {
		if got := gs[0].Data()[i]; got != want {
			t.Errorf("constant row: dx[%d] = %v, want %v", i, got, want)
		}
	}

	x1 := tensor.FromSlice([]float64{3, -7}, 2, 1)
	g1 := tensor.FromSlice([]float64{1.5}, 1)
	b1 := tensor.FromSlice([]float64{-0.5}, 1)
	y, gs = backward(t, &ops.LayerNorm[float64]{Shape: []int{1}, Eps: 1e-5}, tensor.FromSlice([]float64{2, -3}, 2, 1), x1, g1, b1)
	if y.Data()[0] != -0.5 || y.Data()[1] != -0.5 || gs[0].Data()[0] != 0 || gs[0].Data()[1] != 0 || gs[1].Data()[0] != 0 || gs[2].Data()[0] != -1 {
		t.Errorf("D = 1: y %v, dx %v, dγ %v, dβ %v; want β, zeros, 0, Σdy = −1", y.Data(), gs[0].Data(), gs[1].Data(), gs[2].Data())
	}
}

// TestRMSNormZeroRow: a zero row gives y = 0 and dx = dy ⊙ γ/√Eps.
func TestRMSNormZeroRow(t *testing.T) {
	x := tensor.FromSlice([]float64{0, 0, 3, 4}, 2, 2)
	gamma := tensor.FromSlice([]float64{2, -1}, 2)
	y, gs := backward(t, &ops.RMSNorm[float64]{Shape: []int{2}, Eps: 0.25}, tensor.FromSlice([]float64{1, 3, 0, 0}, 2, 2), x, gamma)
	if y.Data()[0] != 0 || y.Data()[1] != 0 || gs[0].Data()[0] != 4 || gs[0].Data()[1] != -6 {
		t.Errorf("zero row: y %v, dx %v; want 0, 0 and 4, −6", y.Data()[:2], gs[0].Data()[:2])
	}
	// Row 2: mean square 12.5 + 0.25, so y = γ ⊙ x/√12.75.
	s := math.Sqrt(12.75)
	if math.Abs(y.Data()[2]-6/s) > 1e-15 || math.Abs(y.Data()[3]+4/s) > 1e-15 {
		t.Errorf("row 2: y %v, want %v", y.Data()[2:], []float64{6 / s, -4 / s})
	}
}

// TestLayerNormEmpty: no rows give an empty output and zero parameter
// gradients.
func TestLayerNormEmpty(t *testing.T) {
	x := tensor.New[float64](0, 3)
	gamma, beta := tensor.Ones[float64](3), tensor.New[float64](3)
	y, gs := backward(t, &ops.LayerNorm[float64]{Shape: []int{3}, Eps: 1e-5}, nil, x, gamma, beta)
	if y.Size() != 0 || gs[0].Size() != 0 || gs[1].Data()[0] != 0 || gs[2].Data()[2] != 0 {
		t.Errorf("empty: y %v, grads %v", y, gs)
	}
}

func TestLayerNormOpPanics(t *testing.T) {
	x := tensor.New[float64](2, 3)
	testutil.MustPanic(t, func() { forward(&ops.LayerNorm[float64]{Eps: 1e-5}, x) },
		"ops: LayerNorm: input of shape [2 3] does not end in the normalized shape [] (which must not be empty)")
	testutil.MustPanic(t, func() { forward(&ops.RMSNorm[float64]{Shape: []int{2, 2, 3}}, x) },
		"ops: RMSNorm: input of shape [2 3] does not end in the normalized shape [2 2 3]")
	testutil.MustPanic(t, func() {
		forward(&ops.LayerNorm[float64]{Shape: []int{3}}, x, tensor.New[float64](3), tensor.New[float64](2))
	},
		"ops: LayerNorm: β of shape [2], want the normalized shape [3] (input [2 3])")
	testutil.MustPanic(t, func() { forward[float64](&ops.LayerNorm[float64]{Shape: []int{3}}) },
		"ops: LayerNorm takes 1 input (x), 2 (x, γ) or 3 (x, γ, β), got 0 inputs")
	testutil.MustPanic(t, func() { forward(&ops.RMSNorm[float64]{Shape: []int{3}}, x, x, x) },
		"ops: RMSNorm takes 1 input (x) or 2 (x, γ), got 3 inputs")
}
