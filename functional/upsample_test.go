package functional_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestInterpolate: a 2×2 plane doubled by nearest repeats each value in a
// 2×2 block; bilinear with align_corners to 3×3 puts the averages between
// the corners, and the gradient of its sum gives every input 1.5² (per
// axis: 1 from its corner, ½ from the middle).
func TestInterpolate(t *testing.T) {
	plane := func() *tensor.Tensor[float64] { return tensor.FromSlice([]float64{1, 2, 3, 4}, 1, 1, 2, 2) }
	y := functional.Interpolate(autograd.NewConst(plane()), functional.InterpolateOptions{ScaleFactor: [2]float64{2, 2}})
	if got, want := y.Value().Data(), []float64{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}; !slices.Equal(got, want) {
		t.Errorf("nearest ×2 = %v, want %v", got, want)
	}
	tape := autograd.NewTape[float64]()
	x := tape.Param(plane())
	y = functional.Interpolate(x, functional.InterpolateOptions{Size: [2]int{3, 3}, Mode: functional.InterpBilinear, AlignCorners: true})
	if got, want := y.Value().Data(), []float64{1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4}; !slices.Equal(got, want) {
		t.Errorf("bilinear align_corners to 3×3 = %v, want %v", got, want)
	}
	tape.Backward(functional.Sum(y))
	if got, want := x.Grad().Data(), []float64{2.25, 2.25, 2.25, 2.25}; !slices.Equal(got, want) {
		t.Errorf("gradient of the sum = %v, want %v", got, want)
	}
}

// TestInterpolatePanics: PyTorch's argument errors.
func TestInterpolatePanics(t *testing.T) {
	for _, c := range []struct {
		o    functional.InterpolateOptions
		want string
	}{
		{functional.InterpolateOptions{Size: [2]int{2, 2}, ScaleFactor: [2]float64{2, 2}}, "exactly one of size and scale_factor"},
		{functional.InterpolateOptions{}, "exactly one of size and scale_factor"},
		{functional.InterpolateOptions{Size: [2]int{2, 2}, AlignCorners: true}, "align_corners needs mode bilinear"},
		{functional.InterpolateOptions{ScaleFactor: [2]float64{0.2, 1}}, "the output would be 0×2"},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "ops: Interpolate:") || !strings.Contains(msg, c.want) {
					t.Errorf("Interpolate(%+v) panicked with %q, want %q", c.o, msg, c.want)
				}
			}()
			functional.Interpolate(autograd.NewConst(tensor.New[float64](1, 1, 2, 2)), c.o)
		}()
	}
}
