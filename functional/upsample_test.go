package functional_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
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

// TestInterpolate1d: a 3-d input is 1-d interpolation. Linear from [0 3]
// to 4 samples at PyTorch's positions max((o + ½)·½ − ½, 0) = 0, ¼, ¾, 5/4
// (the last past the end, taking the last input alone); nearest on 5
// inputs by 1.7 gives 8 outputs from ⌊o/1.7⌋, and with
// recompute_scale_factor from ⌊o·5/8⌋, which differ at o = 5.
func TestInterpolate1d(t *testing.T) {
	y := functional.Interpolate(autograd.NewConst(tensor.FromSlice([]float64{0, 3}, 1, 1, 2)),
		functional.InterpolateOptions{Size: [2]int{4, 0}, Mode: functional.InterpLinear})
	if got, want := y.Value().Data(), []float64{0, 0.75, 2.25, 3}; !slices.Equal(got, want) || !slices.Equal(y.Shape(), []int{1, 1, 4}) {
		t.Errorf("linear [0 3] to 4 = %v of shape %v, want %v of shape [1 1 4]", got, y.Shape(), want)
	}
	x := autograd.NewConst(tensor.FromSlice([]float64{10, 11, 12, 13, 14}, 1, 1, 5))
	for _, c := range []struct {
		recompute bool
		want      []float64
	}{
		{false, []float64{10, 10, 11, 11, 12, 12, 13, 14}},
		{true, []float64{10, 10, 11, 11, 12, 13, 13, 14}},
	} {
		y := functional.Interpolate(x, functional.InterpolateOptions{ScaleFactor: [2]float64{1.7, 1.7}, RecomputeScaleFactor: c.recompute})
		if got := y.Value().Data(); !slices.Equal(got, c.want) {
			t.Errorf("nearest ×1.7, recompute_scale_factor %t = %v, want %v", c.recompute, got, c.want)
		}
	}
}

// TestInterpolateRecomputePanics: recompute_scale_factor needs a scale
// factor and no size, as PyTorch says; with one the op refuses, the op's
// message.
func TestInterpolateRecomputePanics(t *testing.T) {
	x := autograd.NewConst(tensor.New[float64](1, 1, 2, 2))
	testutil.MustPanic(t, func() {
		functional.Interpolate(x, functional.InterpolateOptions{Size: [2]int{3, 3}, RecomputeScaleFactor: true})
	}, "functional: Interpolate: input of shape [1 1 2 2], size [3 3], scale_factor [0 0]: recompute_scale_factor needs a scale factor and no size")
	testutil.MustPanic(t, func() {
		functional.Interpolate(x, functional.InterpolateOptions{ScaleFactor: [2]float64{2, 0.4}, RecomputeScaleFactor: true})
	}, "ops: Interpolate: input of shape [1 1 2 2], size [0 0], scale_factor [2 0.4]", "the output would be 4×0")
}
