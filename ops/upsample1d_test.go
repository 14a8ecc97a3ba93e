package ops_test

import (
	"math"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestInterpolate1dGrad: gradient checks of 1-d interpolation (N×C×L) and
// of its adjoint, nearest and linear, by size and by scale factor, with
// and without align_corners, growing and shrinking; and the second order
// through InterpolateBackward.
func TestInterpolate1dGrad(t *testing.T) {
	r := rng(191)
	for _, c := range []struct {
		name  string
		x     []int
		size  [2]int
		scale [2]float64
		mode  ops.InterpMode
		align bool
	}{
		{"nearest,size7", []int{2, 2, 4}, [2]int{7, 0}, [2]float64{}, ops.InterpNearest, false},
		{"nearest,scale0.45", []int{1, 2, 9}, [2]int{}, [2]float64{0.45, 0.45}, ops.InterpNearest, false},
		{"linear,size7", []int{2, 1, 4}, [2]int{7, 0}, [2]float64{}, ops.InterpLinear, false},
		{"linear,scale2.1", []int{1, 3, 3}, [2]int{}, [2]float64{2.1, 0}, ops.InterpLinear, false},
		{"linear,size3,shrink", []int{1, 2, 8}, [2]int{3, 0}, [2]float64{}, ops.InterpLinear, false},
		{"linear,align,size5", []int{2, 1, 3}, [2]int{5, 0}, [2]float64{}, ops.InterpLinear, true},
		{"linear,align,size1", []int{1, 2, 4}, [2]int{1, 0}, [2]float64{}, ops.InterpLinear, true},
	} {
		mk := func() *ops.Interpolate[float64] {
			return &ops.Interpolate[float64]{Size: c.size, ScaleFactor: c.scale, Mode: c.mode, AlignCorners: c.align}
		}
		f := func(x vars64) *autograd.Var[float64] { return autograd.Apply[float64](mk(), x[0]) }
		checkGrad(t, "Interpolate "+c.name, f, randn(r, c.x...))
		if err := gradtest.GradGradCheck(f, []t64{randn(r, c.x...)}, nil); err != nil {
			t.Errorf("Interpolate %s, second order: %v", c.name, err)
		}
		y := forward[float64](mk(), tensor.New[float64](c.x...))
		back := func(x vars64) *autograd.Var[float64] {
			return autograd.Apply[float64](&ops.InterpolateBackward[float64]{Size: c.size, ScaleFactor: c.scale, Mode: c.mode,
				AlignCorners: c.align, InputSize: [2]int{c.x[2], 0}}, x[0])
		}
		checkGrad(t, "InterpolateBackward "+c.name, back, randn(r, y.Shape()...))
	}
}

// TestInterpolate1dIsOneRowOf2d: linear interpolation of N×C×L equals
// bilinear interpolation of N×C×1×L to 1×Lout, and nearest likewise, for
// finite inputs: the 1-d path is the same arithmetic without the H axis.
func TestInterpolate1dIsOneRowOf2d(t *testing.T) {
	r := rng(192)
	x := randn(r, 2, 3, 5)
	x4 := tensor.FromSlice(slices.Clone(x.Data()), 2, 3, 1, 5)
	for _, c := range []struct {
		mode1, mode2 ops.InterpMode
		align        bool
		size         int
		scale        float64
	}{
		{ops.InterpLinear, ops.InterpBilinear, false, 8, 0},
		{ops.InterpLinear, ops.InterpBilinear, true, 3, 0},
		{ops.InterpLinear, ops.InterpBilinear, false, 0, 1.7},
		{ops.InterpNearest, ops.InterpNearest, false, 0, 2.3},
		{ops.InterpNearest, ops.InterpNearest, false, 4, 0},
	} {
		o1 := &ops.Interpolate[float64]{Size: [2]int{c.size, 0}, ScaleFactor: [2]float64{c.scale, 0}, Mode: c.mode1, AlignCorners: c.align}
		o2 := &ops.Interpolate[float64]{Size: [2]int{1, c.size}, ScaleFactor: [2]float64{0, c.scale}, Mode: c.mode2, AlignCorners: c.align}
		if c.scale != 0 {
			o2.Size, o2.ScaleFactor = [2]int{}, [2]float64{1, c.scale}
		}
		y1, y2 := forward[float64](o1, x), forward[float64](o2, x4)
		if !slices.Equal(y1.Shape(), []int{2, 3, y2.Dim(3)}) || !slices.Equal(y1.Data(), y2.Data()) {
			t.Errorf("%v %+v: 1-d gives %v %v, 2-d on one row %v %v", c.mode1, c, y1.Shape(), y1.Data(), y2.Shape(), y2.Data())
		}
	}
}

// TestInterpolateNearestKeepsInf: nearest copies, so an infinite input
// stays infinite in 1-d and 2-d (PyTorch gives [inf inf 1] for [inf 1] to
// 3), where weighting by 0 would make NaN; the gradient is a scatter-add.
func TestInterpolateNearestKeepsInf(t *testing.T) {
	inf := math.Inf(1)
	y := forward[float64](&ops.Interpolate[float64]{Size: [2]int{3, 0}}, tensor.FromSlice([]float64{inf, 1}, 1, 1, 2))
	if got, want := y.Data(), []float64{inf, inf, 1}; !slices.Equal(got, want) {
		t.Errorf("1-d nearest of [inf 1] to 3 = %v, want %v", got, want)
	}
	y = forward[float64](&ops.Interpolate[float64]{Size: [2]int{1, 3}}, tensor.FromSlice([]float64{-inf, 1}, 1, 1, 1, 2))
	if got, want := y.Data(), []float64{-inf, -inf, 1}; !slices.Equal(got, want) {
		t.Errorf("2-d nearest of [-inf 1] to 1×3 = %v, want %v", got, want)
	}
	tape := autograd.NewTape[float64]()
	x := tape.Param(tensor.FromSlice([]float64{inf, 1}, 1, 1, 2))
	tape.BackwardWithGrad(autograd.Apply[float64](&ops.Interpolate[float64]{Size: [2]int{3, 0}}, x),
		tensor.FromSlice([]float64{1, inf, 4}, 1, 1, 3))
	if got, want := x.Grad().Data(), []float64{inf, 4}; !slices.Equal(got, want) {
		t.Errorf("1-d nearest gradient = %v, want %v", got, want)
	}
}

// TestInterpolate1dPanics: the rank, the mode and the second entries.
func TestInterpolate1dPanics(t *testing.T) {
	x3, x4 := tensor.New[float64](1, 2, 4), tensor.New[float64](1, 2, 3, 4)
	for _, c := range []struct {
		op   *ops.Interpolate[float64]
		x    t64
		want string
	}{
		{&ops.Interpolate[float64]{Size: [2]int{5, 0}, Mode: ops.InterpLinear}, x4, "mode linear needs a 3-d input (bilinear is for 4-d)"},
		{&ops.Interpolate[float64]{Size: [2]int{5, 0}, Mode: ops.InterpBilinear}, x3, "mode bilinear needs a 4-d input (linear is for 3-d)"},
		{&ops.Interpolate[float64]{Size: [2]int{5, 6}}, x3, "a 3-d input takes one size or scale factor: the second entry must be 0 or the first's"},
		{&ops.Interpolate[float64]{ScaleFactor: [2]float64{2, 3}}, x3, "the second entry must be 0 or the first's"},
		{&ops.Interpolate[float64]{ScaleFactor: [2]float64{0.2, 0}}, x3, "the output would have L = 0"},
		{&ops.Interpolate[float64]{Size: [2]int{5, 0}, AlignCorners: true}, x3, "align_corners needs mode bilinear or linear"},
		{&ops.Interpolate[float64]{Size: [2]int{5, 0}}, tensor.New[float64](2, 4), "ops: Interpolate: input of shape [2 4], size [5 0], scale_factor [0 0], mode nearest, align_corners false: the input must be 3-d (N×C×L) or 4-d (N×C×H×W)"},
		{&ops.Interpolate[float64]{Size: [2]int{5, 0}}, tensor.New[float64](1, 2, 0), "the input must have L ≥ 1"},
		{&ops.Interpolate[float64]{Size: [2]int{5, 0}, Mode: ops.InterpMode(7)}, x3, "mode InterpMode(7), align_corners false: unknown mode"},
	} {
		testutil.MustPanic(t, func() { forward[float64](c.op, c.x) }, c.want)
	}
	testutil.MustPanic(t, func() {
		forward[float64](&ops.InterpolateBackward[float64]{Size: [2]int{5, 0}, InputSize: [2]int{4, 0}}, tensor.New[float64](1, 2, 6))
	}, "ops: InterpolateBackward: input of shape [1 2 6]", "the input must be N×C×5, the output from [4 0]")
	if got := ops.InterpLinear.String(); got != "linear" {
		t.Errorf("InterpLinear.String() = %q, want linear", got)
	}
}
