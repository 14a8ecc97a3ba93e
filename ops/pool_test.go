package ops_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// poolCase is an input shape and the settings of a pooling op. Dilation
// applies to max pooling only, excludePad and divisor to average pooling
// only; the zero values are PyTorch's defaults.
type poolCase struct {
	name                    string
	shape                   []int
	kernel, stride, padding [2]int
	dilation                [2]int
	ceil                    bool
	excludePad              bool
	divisor                 int
}

// poolCases are shapes and settings that catch the classic pooling bugs,
// then every option: ceil mode with a partial last window and with the
// rule that the last window starts inside, dilation, a zero stride,
// kernels larger than the input, count_include_pad=False and
// divisor_override.
var poolCases = []poolCase{
	{name: "odd size, stride 2, padding", shape: []int{2, 3, 7, 7}, kernel: [2]int{3, 3}, stride: [2]int{2, 2}, padding: [2]int{1, 1}},
	{name: "overlapping, stride 1, batch 1", shape: []int{1, 2, 5, 5}, kernel: [2]int{3, 3}, stride: [2]int{1, 1}, padding: [2]int{1, 1}},
	{name: "non-square", shape: []int{2, 1, 4, 7}, kernel: [2]int{2, 3}, stride: [2]int{1, 2}, padding: [2]int{1, 0}},
	{name: "1×1 kernel", shape: []int{2, 2, 3, 4}, kernel: [2]int{1, 1}, stride: [2]int{1, 1}},
	{name: "kernel = whole plane", shape: []int{1, 3, 4, 5}, kernel: [2]int{4, 5}, stride: [2]int{1, 1}},
	{name: "2×2 stride 2, odd width", shape: []int{3, 2, 6, 5}, kernel: [2]int{2, 2}, stride: [2]int{2, 2}},
	{name: "stride > kernel (gaps)", shape: []int{1, 2, 7, 8}, kernel: [2]int{2, 2}, stride: [2]int{3, 3}, padding: [2]int{1, 0}},
	{name: "H = 1", shape: []int{2, 1, 1, 5}, kernel: [2]int{1, 3}, stride: [2]int{1, 1}, padding: [2]int{0, 1}},

	{name: "ceil: partial last window", shape: []int{2, 2, 6, 8}, kernel: [2]int{3, 3}, stride: [2]int{2, 2}, ceil: true},
	{name: "ceil: the last window starts inside", shape: []int{1, 2, 5, 3}, kernel: [2]int{2, 2}, stride: [2]int{2, 2}, padding: [2]int{1, 1}, ceil: true},
	{name: "ceil, 3×3 stride 2 padding 1, even size", shape: []int{2, 2, 8, 8}, kernel: [2]int{3, 3}, stride: [2]int{2, 2}, padding: [2]int{1, 1}, ceil: true},
	{name: "ceil: kernel beyond the input", shape: []int{2, 1, 2, 3}, kernel: [2]int{3, 3}, stride: [2]int{2, 2}, padding: [2]int{1, 1}, ceil: true},
	{name: "zero stride is the kernel, ceil", shape: []int{1, 2, 5, 7}, kernel: [2]int{2, 2}, ceil: true},
	{name: "dilation 2, stride 2, padding", shape: []int{1, 2, 9, 8}, kernel: [2]int{3, 3}, stride: [2]int{2, 2}, padding: [2]int{1, 1}, dilation: [2]int{2, 2}},
	{name: "dilation and ceil, non-square", shape: []int{2, 1, 8, 7}, kernel: [2]int{3, 2}, stride: [2]int{2, 3}, padding: [2]int{1, 1}, dilation: [2]int{2, 1}, ceil: true},
	{name: "dilation 1×3, stride 1", shape: []int{1, 1, 5, 9}, kernel: [2]int{2, 3}, stride: [2]int{1, 1}, padding: [2]int{1, 1}, dilation: [2]int{1, 3}},
	{name: "exclude padding", shape: []int{2, 2, 5, 6}, kernel: [2]int{3, 3}, stride: [2]int{2, 2}, padding: [2]int{1, 1}, excludePad: true},
	{name: "exclude padding, ceil, non-square", shape: []int{2, 1, 5, 8}, kernel: [2]int{2, 3}, stride: [2]int{3, 1}, padding: [2]int{1, 1}, ceil: true, excludePad: true},
	{name: "divisor override, ceil", shape: []int{1, 2, 7, 6}, kernel: [2]int{3, 2}, stride: [2]int{2, 2}, padding: [2]int{1, 1}, ceil: true, divisor: 4},
	{name: "negative divisor override", shape: []int{1, 1, 4, 5}, kernel: [2]int{2, 2}, stride: [2]int{1, 1}, padding: [2]int{1, 1}, divisor: -3},
}

