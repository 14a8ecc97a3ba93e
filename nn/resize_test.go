package nn

import (
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestAdaptivePoolModules: the modules pool a 3×5 plane to 2×0 (None: the
// width kept) with PyTorch's bins — rows [0, 2) and [1, 3) — and have no
// state; AdaptiveMaxPool2d keeps its indices only with ReturnIndices. The
// numbers are worked out by hand from those bins.
func TestAdaptivePoolModules(t *testing.T) {
	x := autograd.NewConst(tensor.FromSlice([]float64{
		1, 7, 3, 0, 5,
		4, 2, 6, 8, 1,
		9, 0, 2, 3, 4,
	}, 1, 1, 3, 5))
	avg := NewAdaptiveAvgPool2d[float64](2, 0)
	if got, want := avg.Forward(x).Value().Data(), []float64{2.5, 4.5, 4.5, 4, 3, 6.5, 1, 4, 5.5, 2.5}; !slices.Equal(got, want) {
		t.Errorf("AdaptiveAvgPool2d = %v, want %v", got, want)
	}
	mx := NewAdaptiveMaxPool2d[float64](2, 0)
	wantY, wantIdx := []float64{4, 7, 6, 8, 5, 9, 2, 6, 8, 4}, []int64{5, 1, 7, 8, 4, 10, 6, 7, 8, 14}
	if got := mx.Forward(x).Value().Data(); !slices.Equal(got, wantY) {
		t.Errorf("AdaptiveMaxPool2d = %v, want %v", got, wantY)
	}
	if mx.Indices() != nil {
		t.Error("Indices without ReturnIndices is not nil")
	}
	y, idx := mx.ForwardWithIndices(x)
	if !slices.Equal(y.Value().Data(), wantY) || !slices.Equal(idx, wantIdx) || mx.Indices() != nil {
		t.Errorf("ForwardWithIndices = %v, %v (kept %v), want %v, %v", y.Value().Data(), idx, mx.Indices(), wantY, wantIdx)
	}
	mx.ReturnIndices = true
	mx.Forward(x)
	if got := mx.Indices(); !slices.Equal(got, wantIdx) {
		t.Errorf("Indices = %v, want %v", got, wantIdx)
	}
	for _, m := range []Module[float64]{avg, mx} {
		if len(NamedParams(m)) != 0 || len(NamedBuffers(m)) != 0 {
			t.Errorf("%T has state, want none (PyTorch's state_dict is empty)", m)
		}
	}
}

// TestUpsampleModule: nn.Upsample(scale_factor=1.5, mode="bilinear") on a
// 1×2 plane gives 1×3 with PyTorch's positions (o + ½)/1.5 − ½, clamped at
// 0: 0, ½ and 7/6 (past the last input, which it takes alone) — and no
// state.
func TestUpsampleModule(t *testing.T) {
	u := NewUpsample[float64](1.5, functional.InterpBilinear)
	y := u.Forward(autograd.NewConst(tensor.FromSlice([]float64{2, 4}, 1, 1, 1, 2)))
	if got, want := y.Value().Data(), []float64{2, 3, 4}; !slices.Equal(got, want) || !slices.Equal(y.Shape(), []int{1, 1, 1, 3}) {
		t.Errorf("Upsample = %v of shape %v, want %v of shape [1 1 1 3]", got, y.Shape(), want)
	}
	if len(NamedParams[float64](u)) != 0 || len(NamedBuffers[float64](u)) != 0 {
		t.Error("Upsample has state, want none")
	}
}
