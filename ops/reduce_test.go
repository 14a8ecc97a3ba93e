package ops_test

import (
	"fmt"
	"math"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// reductions cover ranks 1 to 4, size-1 dims, all axes (nil), one axis,
// several non-adjacent axes, negative and unsorted axes. out is the result's
// shape without KeepDims.
var reductions = []struct {
	shape, axes, out []int
}{
	{[]int{5}, nil, []int{}},
	{[]int{5}, []int{0}, []int{}},
	{[]int{5}, []int{-1}, []int{}},
	{[]int{1}, nil, []int{}},
	{[]int{3, 4}, []int{0}, []int{4}},
	{[]int{3, 4}, []int{-1}, []int{3}},
	{[]int{3, 4}, []int{1, 0}, []int{}},
	{[]int{2, 1, 3}, []int{1}, []int{2, 3}},
	{[]int{2, 1, 3}, []int{0, 2}, []int{1}},
	{[]int{2, 1, 3}, []int{-3, -1}, []int{1}},
	{[]int{1, 3, 1}, nil, []int{}},
	{[]int{2, 3, 1, 4}, []int{0, 2}, []int{3, 4}},
	{[]int{2, 3, 1, 4}, []int{3, 1}, []int{2, 1}},
	{[]int{2, 3, 1, 4}, []int{0, -1}, []int{3, 1}},
	{[]int{2, 3, 1, 4}, []int{-2}, []int{2, 3, 4}},
	{[]int{2, 3, 1, 4}, []int{0, 1, 2, 3}, []int{}},
	{[]int{1, 2, 3, 2}, []int{0, 1, 3}, []int{3}},
}

// keptShape is shape with the given axes set to 1 (all axes when none).
func keptShape(shape, axes []int) []int {
	out := append([]int(nil), shape...)
	if len(axes) == 0 {
		for i := range out {
			out[i] = 1
		}
	}
	for _, a := range axes {
		out[tensor.NormAxis(a, len(shape))] = 1
	}
	return out
}

func TestSumMeanGradCheck(t *testing.T) {
	r := rng(30)
	for _, c := range reductions {
		for _, keep := range []bool{false, true} {
			x := randn(r, c.shape...)
			want := c.out
			if keep {
				want = keptShape(c.shape, c.axes)
			}
			name := fmt.Sprintf("%v axes %v keep=%t", c.shape, c.axes, keep)
			sum := func() autograd.Op[float64] { return &ops.Sum[float64]{Axes: c.axes, KeepDims: keep} }
			mean := func() autograd.Op[float64] { return &ops.Mean[float64]{Axes: c.axes, KeepDims: keep} }
			if got := forward(sum(), x).Shape(); !tensor.EqualShapes(got, want) {
				t.Errorf("Sum %s: shape %v, want %v", name, got, want)
			}
			if got := forward(mean(), x).Shape(); !tensor.EqualShapes(got, want) {
				t.Errorf("Mean %s: shape %v, want %v", name, got, want)
			}
			checkGrad(t, "Sum "+name, unary(sum), x)
			checkGrad(t, "Mean "+name, unary(mean), x)
		}
	}
}

func TestSumMeanValues(t *testing.T) {
	x := vec([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	seed := vec([]float64{1, 2})
	y, g := backward(t, &ops.Sum[float64]{Axes: []int{-1}}, seed, x)
	assertTensor(t, "Sum axis -1", y, []int{2}, []float64{6, 15}, 1e-15)
	assertTensor(t, "Sum axis -1 dx", g[0], []int{2, 3}, []float64{1, 1, 1, 2, 2, 2}, 1e-15)

	y, g = backward(t, &ops.Mean[float64]{Axes: []int{1}, KeepDims: true}, vec([]float64{3, 6}, 2, 1), x)
	assertTensor(t, "Mean axis 1", y, []int{2, 1}, []float64{2, 5}, 1e-15)
	assertTensor(t, "Mean axis 1 dx", g[0], []int{2, 3}, []float64{1, 1, 1, 2, 2, 2}, 1e-15)

	y, g = backward(t, &ops.Mean[float64]{Axes: []int{0}}, vec([]float64{2, 4, 6}), x)
	assertTensor(t, "Mean axis 0", y, []int{3}, []float64{2.5, 3.5, 4.5}, 1e-15)
	assertTensor(t, "Mean axis 0 dx", g[0], []int{2, 3}, []float64{1, 2, 3, 1, 2, 3}, 1e-15)

	y, g = backward(t, &ops.Sum[float64]{}, tensor.Scalar(2.0), x)
	assertTensor(t, "Sum all", y, []int{}, []float64{21}, 1e-15)
	assertTensor(t, "Sum all dx", g[0], []int{2, 3}, []float64{2, 2, 2, 2, 2, 2}, 1e-15)

	y, g = backward(t, &ops.Mean[float64]{}, tensor.Scalar(3.0), x)
	assertTensor(t, "Mean all", y, []int{}, []float64{3.5}, 1e-15)
	assertTensor(t, "Mean all dx", g[0], []int{2, 3}, []float64{0.5, 0.5, 0.5, 0.5, 0.5, 0.5}, 1e-15)

	// Mean over axes 0 and 2 of 2×2×3 averages 6 values into each output.
	x3 := tensor.Arange[float64](0, 12, 1).Reshape(2, 2, 3)
	y, g = backward(t, &ops.Mean[float64]{Axes: []int{0, 2}}, vec([]float64{6, 12}), x3)
	assertTensor(t, "Mean axes 0,2", y, []int{2}, []float64{4, 7}, 1e-15)
	assertTensor(t, "Mean axes 0,2 dx", g[0], []int{2, 2, 3}, []float64{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2}, 1e-15)
}

func TestMaxGradCheck(t *testing.T) {
	r := rng(31)
	shapes := [][]int{{2, 3, 4}, {1, 3, 1}, {4}, {3, 1}}
	for _, s := range shapes {
		for axis := -1; axis < len(s); axis++ {
			for _, keep := range []bool{false, true} {
				mk := func() autograd.Op[float64] { return &ops.Max[float64]{Axis: axis, KeepDims: keep} }
				x := randDistinct(r, s...)
				want := tensor.ReducedShape(s, keep, axis)
				if got := forward(mk(), x).Shape(); !tensor.EqualShapes(got, want) {
					t.Errorf("Max %v axis %d keep=%t: shape %v, want %v", s, axis, keep, got, want)
				}
				checkGrad(t, fmt.Sprintf("Max %v axis %d keep=%t", s, axis, keep), unary(mk), x)
			}
		}
	}
}

func TestMaxValues(t *testing.T) {
	x := vec([]float64{
		1, 9, 2, 0,
		7, 3, 8, -1,
		-5, -2, -4, -3,
	}, 3, 4)
	y, g := backward(t, &ops.Max[float64]{Axis: 1}, vec([]float64{10, 20, 30}), x)
	assertTensor(t, "Max axis 1", y, []int{3}, []float64{9, 8, -2}, 0)
	assertTensor(t, "Max axis 1 dx", g[0], []int{3, 4}, []float64{0, 10, 0, 0, 0, 0, 20, 0, 0, 30, 0, 0}, 0)

	y, g = backward(t, &ops.Max[float64]{Axis: 0, KeepDims: true}, vec([]float64{1, 2, 3, 4}, 1, 4), x)
	assertTensor(t, "Max axis 0", y, []int{1, 4}, []float64{7, 9, 8, 0}, 0)
	assertTensor(t, "Max axis 0 dx", g[0], []int{3, 4}, []float64{0, 2, 0, 4, 1, 0, 3, 0, 0, 0, 0, 0}, 0)
}

// TestMaxTies: on ties the whole gradient goes to the first maximum, as in
// PyTorch's max(dim).
func TestMaxTies(t *testing.T) {
	x := vec([]float64{
		1, 3, 3, 0,
		2, 2, 2, 2,
	}, 2, 4)
	_, g := backward(t, &ops.Max[float64]{Axis: 1}, vec([]float64{5, 7}), x)
	assertTensor(t, "ties along rows", g[0], []int{2, 4}, []float64{0, 5, 0, 0, 7, 0, 0, 0}, 0)

	x = vec([]float64{5, 1, 5, 2, 5, 2}, 3, 2)
	_, g = backward(t, &ops.Max[float64]{Axis: -2}, vec([]float64{5, 7}), x)
	assertTensor(t, "ties along columns", g[0], []int{3, 2}, []float64{5, 0, 0, 7, 0, 0}, 0)
}

func TestReduceFloat32(t *testing.T) {
	x := randn(rng(33), 2, 3, 4)
	x32 := to32(x)
	for _, axes := range [][]int{nil, {1}, {0, 2}} {
		name := fmt.Sprint(axes)
		assert32(t, "Sum "+name, forward(&ops.Sum[float32]{Axes: axes}, x32), forward(&ops.Sum[float64]{Axes: axes}, x))
		assert32(t, "Mean "+name, forward(&ops.Mean[float32]{Axes: axes, KeepDims: true}, x32),
			forward(&ops.Mean[float64]{Axes: axes, KeepDims: true}, x))
	}
	for axis := range 3 {
		assert32(t, fmt.Sprint("Max ", axis), forward(&ops.Max[float32]{Axis: axis}, x32), forward(&ops.Max[float64]{Axis: axis}, x))
		assert32(t, fmt.Sprint("Min ", axis), forward(&ops.Min[float32]{Axis: axis}, x32), forward(&ops.Min[float64]{Axis: axis}, x))
	}
	for _, axes := range [][]int{nil, {1}, {0, 2}} {
		name := fmt.Sprint(axes)
		assert32(t, "Amax "+name, forward(&ops.Amax[float32]{Axes: axes}, x32), forward(&ops.Amax[float64]{Axes: axes}, x))
		assert32(t, "Amin "+name, forward(&ops.Amin[float32]{Axes: axes, KeepDims: true}, x32),
			forward(&ops.Amin[float64]{Axes: axes, KeepDims: true}, x))
		assert32(t, "Var "+name, forward(&ops.Var[float32]{Axes: axes, Correction: 1}, x32), forward(&ops.Var[float64]{Axes: axes, Correction: 1}, x))
		assert32(t, "Std "+name, forward(&ops.Std[float32]{Axes: axes}, x32), forward(&ops.Std[float64]{Axes: axes}, x))
	}
}

func TestMinGradCheck(t *testing.T) {
	r := rng(34)
	for _, s := range [][]int{{2, 3, 4}, {1, 3, 1}, {4}, {3, 1}} {
		for axis := -1; axis < len(s); axis++ {
			for _, keep := range []bool{false, true} {
				mk := func() autograd.Op[float64] { return &ops.Min[float64]{Axis: axis, KeepDims: keep} }
				x := randDistinct(r, s...)
				want := tensor.ReducedShape(s, keep, axis)
				if got := forward(mk(), x).Shape(); !tensor.EqualShapes(got, want) {
					t.Errorf("Min %v axis %d keep=%t: shape %v, want %v", s, axis, keep, got, want)
				}
				checkGrad(t, fmt.Sprintf("Min %v axis %d keep=%t", s, axis, keep), unary(mk), x)
			}
		}
	}
}

// TestMinTiesAndIndices: the gradient goes to the first minimum, or to the
// first NaN, which is the minimum; Indices reports those positions.
func TestMinTiesAndIndices(t *testing.T) {
	nan := math.NaN()
	x := vec([]float64{
		1, 0, 0, 4,
		2, nan, 2, nan,
		3, 3, 3, 3,
	}, 3, 4)
	op := &ops.Min[float64]{Axis: 1}
	y, g := backward(t, op, vec([]float64{5, 7, 9}), x)
	if !cmp.Equal(y.Data(), []float64{0, nan, 3}, cmpopts.EquateNaNs()) {
		t.Errorf("Min axis 1 = %v, want [0 NaN 3]", y.Data())
	}
	assertTensor(t, "Min axis 1 dx", g[0], []int{3, 4}, []float64{0, 5, 0, 0, 0, 7, 0, 0, 9, 0, 0, 0}, 0)
	if got := op.Indices(); !cmp.Equal(got, []int{1, 1, 0}) {
		t.Errorf("Min axis 1 indices = %v, want [1 1 0]", got)
	}
	maxOp := &ops.Max[float64]{Axis: 0, KeepDims: true}
	y, g = backward(t, maxOp, vec([]float64{1, 2, 3, 4}, 1, 4), x)
	if !cmp.Equal(y.Data(), []float64{3, nan, 3, nan}, cmpopts.EquateNaNs()) {
		t.Errorf("Max axis 0 = %v, want [3 NaN 3 NaN]", y.Data())
	}
	assertTensor(t, "Max axis 0 dx", g[0], []int{3, 4}, []float64{0, 0, 0, 0, 0, 2, 0, 4, 1, 0, 3, 0}, 0)
	if got := maxOp.Indices(); !cmp.Equal(got, []int{2, 1, 2, 1}) {
		t.Errorf("Max axis 0 indices = %v, want [2 1 2 1]", got)
	}
}

func TestAmaxAminGradCheck(t *testing.T) {
	r := rng(35)
	for _, c := range reductions {
		for _, keep := range []bool{false, true} {
			x := randDistinct(r, c.shape...)
			want := c.out
			if keep {
				want = keptShape(c.shape, c.axes)
			}
			name := fmt.Sprintf("%v axes %v keep=%t", c.shape, c.axes, keep)
			amax := func() autograd.Op[float64] { return &ops.Amax[float64]{Axes: c.axes, KeepDims: keep} }
			amin := func() autograd.Op[float64] { return &ops.Amin[float64]{Axes: c.axes, KeepDims: keep} }
			if got := forward(amax(), x).Shape(); !tensor.EqualShapes(got, want) {
				t.Errorf("Amax %s: shape %v, want %v", name, got, want)
			}
			if got := forward(amin(), x).Shape(); !tensor.EqualShapes(got, want) {
				t.Errorf("Amin %s: shape %v, want %v", name, got, want)
			}
			checkGrad(t, "Amax "+name, unary(amax), x)
			checkGrad(t, "Amin "+name, unary(amin), x)
		}
	}
}

// TestAmaxAminTies: gradcheck cannot see ties (the function has a kink
// there), so the even split is pinned with exact values.
func TestAmaxAminTies(t *testing.T) {
	inf := math.Inf(1)
	x := vec([]float64{
		1, 3, 3, 0,
		2, 2, 2, 2,
		inf, 1, inf, -inf,
	}, 3, 4)
	y, g := backward(t, &ops.Amax[float64]{Axes: []int{1}}, vec([]float64{5, 7, 8}), x)
	assertTensor(t, "Amax axis 1", y, []int{3}, []float64{3, 2, inf}, 0)
	assertTensor(t, "Amax axis 1 dx", g[0], []int{3, 4}, []float64{0, 2.5, 2.5, 0, 1.75, 1.75, 1.75, 1.75, 4, 0, 4, 0}, 0)

	y, g = backward(t, &ops.Amin[float64]{Axes: []int{-2}, KeepDims: true}, vec([]float64{6, 3, 9, 12}, 1, 4), x)
	assertTensor(t, "Amin axis -2", y, []int{1, 4}, []float64{1, 1, 2, -inf}, 0)
	assertTensor(t, "Amin axis -2 dx", g[0], []int{3, 4}, []float64{6, 0, 0, 0, 0, 0, 9, 0, 0, 3, 0, 12}, 0)

	// Over two axes of 2×2×3: the maxima 5 of the first column tie three
	// times, −0 ties with 0.
	x3 := vec([]float64{
		5, 1, 0,
		5, 2, -1,

		5, 0, math.Copysign(0, -1),
		4, 2, -2,
	}, 2, 2, 3)
	y, g = backward(t, &ops.Amax[float64]{Axes: []int{0, 1}}, vec([]float64{3, 4, 6}), x3)
	assertTensor(t, "Amax axes 0,1", y, []int{3}, []float64{5, 2, 0}, 0)
	assertTensor(t, "Amax axes 0,1 dx", g[0], []int{2, 2, 3}, []float64{1, 0, 3, 1, 2, 0, 1, 0, 3, 0, 2, 0}, 0)

	// Every axis: the three 5s share the whole gradient.
	y, g = backward(t, &ops.Amax[float64]{}, tensor.Scalar(6.0), x3)
	assertTensor(t, "Amax all", y, []int{}, []float64{5}, 0)
	assertTensor(t, "Amax all dx", g[0], []int{2, 2, 3}, []float64{2, 0, 0, 2, 0, 0, 2, 0, 0, 0, 0, 0}, 0)
	y, g = backward(t, &ops.Amin[float64]{KeepDims: true}, tensor.Full(3.0, 1, 1, 1), x3)
	assertTensor(t, "Amin all", y, []int{1, 1, 1}, []float64{-2}, 0)
	assertTensor(t, "Amin all dx", g[0], []int{2, 2, 3}, []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3}, 0)
}

// TestAmaxNaN: NaN propagates into the maximum. torch.amax's gradient is
// then NaN over the whole slice; with NaNTies (torch.max(x)'s rule) the NaNs
// share it and the other elements get exactly 0.
func TestAmaxNaN(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	x := vec([]float64{
		1, nan, 3, nan,
		2, 0, 5, 1,
	}, 2, 4)
	y, g := backward(t, &ops.Amax[float64]{Axes: []int{1}}, vec([]float64{2, 3}), x)
	if !cmp.Equal(y.Data(), []float64{nan, 5}, cmpopts.EquateNaNs()) {
		t.Errorf("Amax with NaN = %v, want [NaN 5]", y.Data())
	}
	if want := []float64{nan, nan, nan, nan, 0, 0, 3, 0}; !cmp.Equal(g[0].Data(), want, cmpopts.EquateNaNs()) {
		t.Errorf("Amax with NaN: dx = %v, want %v", g[0].Data(), want)
	}
	_, g = backward(t, &ops.Amin[float64]{Axes: []int{1}, NaNTies: true}, vec([]float64{2, 3}), x)
	if want := []float64{0, 1, 0, 1, 0, 3, 0, 0}; !cmp.Equal(g[0].Data(), want) {
		t.Errorf("Amin with NaN, NaNTies: dx = %v, want %v", g[0].Data(), want)
	}
	y, g = backward(t, &ops.Amax[float64]{NaNTies: true}, tensor.Scalar(4.0), x)
	if !math.IsNaN(y.Item()) {
		t.Errorf("Amax all with NaN = %v, want NaN", y.Item())
	}
	if want := []float64{0, 2, 0, 2, 0, 0, 0, 0}; !cmp.Equal(g[0].Data(), want) {
		t.Errorf("Amax all with NaN, NaNTies: dx = %v, want %v", g[0].Data(), want)
	}
	// An infinite upstream gradient: torch.amax's (dy/c)·[x = y] gives NaN
	// off the maxima, torch.max(x)'s masked fill gives 0.
	z := vec([]float64{1, 4, 2}, 1, 3)
	_, g = backward(t, &ops.Amax[float64]{Axes: []int{1}}, vec([]float64{inf}), z)
	if want := []float64{nan, inf, nan}; !cmp.Equal(g[0].Data(), want, cmpopts.EquateNaNs()) {
		t.Errorf("Amax with dy = Inf: dx = %v, want %v", g[0].Data(), want)
	}
	_, g = backward(t, &ops.Amax[float64]{NaNTies: true}, tensor.Scalar(inf), z)
	if want := []float64{0, inf, 0}; !cmp.Equal(g[0].Data(), want) {
		t.Errorf("Amax all, NaNTies, with dy = Inf: dx = %v, want %v", g[0].Data(), want)
	}
}

func TestVarStdGradCheck(t *testing.T) {
	r := rng(36)
	for _, c := range reductions {
		n := tensor.NumElems(c.shape) / tensor.NumElems(c.out)
		for _, corr := range []int{0, 1, 2} {
			if n-corr <= 0 || n == 1 {
				continue // a variance of 0, or an infinite or NaN one
			}
			for _, keep := range []bool{false, true} {
				x := randn(r, c.shape...)
				want := c.out
				if keep {
					want = keptShape(c.shape, c.axes)
				}
				name := fmt.Sprintf("%v axes %v correction %d keep=%t", c.shape, c.axes, corr, keep)
				vr := func() autograd.Op[float64] { return &ops.Var[float64]{Axes: c.axes, KeepDims: keep, Correction: corr} }
				sd := func() autograd.Op[float64] { return &ops.Std[float64]{Axes: c.axes, KeepDims: keep, Correction: corr} }
				if got := forward(vr(), x).Shape(); !tensor.EqualShapes(got, want) {
					t.Errorf("Var %s: shape %v, want %v", name, got, want)
				}
				if got := forward(sd(), x).Shape(); !tensor.EqualShapes(got, want) {
					t.Errorf("Std %s: shape %v, want %v", name, got, want)
				}
				checkGrad(t, "Var "+name, unary(vr), x)
				checkGrad(t, "Std "+name, unary(sd), x)
			}
		}
	}
}

// TestVarStdValues pins small cases by hand, and PyTorch's edge cases:
// σ = 0 gives Std a zero gradient, one element with correction 1 gives NaN,
// N − c < 0 divides the backward by N − c unclamped.
func TestVarStdValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	// Rows 1 2 4 (mean 7/3, squared deviations sum 14/3) and 3 3 3.
	x := vec([]float64{1, 2, 4, 3, 3, 3}, 2, 3)
	y, g := backward(t, &ops.Var[float64]{Axes: []int{1}, Correction: 1}, vec([]float64{3, 5}), x)
	assertTensor(t, "Var", y, []int{2}, []float64{7.0 / 3, 0}, 1e-15)
	// dx = 2/(3−1)·3·(x − 7/3) in the first row, 0 in the second.
	assertTensor(t, "Var dx", g[0], []int{2, 3}, []float64{-4, -1, 5, 0, 0, 0}, 1e-15)
	assertExactZero(t, "Var dx of equal values", g[0].Data()[3:])

	y, g = backward(t, &ops.Std[float64]{Axes: []int{-1}, KeepDims: true}, vec([]float64{3, 5}, 2, 1), x)
	sd := math.Sqrt(14.0 / 9)
	assertTensor(t, "Std (correction 0)", y, []int{2, 1}, []float64{sd, 0}, 1e-15)
	// dx = 2/3·3/(2σ)·(x − 7/3), and 0 where σ = 0.
	assertTensor(t, "Std dx", g[0], []int{2, 3}, []float64{-4.0 / 3 / sd, -1.0 / 3 / sd, 5.0 / 3 / sd, 0, 0, 0}, 1e-15)
	assertExactZero(t, "Std dx where σ = 0", g[0].Data()[3:])

	one := vec([]float64{5, 7}, 2, 1)
	for _, op := range []autograd.Op[float64]{&ops.Var[float64]{Axes: []int{1}, Correction: 1}, &ops.Std[float64]{Axes: []int{1}, Correction: 1}} {
		y, g := backward(t, op, nil, one)
		if !cmp.Equal(y.Data(), []float64{nan, nan}, cmpopts.EquateNaNs()) || !cmp.Equal(g[0].Data(), []float64{nan, nan}, cmpopts.EquateNaNs()) {
			t.Errorf("%s of one element, correction 1 = %v, dx %v; want NaN, NaN", op.Name(), y.Data(), g[0].Data())
		}
	}
	// N = 2, c = 3: the variance is +Inf (divided by max(N − c, 0) = 0), the
	// gradient 2/(2 − 3)·(x − μ); Std's is 0 (dy/(2σ) = 0).
	pair := vec([]float64{1, 2}, 1, 2)
	y, g = backward(t, &ops.Var[float64]{Correction: 3}, nil, pair)
	assertTensor(t, "Var, N < c", y, []int{}, []float64{inf}, 0)
	assertTensor(t, "Var, N < c dx", g[0], []int{1, 2}, []float64{1, -1}, 0)
	y, g = backward(t, &ops.Std[float64]{Correction: 3}, nil, pair)
	assertTensor(t, "Std, N < c", y, []int{}, []float64{inf}, 0)
	assertExactZero(t, "Std, N < c dx", g[0].Data())
	y, g = backward(t, &ops.Var[float64]{Correction: 2}, nil, pair)
	assertTensor(t, "Var, N = c", y, []int{}, []float64{inf}, 0)
	assertTensor(t, "Var, N = c dx", g[0], []int{1, 2}, []float64{-inf, inf}, 0)
}

// TestReduceSaved: Sum and Mean keep no tensor; Max and Min keep one int per
// output and no tensor; Amax and Amin keep their input and output, Var its
// input and the mean, Std also its output.
func TestReduceSaved(t *testing.T) {
	x := randDistinct(rng(32), 2, 3, 4)
	if got := savedBytes(&ops.Sum[float64]{Axes: []int{1}}, x); got != 0 {
		t.Errorf("Sum: SavedBytes = %d, want 0", got)
	}
	if got := savedBytes(&ops.Mean[float64]{}, x); got != 0 {
		t.Errorf("Mean: SavedBytes = %d, want 0", got)
	}
	word := strconv.IntSize / 8
	for _, c := range []struct{ axis, outputs int }{{0, 12}, {1, 8}, {2, 6}} {
		for _, op := range []interface {
			autograd.Op[float64]
			ExtraSavedBytes() int
		}{&ops.Max[float64]{Axis: c.axis}, &ops.Min[float64]{Axis: c.axis}} {
			if got := savedBytes(op, x); got != c.outputs*word {
				t.Errorf("%s axis %d: SavedBytes = %d, want %d", op.Name(), c.axis, got, c.outputs*word)
			}
			if got := op.ExtraSavedBytes(); got != c.outputs*word {
				t.Errorf("%s axis %d: ExtraSavedBytes = %d, want %d", op.Name(), c.axis, got, c.outputs*word)
			}
			if len(op.Saved()) != 0 {
				t.Errorf("%s axis %d keeps %d tensors, want none", op.Name(), c.axis, len(op.Saved()))
			}
		}
	}
	for _, c := range []struct {
		op   autograd.Op[float64]
		want int // in float64s: the input's 24 and 6 per kept reduced tensor
	}{
		{&ops.Amax[float64]{Axes: []int{0}}, 24 + 12},
		{&ops.Amin[float64]{Axes: []int{2, 0}}, 24 + 3},
		{&ops.Var[float64]{Axes: []int{1}}, 24 + 8},
		{&ops.Std[float64]{Axes: []int{-1}}, 24 + 6 + 6},
	} {
		if got := savedBytes(c.op, x); got != 8*c.want {
			t.Errorf("%s: SavedBytes = %d, want %d", c.op.Name(), got, 8*c.want)
		}
	}
}

func TestReducePanics(t *testing.T) {
	x := tensor.New[float64](2, 3)
	empty := tensor.New[float64](2, 0)
	for _, c := range []struct {
		want string
		op   autograd.Op[float64]
		in   []t64
	}{
		{"ops: Sum takes 1 input(s), got 2", &ops.Sum[float64]{}, []t64{x, x}},
		{"ops: Mean takes 1 input(s), got 0", &ops.Mean[float64]{}, nil},
		{"ops: Max takes 1 input(s), got 2", &ops.Max[float64]{}, []t64{x, x}},
		{"ops: Amin takes 1 input(s), got 2", &ops.Amin[float64]{}, []t64{x, x}},
		{"ops: Std takes 1 input(s), got 0", &ops.Std[float64]{}, nil},
		{"ops: Sum: axis 2 out of range for an input of shape [2 3]", &ops.Sum[float64]{Axes: []int{2}}, []t64{x}},
		{"ops: Mean: axis 1 given twice for an input of shape [2 3]", &ops.Mean[float64]{Axes: []int{1, -1}}, []t64{x}},
		{"ops: Max: axis -3 out of range for an input of shape [2 3]", &ops.Max[float64]{Axis: -3}, []t64{x}},
		{"ops: Max: reducing axis 1 of size 0 in an input of shape [2 0]", &ops.Max[float64]{Axis: 1}, []t64{empty}},
		{"ops: Min: axis 2 out of range for an input of shape [2 3]", &ops.Min[float64]{Axis: 2}, []t64{x}},
		{"ops: Min: reducing axis 1 of size 0 in an input of shape [2 0]", &ops.Min[float64]{Axis: -1}, []t64{empty}},
		{"ops: Amax: axis 0 given twice for an input of shape [2 3]", &ops.Amax[float64]{Axes: []int{0, -2}}, []t64{x}},
		{"ops: Amax: axis 5 out of range for an input of shape [2 3]", &ops.Amax[float64]{Axes: []int{5}}, []t64{x}},
		{"ops: Amax: reducing axis 1 of size 0 in an input of shape [2 0]", &ops.Amax[float64]{}, []t64{empty}},
		{"ops: Amin: reducing axis 1 of size 0 in an input of shape [2 0]", &ops.Amin[float64]{Axes: []int{0, 1}}, []t64{empty}},
		{"ops: Var: axis -3 out of range for an input of shape [2 3]", &ops.Var[float64]{Axes: []int{-3}}, []t64{x}},
		{"ops: Std: axis 1 given twice for an input of shape [2 3]", &ops.Std[float64]{Axes: []int{1, 1}}, []t64{x}},
	} {
		testutil.MustPanic(t, func() { forward(c.op, c.in...) }, c.want)
	}
	// Reducing an axis that is not empty of an empty tensor is fine, and so
	// is the variance of no elements (NaN, as PyTorch's).
	if got := forward(&ops.Amax[float64]{Axes: []int{0}}, empty).Shape(); !tensor.EqualShapes(got, []int{0}) {
		t.Errorf("Amax over axis 0 of shape [2 0]: shape %v, want [0]", got)
	}
	if got := forward(&ops.Var[float64]{Axes: []int{1}, Correction: 1}, empty).Data(); !cmp.Equal(got, []float64{math.NaN(), math.NaN()}, cmpopts.EquateNaNs()) {
		t.Errorf("Var of no elements = %v, want [NaN NaN]", got)
	}
}