func (c poolCase) maxPool() *ops.MaxPool2d[float64] {
	return &ops.MaxPool2d[float64]{Kernel: c.kernel, Stride: c.stride, Padding: c.padding, Dilation: c.dilation, CeilMode: c.ceil}
}

func (c poolCase) avgPool() *ops.AvgPool2d[float64] {
	return &ops.AvgPool2d[float64]{Kernel: c.kernel, Stride: c.stride, Padding: c.padding,
		CeilMode: c.ceil, ExcludePad: c.excludePad, DivisorOverride: c.divisor}
}

func (c poolCase) maxPool32() *ops.MaxPool2d[float32] {
	return &ops.MaxPool2d[float32]{Kernel: c.kernel, Stride: c.stride, Padding: c.padding, Dilation: c.dilation, CeilMode: c.ceil}
}

func (c poolCase) avgPool32() *ops.AvgPool2d[float32] {
	return &ops.AvgPool2d[float32]{Kernel: c.kernel, Stride: c.stride, Padding: c.padding,
		CeilMode: c.ceil, ExcludePad: c.excludePad, DivisorOverride: c.divisor}
}

// naivePool is a reference pooling written from the definitions: it counts
// the windows with refOutSize, visits every tap of every window, at
// i·s − p + a·d, and reduces the taps inside the input with max (padding
// is −∞, NaN wins) or the mean, whose divisor is the override, the number
// of taps inside the input (excludePad) or the number inside the padded
// input [−p, n + p).
func naivePool(x t64, c poolCase, isMax bool) t64 {
	s := x.Shape()
	k, st, p, d := c.kernel, c.stride, c.padding, c.dilation
	for a := range 2 {
		if st[a] == 0 {
			st[a] = k[a]
		}
		if d[a] == 0 || !isMax {
			d[a] = 1
		}
	}
	hout := refOutSize(s[2], k[0], st[0], p[0], d[0], c.ceil)
	wout := refOutSize(s[3], k[1], st[1], p[1], d[1], c.ceil)
	y := tensor.New[float64](s[0], s[1], hout, wout)
	for n := range s[0] {
		for ch := range s[1] {
			for i := range hout {
				for j := range wout {
					acc, inside, padded := math.Inf(-1), 0, 0
					if !isMax {
						acc = 0
					}
					for a := range k[0] {
						for b := range k[1] {
							r, q := i*st[0]-p[0]+a*d[0], j*st[1]-p[1]+b*d[1]
							if r < s[2]+p[0] && q < s[3]+p[1] {
								padded++
							}
							if r < 0 || r >= s[2] || q < 0 || q >= s[3] {
								continue
							}
							inside++
							if v := x.At(n, ch, r, q); isMax {
								acc = max(acc, v)
							} else {
								acc += v
							}
						}
					}
					if !isMax {
						switch {
						case c.divisor != 0:
							acc /= float64(c.divisor)
						case c.excludePad:
							acc /= float64(inside)
						default:
							acc /= float64(padded)
						}
					}
					y.Set(acc, n, ch, i, j)
				}
			}
		}
	}
	return y
}

func TestPoolGradCheck(t *testing.T) {
	r := rng(90)
	for _, c := range poolCases {
		x := randDistinct(r, c.shape...)
		checkGrad(t, "MaxPool2d "+c.name, unary(func() autograd.Op[float64] { return c.maxPool() }), x)
		checkGrad(t, "AvgPool2d "+c.name, unary(func() autograd.Op[float64] { return c.avgPool() }), randn(r, c.shape...))
	}
}

// TestPoolAgainstNaive compares both ops with the reference written from
// the definitions, which also pins the output sizes.
func TestPoolAgainstNaive(t *testing.T) {
	r := rng(91)
	for _, c := range poolCases {
		x := randn(r, c.shape...)
		assertLike(t, "MaxPool2d "+c.name, forward(c.maxPool(), x), naivePool(x, c, true), 0)
		assertLike(t, "AvgPool2d "+c.name, forward(c.avgPool(), x), naivePool(x, c, false), 1e-14)
	}
}

