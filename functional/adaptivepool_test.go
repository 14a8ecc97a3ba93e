package functional_test

import (
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestAdaptiveAvgPool2dGlobalIsMean: pooling to 1×1 is GlobalAvgPool2d, in
// value and gradient; pooling to the input's size (or None) is the identity.
func TestAdaptiveAvgPool2dGlobalIsMean(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(poolPlane())
	y := functional.AdaptiveAvgPool2d(x, [2]int{1, 1})
	tape.BackwardWithGrad(y, tensor.FromSlice([]float64{3}, 1, 1, 1, 1))
	gotY, gotG := y.Value().Data(), slices.Clone(x.Grad().Data())

	tape2 := autograd.NewTape[float64]()
	x2 := tape2.Param(poolPlane())
	m := functional.GlobalAvgPool2d(x2)
	tape2.BackwardWithGrad(m, tensor.FromSlice([]float64{3}, 1, 1))
	if want := m.Value().Data(); !slices.Equal(gotY, want) {
		t.Errorf("AdaptiveAvgPool2d to 1×1 = %v, the mean is %v", gotY, want)
	}
	if want := x2.Grad().Data(); !slices.Equal(gotG, want) {
		t.Errorf("gradient %v, the mean's is %v", gotG, want)
	}
	for _, size := range [][2]int{{4, 6}, {0, 6}, {4, 0}, {0, 0}} {
		id := functional.AdaptiveAvgPool2d(autograd.NewConst(poolPlane()), size)
		if !slices.Equal(id.Value().Data(), poolPlane().Data()) || !slices.Equal(id.Shape(), []int{1, 1, 4, 6}) {
			t.Errorf("AdaptiveAvgPool2d to %v changed the 4×6 input", size)
		}
	}
}

// TestAdaptiveMaxPool2dWithIndices: 4×6 to 3×4 has overlapping bins: rows
// [0,2), [1,3), [2,4) and columns [0,2), [1,3), [3,5), [4,6). A position
// that is the maximum of two bins takes both their gradients.
func TestAdaptiveMaxPool2dWithIndices(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(poolPlane())
	y, idx := functional.AdaptiveMaxPool2dWithIndices(x, [2]int{3, 4})
	wantY := []float64{6, 6, 8, 9.7, 9.3, 9.3, 8.4, 9.7, 9.3, 9.3, 9.5, 6.4}
	wantIdx := []int64{7, 7, 10, 11, 13, 13, 15, 11, 13, 13, 21, 17}
	if !slices.Equal(y.Value().Data(), wantY) || !slices.Equal(idx, wantIdx) {
		t.Errorf("y, indices = %v, %v, want %v, %v", y.Value().Data(), idx, wantY, wantIdx)
	}
	y2 := functional.AdaptiveMaxPool2d(autograd.NewConst(poolPlane()), [2]int{3, 4})
	if !slices.Equal(y2.Value().Data(), wantY) {
		t.Errorf("AdaptiveMaxPool2d = %v, want %v", y2.Value().Data(), wantY)
	}
	tape.BackwardWithGrad(y, tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 1, 1, 3, 4))
	want := make([]float64, 24)
	want[7], want[10], want[11], want[13], want[15], want[17], want[21] = 1+2, 3, 4+8, 5+6+9+10, 7, 12, 11
	if got := x.Grad().Data(); !slices.Equal(got, want) {
		t.Errorf("gradient %v, want %v", got, want)
	}
}
