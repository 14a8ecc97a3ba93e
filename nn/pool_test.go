package nn

import (
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestMaxPool2dModule: the module's fields are F.max_pool2d's options;
// with ReturnIndices, Forward keeps the indices for Indices; without, it
// keeps none; ForwardWithIndices returns them either way. The numbers are
// PyTorch's for the 4×6 plane below, a 2×2 kernel at the default stride,
// dilation (1, 2) and ceil mode.
func TestMaxPool2dModule(t *testing.T) {
	x := autograd.NewConst(tensor.FromSlice([]float64{
		3, 1, 4, 1.5, 5, 9,
		2, 6, 5, 3.5, 8, 9.7,
		7, 9.3, 2.3, 8.4, 6.2, 6.4,
		3.3, 8.3, 2.7, 9.5, 0, 2.8,
	}, 1, 1, 4, 6))
	wantY, wantIdx := []float64{5, 8, 8, 7, 6.2, 6.2}, []int64{8, 10, 10, 12, 16, 16}
	m := &MaxPool2d[float64]{Kernel: [2]int{2, 2}, Dilation: [2]int{1, 2}, CeilMode: true}
	if got := m.Forward(x).Value().Data(); !slices.Equal(got, wantY) {
		t.Errorf("Forward = %v, want %v", got, wantY)
	}
	if got := m.Indices(); got != nil {
		t.Errorf("Indices without ReturnIndices = %v, want nil", got)
	}
	y, idx := m.ForwardWithIndices(x)
	if !slices.Equal(y.Value().Data(), wantY) || !slices.Equal(idx, wantIdx) {
		t.Errorf("ForwardWithIndices = %v, %v, want %v, %v", y.Value().Data(), idx, wantY, wantIdx)
	}
	if m.Indices() != nil {
		t.Error("ForwardWithIndices kept its indices in the module")
	}
	m.ReturnIndices = true
	if got := m.Forward(x).Value().Data(); !slices.Equal(got, wantY) {
		t.Errorf("Forward with ReturnIndices = %v, want %v", got, wantY)
	}
	if got := m.Indices(); !slices.Equal(got, wantIdx) {
		t.Errorf("Indices = %v, want %v", got, wantIdx)
	}
	if len(NamedParams[float64](m)) != 0 || len(NamedBuffers[float64](m)) != 0 {
		t.Error("MaxPool2d has state, want none (PyTorch's state_dict is empty)")
	}
}

// TestAvgPool2dModule: a 3×3 kernel at stride 2 with padding 1 over 0…15
// in a 4×4 plane, with each of PyTorch's divisors; and NewAvgPool2d's zero
// stride is the kernel size.
func TestAvgPool2dModule(t *testing.T) {
	x := autograd.NewConst(tensor.Arange[float64](0, 16, 1).Reshape(1, 1, 4, 4))
	for _, c := range []struct {
		name string
		m    *AvgPool2d[float64]
		want []float64
	}{
		{"count_include_pad", NewAvgPool2d[float64](3, 2, 1), []float64{10.0 / 9, 24.0 / 9, 51.0 / 9, 10}},
		{"count_include_pad=False", &AvgPool2d[float64]{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, ExcludePad: true},
			[]float64{2.5, 4, 8.5, 10}},
		{"divisor_override=2", &AvgPool2d[float64]{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, DivisorOverride: 2},
			[]float64{5, 12, 25.5, 45}},
		{"ceil mode", &AvgPool2d[float64]{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, CeilMode: true},
			// Windows [0, 3) and [2, 5), the last holding rows and columns 2, 3.
			[]float64{5, 6.5, 11, 12.5}},
		{"stride 0", NewAvgPool2d[float64](2, 0, 0), []float64{2.5, 4.5, 10.5, 12.5}},
	} {
		if got := c.m.Forward(x).Value().Data(); !slices.Equal(got, c.want) {
			t.Errorf("%s: Forward = %v, want %v", c.name, got, c.want)
		}
	}
	if got := NewMaxPool2d[float64](2, 0, 0).Forward(x).Value().Data(); !slices.Equal(got, []float64{5, 7, 13, 15}) {
		t.Errorf("NewMaxPool2d(2, 0, 0) = %v, want [5 7 13 15]", got)
	}
}