// TestMaxPoolValues: a 2×2 window with stride 2 and padding 1 over a 3×4
// plane gives 2×3 outputs from windows of 1, 2 and 4 in-bounds values. The
// negative values in the corner windows show that the padding is −∞, not 0;
// the second channel (−x) shows that planes are kept apart.
func TestMaxPoolValues(t *testing.T) {
	plane := []float64{
		-2, 6, 2, -3,
		5, 3, 8, 7,
		4, 9, -1, 10,
	}
	data := append([]float64{}, plane...)
	for _, v := range plane {
		data = append(data, -v)
	}
	x := vec(data, 1, 2, 3, 4)
	dy := vec([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 1, 2, 2, 3)
	op := &ops.MaxPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}
	y, g := backward(t, op, dy, x)
	assertTensor(t, "y", y, []int{1, 2, 2, 3}, []float64{
		-2, 6, -3,
		5, 9, 10,

		2, -2, 3,
		-4, 1, -7,
	}, 0)
	assertTensor(t, "dx", g[0], []int{1, 2, 3, 4}, []float64{
		1, 2, 0, 3,
		4, 0, 0, 0,
		0, 5, 0, 6,

		7, 0, 8, 9,
		0, 0, 0, 12,
		10, 0, 11, 0,
	}, 0)
}

// TestAvgPoolValues: windows that reach into the padding still divide by
// kH·kW; overlapping windows add their shares; the rows and columns that no
// window reaches (floor of the output size) get none.
func TestAvgPoolValues(t *testing.T) {
	cases := []struct {
		name    string
		x       t64
		op      *ops.AvgPool2d[float64]
		dy      t64
		y, dx   []float64
		yShape  []int
		dxShape []int
	}{
		{
			name: "padding 1, stride 2",
			x: vec([]float64{
				-2, 6, 2, -3,
				5, 3, 8, 7,
				4, 9, -1, 10,
			}, 1, 1, 3, 4),
			op: &ops.AvgPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}},
			dy: vec([]float64{1, 2, 3, 4, 5, 6}, 1, 1, 2, 3),
			y: []float64{
				-0.5, 2, -0.75,
				2.25, 4.75, 4.25,
			},
			dx: []float64{
				0.25, 0.5, 0.5, 0.75,
				1, 1.25, 1.25, 1.5,
				1, 1.25, 1.25, 1.5,
			},
			yShape: []int{1, 1, 2, 3}, dxShape: []int{1, 1, 3, 4},
		},
		{
			name: "overlapping, stride 1",
			x:    vec([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3),
			op:   &ops.AvgPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}},
			dy:   vec([]float64{1, 2, 3, 4}, 1, 1, 2, 2),
			y:    []float64{3, 4, 6, 7},
			dx: []float64{
				0.25, 0.75, 0.5,
				1, 2.5, 1.5,
				0.75, 1.75, 1,
			},
			yShape: []int{1, 1, 2, 2}, dxShape: []int{1, 1, 3, 3},
		},
		{
			name: "floor drops the last row and column",
			x:    vec([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90}, 2, 1, 3, 3),
			op:   &ops.AvgPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}},
			dy:   vec([]float64{4, -8}, 2, 1, 1, 1),
			y:    []float64{3, 30},
			dx: []float64{
				1, 1, 0,
				1, 1, 0,
				0, 0, 0,

				-2, -2, 0,
				-2, -2, 0,
				0, 0, 0,
			},
			yShape: []int{2, 1, 1, 1}, dxShape: []int{2, 1, 3, 3},
		},
	}
	for _, c := range cases {
		y, g := backward(t, c.op, c.dy, c.x)
		assertTensor(t, c.name+": y", y, c.yShape, c.y, 1e-15)
		assertTensor(t, c.name+": dx", g[0], c.dxShape, c.dx, 1e-15)
	}
}

// TestMaxPoolTies: the gradient of a window goes to its first maximum in
// row-major order only, and windows that pick the same position add up.
func TestMaxPoolTies(t *testing.T) {
	// Every 2×2 window (stride 1) holds the maximum 5 twice. Windows (0,0)
	// and (0,1) both pick x[0,1] (over x[1,0] and x[1,2]); (1,0) picks
	// x[1,0] and (1,1) picks x[1,2], both over x[2,1].
	x := vec([]float64{
		4, 5, 1,
		5, 2, 5,
		0, 5, 3,
	}, 1, 1, 3, 3)
	op := &ops.MaxPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}}
	y, g := backward(t, op, vec([]float64{1, 2, 3, 4}, 1, 1, 2, 2), x)
	assertTensor(t, "y", y, []int{1, 1, 2, 2}, []float64{5, 5, 5, 5}, 0)
	assertTensor(t, "dx", g[0], []int{1, 1, 3, 3}, []float64{
		0, 3, 0,
		3, 0, 4,
		0, 0, 0,
	}, 0)

	// A plane of −∞: every window holds nothing but −∞ and padding, and
	// sends its gradient to its first in-bounds position.
	inf := math.Inf(-1)
	x = vec([]float64{inf, inf, inf, inf}, 1, 1, 2, 2)
	op = &ops.MaxPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}}
	y, g = backward(t, op, vec([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3), x)
	assertTensor(t, "−∞ y", y, []int{1, 1, 3, 3}, []float64{inf, inf, inf, inf, inf, inf, inf, inf, inf}, 0)
	assertTensor(t, "−∞ dx", g[0], []int{1, 1, 2, 2}, []float64{1 + 2 + 4 + 5, 3 + 6, 7 + 8, 9}, 0)
}

