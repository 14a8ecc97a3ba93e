package ops_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// poolCase is an input shape and the settings of a pooling op.
type poolCase struct {
	name                    string
	shape                   []int
	kernel, stride, padding [2]int
}

// poolCases are shapes and settings that catch the classic pooling bugs.
var poolCases = []poolCase{
	{"odd size, stride 2, padding", []int{2, 3, 7, 7}, [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}},
	{"overlapping, stride 1, batch 1", []int{1, 2, 5, 5}, [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}},
	{"non-square", []int{2, 1, 4, 7}, [2]int{2, 3}, [2]int{1, 2}, [2]int{1, 0}},
	{"1×1 kernel", []int{2, 2, 3, 4}, [2]int{1, 1}, [2]int{1, 1}, [2]int{0, 0}},
	{"kernel = whole plane", []int{1, 3, 4, 5}, [2]int{4, 5}, [2]int{1, 1}, [2]int{0, 0}},
	{"2×2 stride 2, odd width", []int{3, 2, 6, 5}, [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}},
	{"stride > kernel (gaps)", []int{1, 2, 7, 8}, [2]int{2, 2}, [2]int{3, 3}, [2]int{1, 0}},
	{"H = 1", []int{2, 1, 1, 5}, [2]int{1, 3}, [2]int{1, 1}, [2]int{0, 1}},
}

func (c poolCase) maxPool() *ops.MaxPool2d[float64] {
	return &ops.MaxPool2d[float64]{Kernel: c.kernel, Stride: c.stride, Padding: c.padding}
}

func (c poolCase) avgPool() *ops.AvgPool2d[float64] {
	return &ops.AvgPool2d[float64]{Kernel: c.kernel, Stride: c.stride, Padding: c.padding}
}

// naivePool is a reference pooling: it pads every plane explicitly with pad
// (−∞ for max, 0 for average), visits every window position of the padded
// plane, and reduces with max (first maximum wins, NaN ignored) or the mean.
func naivePool(x t64, c poolCase, isMax bool) t64 {
	s := x.Shape()
	kh, kw, sh, sw, ph, pw := c.kernel[0], c.kernel[1], c.stride[0], c.stride[1], c.padding[0], c.padding[1]
	hp, wp := s[2]+2*ph, s[3]+2*pw
	hout, wout := (hp-kh)/sh+1, (wp-kw)/sw+1
	pad := 0.0
	if isMax {
		pad = math.Inf(-1)
	}
	y := tensor.New[float64](s[0], s[1], hout, wout)
	for n := range s[0] {
		for ch := range s[1] {
			padded := tensor.Full(pad, hp, wp)
			for i := range s[2] {
				for j := range s[3] {
					padded.Set(x.At(n, ch, i, j), i+ph, j+pw)
				}
			}
			for i := range hout {
				for j := range wout {
					acc := pad
					for a := range kh {
						for b := range kw {
							v := padded.At(i*sh+a, j*sw+b)
							if isMax {
								acc = max(acc, v)
							} else {
								acc += v
							}
						}
					}
					if !isMax {
						acc /= float64(kh * kw)
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

// TestPoolAgainstNaive compares both ops with the explicitly padded
// reference, which also pins the output sizes.
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
		mk := func(kernel, stride, padding [2]int) autograd.Op[float64] {
			if name == "MaxPool2d" {
				return &ops.MaxPool2d[float64]{Kernel: kernel, Stride: stride, Padding: padding}
			}
			return &ops.AvgPool2d[float64]{Kernel: kernel, Stride: stride, Padding: padding}
		}
		run := func(in t64, kernel, stride, padding [2]int) func() {
			return func() { forward(mk(kernel, stride, padding), in) }
		}
		one, zero := k(1, 1), k(0, 0)
		mustPanic(t, "ops: "+name+" takes 1 input(s), got 2", func() { forward(mk(one, one, zero), x, x) })
		mustPanic(t, "ops: "+name+" needs a 4-d input N×C×H×W with H, W ≥ 1, got shape [1 4 4]",
			run(x.Reshape(1, 4, 4), one, one, zero))
		mustPanic(t, "ops: "+name+" needs a 4-d input N×C×H×W with H, W ≥ 1, got shape [1 1 4 0]",
			run(tensor.New[float64](1, 1, 4, 0), one, one, zero))
		mustPanic(t, "ops: "+name+": kernel [0 0] and stride [0 0] must be at least 1 and padding [0 0] at least 0 (input shape [1 1 4 4])",
			run(x, zero, zero, zero))
		mustPanic(t, "ops: "+name+": kernel [2 2] and stride [1 0] must be at least 1 and padding [0 0] at least 0 (input shape [1 1 4 4])",
			run(x, k(2, 2), k(1, 0), zero))
		mustPanic(t, "ops: "+name+": kernel [2 2] and stride [1 1] must be at least 1 and padding [0 -1] at least 0 (input shape [1 1 4 4])",
			run(x, k(2, 2), one, k(0, -1)))
		mustPanic(t, "ops: "+name+": padding [2 1] must be at most half of kernel [3 3] (input shape [1 1 4 4])",
			run(x, k(3, 3), one, k(2, 1)))
		mustPanic(t, "ops: "+name+": padding [0 1] must be at most half of kernel [2 1] (input shape [1 1 4 4])",
			run(x, k(2, 1), one, k(0, 1)))
		// (4 − 5)/2 is −½: its floor makes Hout 0 (truncation would make it 1).
		mustPanic(t, "ops: "+name+": input shape [1 1 4 4] with kernel [5 2], stride [2 1] and padding [0 0] gives an output of 0×3",
			run(x, k(5, 2), k(2, 1), zero))
		mustPanic(t, "ops: "+name+": input shape [1 1 4 4] with kernel [4 11], stride [1 1] and padding [0 1] gives an output of 1×-4",
			run(x, k(4, 11), one, k(0, 1)))
	}
	// The limits themselves are accepted: padding k/2, kernel = padded plane.
	forward(&ops.MaxPool2d[float64]{Kernel: k(3, 2), Stride: k(1, 1), Padding: k(1, 1)}, x)
	forward(&ops.AvgPool2d[float64]{Kernel: k(6, 4), Stride: k(1, 1), Padding: k(1, 0)}, x)
}

func TestPoolFloat32(t *testing.T) {
	r := rng(93)
	for _, c := range poolCases {
		x := randn(r, c.shape...)
		x32 := to32(x)
		assert32(t, "MaxPool2d "+c.name,
			forward(&ops.MaxPool2d[float32]{Kernel: c.kernel, Stride: c.stride, Padding: c.padding}, x32),
			forward(c.maxPool(), to64(x32)))
		assert32(t, "AvgPool2d "+c.name,
			forward(&ops.AvgPool2d[float32]{Kernel: c.kernel, Stride: c.stride, Padding: c.padding}, x32),
			forward(c.avgPool(), to64(x32)))
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
