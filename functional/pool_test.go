package functional_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// poolPlane is a 1×1×4×6 input whose maxima under a 2×2 kernel with
// dilation (1, 2) and ceil mode are worked out in TestMaxPool2dWithIndices;
// its largest values lie in the columns the dilated taps skip.
func poolPlane() *tensor.Tensor[float64] {
	return tensor.FromSlice([]float64{
		3, 1, 4, 1.5, 5, 9,
		2, 6, 5, 3.5, 8, 9.7,
		7, 9.3, 2.3, 8.4, 6.2, 6.4,
		3.3, 8.3, 2.7, 9.5, 0, 2.8,
	}, 1, 1, 4, 6)
}

// TestMaxPool2dWithIndices: a 2×2 kernel, stride 0 (the kernel's), dilation
// (1, 2) and ceil mode take rows {0, 1} and {2, 3} and columns {0, 2},
// {2, 4} and, ceil mode's partial window, {4}. PyTorch's F.max_pool2d gives
// the same values, indices and gradient.
func TestMaxPool2dWithIndices(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(poolPlane())
	o := functional.MaxPool2dOptions{Kernel: [2]int{2, 2}, Dilation: [2]int{1, 2}, CeilMode: true}
	y, idx := functional.MaxPool2dWithIndices(x, o)
	if got, want := y.Value().Data(), []float64{5, 8, 8, 7, 6.2, 6.2}; !slices.Equal(y.Shape(), []int{1, 1, 2, 3}) || !slices.Equal(got, want) {
		t.Errorf("y = %v of shape %v, want %v of shape [1 1 2 3]", got, y.Shape(), want)
	}
	if want := []int64{8, 10, 10, 12, 16, 16}; !slices.Equal(idx, want) {
		t.Errorf("indices = %v, want %v", idx, want)
	}
	tape.BackwardWithGrad(y, tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 1, 1, 2, 3))
	want := make([]float64, 24)
	want[8], want[10], want[12], want[16] = 1, 2+3, 4, 5+6
	if got := x.Grad().Data(); !slices.Equal(got, want) {
		t.Errorf("dx = %v, want %v", got, want)
	}
	// MaxPool2dWith gives the same values; with recording off the indices
	// are still there.
	if got := functional.MaxPool2dWith(x, o).Value().Data(); !slices.Equal(got, y.Value().Data()) {
		t.Errorf("MaxPool2dWith = %v, want %v", got, y.Value().Data())
	}
	tape.SetGradEnabled(false)
	if _, got := functional.MaxPool2dWithIndices(x, o); !slices.Equal(got, idx) {
		t.Errorf("indices with recording off = %v, want %v", got, idx)
	}
}

// TestPoolOptionsDefaults: the zero value of every option is PyTorch's
// default; a zero stride is the kernel size, as stride=None.
func TestPoolOptionsDefaults(t *testing.T) {
	x := autograd.NewConst(tensor.Arange[float64](0, 16, 1).Reshape(1, 1, 4, 4))
	k := [2]int{2, 2}
	if got, want := functional.AvgPool2dWith(x, functional.AvgPool2dOptions{Kernel: k}).Value().Data(),
		[]float64{2.5, 4.5, 10.5, 12.5}; !slices.Equal(got, want) {
		t.Errorf("AvgPool2dWith(kernel 2) = %v, want %v", got, want)
	}
	if got, want := functional.MaxPool2dWith(x, functional.MaxPool2dOptions{Kernel: k}).Value().Data(),
		[]float64{5, 7, 13, 15}; !slices.Equal(got, want) {
		t.Errorf("MaxPool2dWith(kernel 2) = %v, want %v", got, want)
	}
	if got, want := functional.MaxPool2d(x, k, [2]int{}, [2]int{}).Value().Data(),
		[]float64{5, 7, 13, 15}; !slices.Equal(got, want) {
		t.Errorf("MaxPool2d(kernel 2, stride 0) = %v, want %v", got, want)
	}
}

// TestAvgPool2dWith: a 3×3 kernel at stride 2 with padding 1 over 0…15 in
// a 4×4 plane; its windows hold 2×2, 2×3, 3×2 and 3×3 positions of the
// input, and PyTorch's three divisors give these numbers.
func TestAvgPool2dWith(t *testing.T) {
	x := autograd.NewConst(tensor.Arange[float64](0, 16, 1).Reshape(1, 1, 4, 4))
	base := functional.AvgPool2dOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}
	exclude, override := base, base
	exclude.ExcludePad = true
	override.DivisorOverride = 2
	for _, c := range []struct {
		name string
		o    functional.AvgPool2dOptions
		want []float64
	}{
		{"count_include_pad", base, []float64{10.0 / 9, 24.0 / 9, 51.0 / 9, 10}},
		{"count_include_pad=False", exclude, []float64{2.5, 4, 8.5, 10}},
		{"divisor_override=2", override, []float64{5, 12, 25.5, 45}},
	} {
		if got := functional.AvgPool2dWith(x, c.o).Value().Data(); !slices.Equal(got, c.want) {
			t.Errorf("%s: y = %v, want %v", c.name, got, c.want)
		}
	}
}

// MaxPool2dWithIndices returns, beside the pooled Var, where each maximum
// came from: its position h·W + w in its input plane, as PyTorch's
// return_indices.
func ExampleMaxPool2dWithIndices() {
	x := autograd.NewConst(tensor.FromSlice([]float64{
		1, 5, 2, 0,
		3, 4, 8, 6,
		7, 0, 1, 2,
		9, 3, 4, 3,
	}, 1, 1, 4, 4))
	y, idx := functional.MaxPool2dWithIndices(x, functional.MaxPool2dOptions{Kernel: [2]int{2, 2}})
	fmt.Println(y.Value().Reshape(2, 2))
	fmt.Println(idx)
	// Output:
	// [[5. 8.]
	//  [9. 4.]]
	// [1 6 12 14]
}