// TestMaxPoolNaN: as in PyTorch, a NaN replaces the maximum found so far
// (a later NaN replaces an earlier one), no number replaces a NaN, and the
// output is NaN.
func TestMaxPoolNaN(t *testing.T) {
	nan := math.NaN()
	x := vec([]float64{
		1, nan, 3,
		nan, 2, 0,
	}, 1, 1, 2, 3)
	op := &ops.MaxPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}}
	y, g := backward(t, op, vec([]float64{1, 2}, 1, 1, 1, 2), x)
	for i, v := range y.Data() {
		if !math.IsNaN(v) {
			t.Errorf("y[%d] = %v, want NaN", i, v)
		}
	}
	// Window 0 sees 1, NaN, NaN, 2: the second NaN (index 3) wins. Window 1
	// sees NaN, 3, 2, 0: the NaN (index 1) stays.
	assertTensor(t, "dx", g[0], []int{1, 1, 2, 3}, []float64{0, 2, 0, 1, 0, 0}, 0)
}

// TestMaxPoolIndices: Indices gives each output's argmax as PyTorch's
// return_indices does, the position h·W + w in the unpadded input plane,
// laid out as the output; the slice is the caller's, and it outlives the
// tape's Reset that recycles what the op kept.
func TestMaxPoolIndices(t *testing.T) {
	op := &ops.MaxPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}
	if got := op.Indices(); got != nil {
		t.Errorf("Indices before Forward = %v, want nil", got)
	}
	// The planes of TestMaxPoolValues: x and −x.
	plane := []float64{
		-2, 6, 2, -3,
		5, 3, 8, 7,
		4, 9, -1, 10,
	}
	data := append([]float64{}, plane...)
	for _, v := range plane {
		data = append(data, -v)
	}
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	x := tape.Param(vec(data, 1, 2, 3, 4))
	y := autograd.Apply[float64](op, x)
	want := []int64{
		0, 1, 3,
		4, 9, 11,

		0, 2, 3,
		8, 10, 7,
	}
	got := op.Indices()
	if !slices.Equal(got, want) {
		t.Fatalf("Indices = %v, want %v", got, want)
	}
	got[0] = 7 // the caller's copy: the backward must not see it
	tape.BackwardWithGrad(y, vec([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 1, 2, 2, 3))
	if g := x.Grad().Data(); g[0] != 1 || g[7] != 0 {
		t.Errorf("dx[0] = %v and dx[7] = %v, want 1 and 0: the backward used the caller's indices", g[0], g[7])
	}
	tape.Reset()
	x = tape.Input(vec(slices.Repeat([]float64{0}, 24), 1, 2, 3, 4))
	autograd.Apply[float64](&ops.MaxPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, x)
	if got[1] != 1 || got[11] != 7 {
		t.Errorf("Indices after Reset and another pass: %v, want %v but for element 0", got, want)
	}

	// Dilation: a 2×2 kernel, dilation 2, stride 2 over a 5×5 plane of
	// 0…24 takes the taps (2i + {0, 2}, 2j + {0, 2}). With a dilation of 1
	// along W, ceil mode adds a third column of windows, [4, 6), which
	// holds the input's last column alone.
	x5 := tensor.New[float64](1, 1, 5, 5)
	for k := range x5.Data() {
		x5.Data()[k] = float64(k)
	}
	dop := &ops.MaxPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Dilation: [2]int{2, 2}, CeilMode: true}
	y5 := forward(dop, x5)
	assertTensor(t, "dilated y", y5, []int{1, 1, 2, 2}, []float64{12, 14, 22, 24}, 0)
	if got, want := dop.Indices(), []int64{12, 14, 22, 24}; !slices.Equal(got, want) {
		t.Errorf("dilated Indices = %v, want %v", got, want)
	}
	dop = &ops.MaxPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Dilation: [2]int{2, 1}, CeilMode: true}
	y5 = forward(dop, x5)
	assertTensor(t, "dilated ceil y", y5, []int{1, 1, 2, 3}, []float64{11, 13, 14, 21, 23, 24}, 0)
	if got, want := dop.Indices(), []int64{11, 13, 14, 21, 23, 24}; !slices.Equal(got, want) {
		t.Errorf("dilated ceil Indices = %v, want %v", got, want)
	}
}

// TestMaxPoolOnlyPadding: a dilation can put every tap of a window in the
// padding (here the taps of rows −1 and 2 of a 2-row input, and then of
// every window, as always along an axis). Such a window gives −∞, the index
// −1 and no gradient, where PyTorch gives an index past the window and
// adds the gradient there.
func TestMaxPoolOnlyPadding(t *testing.T) {
	x := vec([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 1, 2, 3)
	op := &ops.MaxPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{3, 3}}
	inf := math.Inf(-1)
	y, g := backward(t, op, vec([]float64{1, 2, 3, 4}, 2, 1, 1, 2), x)
	assertTensor(t, "y", y, []int{2, 1, 1, 2}, []float64{inf, inf, inf, inf}, 0)
	assertExactZero(t, "dx", g[0].Data())
	if got, want := op.Indices(), []int64{-1, -1, -1, -1}; !slices.Equal(got, want) {
		t.Errorf("Indices = %v, want %v", got, want)
	}
	// Columns alone, in float32, in ceil mode.
	x32 := to32(vec([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1, 2, 4, 2))
	op32 := &ops.MaxPool2d[float32]{Kernel: [2]int{2, 2}, Stride: [2]int{2, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 3}, CeilMode: true}
	y32 := forward(op32, x32)
	assertTensor(t, "float32 y", to64(y32), []int{1, 2, 3, 1}, []float64{inf, inf, inf, inf, inf, inf}, 0)
	if dx := op32.Backward(tensor.Ones[float32](1, 2, 3, 1), []bool{true})[0]; !slices.Equal(dx.Data(), make([]float32, 16)) {
		t.Errorf("float32 dx = %v, want zeros", dx.Data())
	}
}

// TestMaxPoolDilatedTies: the dilated path keeps the tie rule, the first
// maximum among the window's taps in row-major order, and skips the
// positions between the taps.
func TestMaxPoolDilatedTies(t *testing.T) {
	// Taps of the single window (kernel 2×2, dilation 2): (0,0), (0,2),
	// (2,0), (2,2), all 5; the 9s lie between them.
	x := vec([]float64{
		5, 9, 5,
		9, 9, 9,
		5, 9, 5,
	}, 1, 1, 3, 3)
	op := &ops.MaxPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}, Dilation: [2]int{2, 2}}
	y, g := backward(t, op, vec([]float64{3}, 1, 1, 1, 1), x)
	assertTensor(t, "y", y, []int{1, 1, 1, 1}, []float64{5}, 0)
	assertTensor(t, "dx", g[0], []int{1, 1, 3, 3}, []float64{3, 0, 0, 0, 0, 0, 0, 0, 0}, 0)
}

// TestAvgPoolOptionValues: on a 6×6 plane of ones, a 3×3 window at stride
// 2 with padding 1 in ceil mode has four windows per axis: [−1, 2),
// [1, 4), [3, 6) and [5, 8), whose last runs past the padding [−1, 7).
// Per axis they hold 2, 3, 3, 1 positions of the input and 3, 3, 3, 2 of
// the padded input, so the output is the product of the axis ratios of
// what is summed to what is divided by.
func TestAvgPoolOptionValues(t *testing.T) {
	x := tensor.Ones[float64](1, 1, 6, 6)
	in, padded := []float64{2, 3, 3, 1}, []float64{3, 3, 3, 2}
	outer := func(f func(i, j int) float64) []float64 {
		var out []float64
		for i := range 4 {
			for j := range 4 {
				out = append(out, f(i, j))
			}
		}
		return out
	}
	base := ops.AvgPool2d[float64]{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true}
	include, exclude, override := base, base, base
	exclude.ExcludePad = true
	override.DivisorOverride = 4
	assertTensor(t, "count_include_pad", forward(&include, x), []int{1, 1, 4, 4},
		outer(func(i, j int) float64 { return in[i] * in[j] / (padded[i] * padded[j]) }), 1e-15)
	assertTensor(t, "count_include_pad=False", forward(&exclude, x), []int{1, 1, 4, 4},
		outer(func(i, j int) float64 { return 1 }), 1e-15)
	assertTensor(t, "divisor_override=4", forward(&override, x), []int{1, 1, 4, 4},
		outer(func(i, j int) float64 { return in[i] * in[j] / 4 }), 1e-15)

	// The gradient of count_include_pad along one row of windows: a 1×6
	// plane, kernel 1×3. Position 5 lies in windows 2 (divided by 3) and 3
	// (divided by 2); position 0 in window 0 only.
	op := &ops.AvgPool2d[float64]{Kernel: [2]int{1, 3}, Stride: [2]int{1, 2}, Padding: [2]int{0, 1}, CeilMode: true}
	_, g := backward(t, op, vec([]float64{6, 12, 18, 24}, 1, 1, 1, 4), tensor.Ones[float64](1, 1, 1, 6))
	assertTensor(t, "dx", g[0], []int{1, 1, 1, 6}, []float64{2, 2 + 4, 4, 4 + 6, 6, 6 + 12}, 1e-15)
}

// TestPoolNoGrad: with recording off, the options change nothing of
// what is kept: no node, no bytes.
func TestPoolNoGrad(t *testing.T) {
	tape := autograd.NewTape[float64]()
	defer tape.SetGradEnabled(tape.SetGradEnabled(false))
	r := rng(94)
	for _, c := range poolCases {
		x := tape.Param(randn(r, c.shape...))
		autograd.Apply[float64](c.maxPool(), x)
		autograd.Apply[float64](c.avgPool(), x)
	}
	if n, b := tape.Len(), tape.SavedBytes(); n != 0 || b != 0 {
		t.Errorf("with recording off: %d nodes keeping %d bytes, want none", n, b)
	}
}

// TestPoolSaved: MaxPool2d keeps one int32 per output and no tensor;
// AvgPool2d keeps nothing.
func TestPoolSaved(t *testing.T) {
	x := randDistinct(rng(92), 2, 3, 7, 7)
	c := poolCases[0] // output 2×3×4×4
	mp := c.maxPool()
	if got := savedBytes(mp, x); got != 2*3*4*4*4 {
		t.Errorf("MaxPool2d: SavedBytes = %d, want %d", got, 2*3*4*4*4)
	}
	if got := mp.ExtraSavedBytes(); got != 2*3*4*4*4 {
		t.Errorf("MaxPool2d: ExtraSavedBytes = %d, want %d", got, 2*3*4*4*4)
	}
	if len(mp.Saved()) != 0 {
		t.Errorf("MaxPool2d keeps %d tensors, want none", len(mp.Saved()))
	}
	ap := c.avgPool()
	if got := savedBytes(ap, x); got != 0 {
		t.Errorf("AvgPool2d: SavedBytes = %d, want 0", got)
	}
	if len(ap.Saved()) != 0 {
		t.Errorf("AvgPool2d keeps %d tensors, want none", len(ap.Saved()))
	}
	if _, ok := any(ap).(autograd.ExtraSaver); ok {
		t.Error("AvgPool2d implements ExtraSaver, want it to keep nothing but the shape")
	}
}

func TestPoolPanics(t *testing.T) {
	x := tensor.New[float64](1, 1, 4, 4)
	k := func(h, w int) [2]int { return [2]int{h, w} }
	for _, name := range []string{"MaxPool2d", "AvgPool2d"} {
		mk := func(kernel, stride, padding [2]int, ceil bool) autograd.Op[float64] {
			if name == "MaxPool2d" {
				return &ops.MaxPool2d[float64]{Kernel: kernel, Stride: stride, Padding: padding, CeilMode: ceil}
			}
			return &ops.AvgPool2d[float64]{Kernel: kernel, Stride: stride, Padding: padding, CeilMode: ceil}
		}
		run := func(in t64, kernel, stride, padding [2]int) func() {
			return func() { forward(mk(kernel, stride, padding, false), in) }
		}
		one, zero := k(1, 1), k(0, 0)
		mustPanic(t, "ops: "+name+" takes 1 input(s), got 2", func() { forward(mk(one, one, zero, false), x, x) })
		mustPanic(t, "ops: "+name+" needs a 4-d input N×C×H×W with H, W ≥ 1, got shape [1 4 4]",
			run(x.Reshape(1, 4, 4), one, one, zero))
		mustPanic(t, "ops: "+name+" needs a 4-d input N×C×H×W with H, W ≥ 1, got shape [1 1 4 0]",
			run(tensor.New[float64](1, 1, 4, 0), one, one, zero))
		mustPanic(t, "ops: "+name+": kernel [0 0] must be at least 1, stride [0 0] and padding [0 0] at least 0 (input shape [1 1 4 4])",
			run(x, zero, zero, zero))
		mustPanic(t, "ops: "+name+": kernel [2 -1] must be at least 1, stride [1 1] and padding [0 0] at least 0 (input shape [1 1 4 4])",
			run(x, k(2, -1), one, zero))
		mustPanic(t, "ops: "+name+": kernel [2 2] must be at least 1, stride [1 -1] and padding [0 0] at least 0 (input shape [1 1 4 4])",
			run(x, k(2, 2), k(1, -1), zero))
		mustPanic(t, "ops: "+name+": kernel [2 2] must be at least 1, stride [1 1] and padding [0 -1] at least 0 (input shape [1 1 4 4])",
			run(x, k(2, 2), one, k(0, -1)))
		mustPanic(t, "ops: "+name+": padding [2 1] must be at most half of kernel [3 3] (input shape [1 1 4 4])",
			run(x, k(3, 3), one, k(2, 1)))
		mustPanic(t, "ops: "+name+": padding [0 1] must be at most half of kernel [2 1] (input shape [1 1 4 4])",
			run(x, k(2, 1), one, k(0, 1)))
		// (4 − 5)/2 is −½: its floor makes Hout 0 (truncation would make it 1).
		mustPanic(t, "ops: "+name+": input shape [1 1 4 4] with kernel [5 2], stride [2 1], padding [0 0], dilation [1 1] and ceil_mode false gives an output of 0×3",
			run(x, k(5, 2), k(2, 1), zero))
		mustPanic(t, "ops: "+name+": input shape [1 1 4 4] with kernel [4 11], stride [1 1], padding [0 1], dilation [1 1] and ceil_mode false gives an output of 1×-4",
			run(x, k(4, 11), one, k(0, 1)))
		// Ceil mode rounds (4 − 6)/1 up, to −2: the kernel is still too large;
		// the zero stride printed is the kernel's.
		mustPanic(t, "ops: "+name+": input shape [1 1 4 4] with kernel [6 1], stride [1 1], padding [0 0], dilation [1 1] and ceil_mode true gives an output of -1×4",
			func() { forward(mk(k(6, 1), k(1, 0), zero, true), x) })
		// The limits themselves are accepted: padding k/2, kernel = padded
		// plane, and in ceil mode a kernel larger than the padded plane as
		// long as a window fits within one stride of it.
		forward(mk(k(3, 2), one, one, false), x)
		forward(mk(k(6, 4), one, k(1, 0), false), x)
		if got := forward(mk(k(6, 6), k(3, 3), zero, true), x).Shape(); !slices.Equal(got, []int{1, 1, 1, 1}) {
			t.Errorf("%s: a 6×6 kernel, stride 3, ceil mode over 4×4 gives %v, want [1 1 1 1]", name, got)
		}
	}
	// Dilation: negative panics, and the padding rule is on the kernel
	// size, not the dilated span (PyTorch's rule).
	mp := func(dilation, padding [2]int) func() {
		return func() {
			forward(&ops.MaxPool2d[float64]{Kernel: k(3, 3), Stride: k(1, 1), Padding: padding, Dilation: dilation}, x)
		}
	}
	mustPanic(t, "ops: MaxPool2d: dilation [-1 2] must be at least 0 (input shape [1 1 4 4])", mp(k(-1, 2), k(0, 0)))
	mustPanic(t, "ops: MaxPool2d: padding [2 2] must be at most half of kernel [3 3] (input shape [1 1 4 4])", mp(k(2, 2), k(2, 2)))
	mustPanic(t, "ops: MaxPool2d: input shape [1 1 4 4] with kernel [3 3], stride [1 1], padding [0 0], dilation [2 1] and ceil_mode false gives an output of 0×2",
		mp(k(2, 1), k(0, 0)))
	mustPanic(t, "ops: MaxPool2d: input shape [1 1 4 4] with kernel [3 3], stride [1 1], padding [1 1], dilation [3 3] and ceil_mode false gives an output of 0×0",
		mp(k(3, 3), k(1, 1)))
}

func TestPoolFloat32(t *testing.T) {
	r := rng(93)
	for _, c := range poolCases {
		x := randn(r, c.shape...)
		x32 := to32(x)
		assert32(t, "MaxPool2d "+c.name, forward(c.maxPool32(), x32), forward(c.maxPool(), to64(x32)))
		assert32(t, "AvgPool2d "+c.name, forward(c.avgPool32(), x32), forward(c.avgPool(), to64(x32)))
	}
}

// MaxPool2d with a 2×2 window and stride 2 halves each side of a plane; the
// gradient of each output goes to the position of its window's maximum.
func ExampleMaxPool2d() {
	tape := autograd.NewTape[float64]()
	x := tape.Param(tensor.FromSlice([]float64{
		1, 5, 2, 0,
		3, 4, 8, 6,
		7, 0, 1, 2,
		9, 3, 4, 3,
	}, 1, 1, 4, 4))
	y := autograd.Apply[float64](&ops.MaxPool2d[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}}, x)
	tape.BackwardWithGrad(y, tensor.FromSlice([]float64{10, 20, 30, 40}, 1, 1, 2, 2))
	fmt.Println(y.Value().Reshape(2, 2))
	fmt.Println(x.Grad().Reshape(4, 4))
	// Output:
	// [[5. 8.]
	//  [9. 4.]]
	// [[ 0. 10.  0.  0.]
	//  [ 0.  0. 20.  0.]
	//  [ 0.  0.  0.  0.]
	//  [30.  0. 40.  0.]]
}

// TestMaxPool3x3Windows: the branch-free path of full 3×3 windows picks
// what a plain row-major scan picks — the first maximum, the last NaN, the
// first of −0 and +0 with its own sign — on planes full of ties, zeros of
// both signs, infinities and NaNs, for strides 1 and 2 with and without
// padding (so that edge windows take the scan).
func TestMaxPool3x3Windows(t *testing.T) {
	r := rng(93)
	nan, inf := math.NaN(), math.Inf(1)
	pick := []float64{0, math.Copysign(0, -1), 1, 1, 2, -1, inf, -inf, nan}
	for _, stride := range []int{1, 2} {
		for _, pad := range []int{0, 1} {
			for trial := range 20 {
				x := tensor.New[float64](2, 3, 7, 8)
				for i := range x.Data() {
					if trial%2 == 0 && i%5 != 0 {
						x.Data()[i] = float64(r.IntN(3)) // many ties, few specials
						continue
					}
					x.Data()[i] = pick[r.IntN(len(pick))]
				}
				op := &ops.MaxPool2d[float64]{Kernel: [2]int{3, 3}, Stride: [2]int{stride, stride}, Padding: [2]int{pad, pad}}
				y := forward(op, x)
				dy := tensor.New[float64](y.Shape()...)
				for i := range dy.Data() {
					dy.Data()[i] = float64(i + 1)
				}
				dx := op.Backward(dy, []bool{true})[0]
				wantY, wantDx := scanMaxPool(x, 3, stride, pad, dy)
				for i, v := range y.Data() {
					if w := wantY[i]; math.Float64bits(v) != math.Float64bits(w) && !(math.IsNaN(v) && math.IsNaN(w)) {
						t.Fatalf("stride %d pad %d trial %d: y[%d] = %v, want %v", stride, pad, trial, i, v, w)
					}
				}
				for i, v := range dx.Data() {
					if v != wantDx[i] {
						t.Fatalf("stride %d pad %d trial %d: dx[%d] = %v, want %v", stride, pad, trial, i, v, wantDx[i])
					}
				}
			}
		}
	}
}

// scanMaxPool is max pooling with a square k×k window by the plain
// row-major scan of PyTorch's CPU kernel: it returns the outputs and the
// input gradient that routes dy to each window's pick.
func scanMaxPool(x *tensor.Tensor[float64], k, stride, pad int, dy *tensor.Tensor[float64]) (y, dx []float64) {
	s := x.Shape()
	h, w := s[2], s[3]
	hout, wout := (h+2*pad-k)/stride+1, (w+2*pad-k)/stride+1
	xd := x.Data()
	dx = make([]float64, len(xd))
	for p := range s[0] * s[1] {
		for i := range hout {
			for j := range wout {
				best, at := math.Inf(-1), -1
				for a := i*stride - pad; a < i*stride-pad+k; a++ {
					for b := j*stride - pad; b < j*stride-pad+k; b++ {
						if a < 0 || a >= h || b < 0 || b >= w {
							continue
						}
						v := xd[p*h*w+a*w+b]
						if at < 0 {
							at = a*w + b // the first in-bounds position, for a window of −∞
						}
						if v > best || v != v {
							best, at = v, a*w+b
						}
					}
				}
				o := p*hout*wout + i*wout + j
				y = append(y, xd[p*h*w+at])
				dx[p*h*w+at] += dy.Data()[o]
			}
		}
	}
	return y, dx
}
