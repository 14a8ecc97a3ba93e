package ops_test

import (
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// Convolutions with kernel taps that read only padding, which Conv2d
// trims (conv2d_trim.go), and two with none.
var trimCases = []convCase{
	{x: []int{3, 4, 1, 1}, w: []int{5, 4, 3, 3}, padding: [2]int{1, 1}, bias: true},                                   // 1×1 plane: the centre tap alone
	{x: []int{2, 4, 1, 1}, w: []int{6, 2, 3, 3}, padding: [2]int{1, 1}, groups: 2},                                    // with groups
	{x: []int{2, 3, 1, 4}, w: []int{2, 3, 3, 3}, padding: [2]int{1, 1}, bias: true},                                   // dead rows, live columns
	{x: []int{2, 2, 1, 1}, w: []int{3, 2, 5, 5}, padding: [2]int{2, 2}},                                               // all dead but one of 25
	{x: []int{2, 3, 4, 5}, w: []int{3, 3, 4, 4}, stride: [2]int{2, 2}, padding: [2]int{2, 2}, dilation: [2]int{2, 2}}, // dead on both sides, unlike per axis
	{x: []int{1, 2, 2, 1}, w: []int{2, 2, 3, 3}, stride: [2]int{2, 2}, padding: [2]int{2, 2}, dilation: [2]int{2, 2}}, // padding 2, stride 2, dilation 2: 1×1 left
	{x: []int{2, 2, 3, 3}, w: []int{3, 2, 3, 3}, padding: [2]int{1, 1}, dilation: [2]int{2, 2}, bias: true},           // trims to a negative padding
	{x: []int{2, 3, 2, 2}, w: []int{4, 3, 3, 3}, stride: [2]int{2, 2}, padding: [2]int{1, 1}},                         // one dead row and column
	{x: []int{2, 3, 5, 5}, w: []int{2, 3, 3, 3}, padding: [2]int{1, 1}, bias: true},                                   // nothing dead
	{x: []int{2, 2, 2, 2}, w: []int{2, 2, 3, 3}, padding: [2]int{1, 1}},                                               // 2×2 plane: nothing dead either
	{x: []int{1, 1, 1, 3}, w: []int{1, 1, 1, 5}, padding: [2]int{0, 4}, stride: [2]int{1, 4}, dilation: [2]int{1, 1}}, // a stride wider than the image: the middle taps dead too
}

// liveTaps returns, by brute force, whether each tap (ky, kx) of c's kernel
// reads the image for some output position.
func liveTaps(c convCase) [][]bool {
	one := func(v int) int { return max(v, 1) }
	sh, sw, dh, dw := one(c.stride[0]), one(c.stride[1]), one(c.dilation[0]), one(c.dilation[1])
	h, wd, kh, kw := c.x[2], c.x[3], c.w[2], c.w[3]
	hout := (h+2*c.padding[0]-dh*(kh-1)-1)/sh + 1
	wout := (wd+2*c.padding[1]-dw*(kw-1)-1)/sw + 1
	live := make([][]bool, kh)
	for ky := range kh {
		live[ky] = make([]bool, kw)
		for kx := range kw {
			for oy := range hout {
				for ox := range wout {
					iy, ix := oy*sh-c.padding[0]+ky*dh, ox*sw-c.padding[1]+kx*dw
					live[ky][kx] = live[ky][kx] || (iy >= 0 && iy < h && ix >= 0 && ix < wd)
				}
			}
		}
	}
	return live
}

// TestConv2dTrimMatchesUntrimmed: with its dead taps trimmed, Conv2d gives
// the untrimmed convolution's output and gradients (the same sums but for
// the padding's zeros), the definition's output, exact zeros in dW at the
// dead taps, and, in float32, the float64 results; through ConvAuto and
// ConvIm2col.
func TestConv2dTrimMatchesUntrimmed(t *testing.T) {
	r := rng(700)
	for _, c := range trimCases {
		for _, alg := range []ops.ConvAlgorithm{ops.ConvAuto, ops.ConvIm2col} {
			in := []t64{randn(r, c.x...), randn(r, c.w...)}
			var b t64
			if c.bias {
				b = randn(r, c.w[0])
				in = append(in, b)
			}
			mk := func() *ops.Conv2d[float64] {
				op := c.op()
				op.Algorithm = alg
				return op
			}
			y := forward[float64](mk(), in...)
			seed := randn(r, y.Shape()...)
			restore := ops.SetConvTrim(false)
			yu, gu := backward(t, mk(), seed, in...)
			restore()
			op := mk()
			yt, gt := backward(t, op, seed, in...)
			assertLike(t, c.String()+" output vs the definition", yt, naiveConv(c, in[0], in[1], b), 1e-12)
			assertLike(t, c.String()+" output vs untrimmed", yt, yu, 1e-12)
			for i := range gt {
				assertLike(t, c.String()+" gradient vs untrimmed", gt[i], gu[i], 1e-12)
			}
			live := liveTaps(c)
			dead := 0
			for i, v := range gt[1].Data() {
				tap := i % (c.w[2] * c.w[3])
				if !live[tap/c.w[3]][tap%c.w[3]] {
					dead++
					if v != 0 {
						t.Errorf("%s: dW[%d] = %v at a dead tap, want 0", c, i, v)
					}
				}
			}
			if got, want := ops.ConvTrimmed(op), dead > 0; got != want && c.stride[1] != 4 {
				t.Errorf("%s: trimmed %t with %d dead weights", c, got, dead)
			}

			in32 := make([]*tensor.Tensor[float32], len(in))
			for i, v := range in {
				in32[i] = to32(v)
			}
			o32 := &ops.Conv2d[float32]{Stride: c.stride, Padding: c.padding, Dilation: c.dilation, Groups: c.groups, Algorithm: alg}
			assert32(t, c.String(), forward[float32](o32, in32...), yu)
		}
	}
}

// With an arena the op keeps the trimmed weights next to the im2col matrix
// (none for a 1×1 plane, which is one GEMM without im2col), and the
// gradients are those without an arena, bit for bit. Without an arena it
// keeps x and w alone.
func TestConv2dTrimKeepsTheTrimmedWeightsWithAnArena(t *testing.T) {
	r := rng(701)
	for _, k := range []struct {
		c    convCase
		kept int
	}{{trimCases[0], 3}, {trimCases[2], 4}} {
		c := k.c
		x, w, b := randn(r, c.x...), randn(r, c.w...), randn(r, c.w[0])
		y := forward[float64](c.op(), x, w, b)
		seed := randn(r, y.Shape()...)
		_, plain := backward(t, c.op(), seed, x, w, b)
		kept := c.op()
		kept.UseArena(tensor.NewArena[float64]())
		_, withArena := backward(t, kept, seed, x, w, b)
		for i := range plain {
			if !tensor.AllClose(plain[i], withArena[i], 0, 0) {
				t.Errorf("%s: gradient %d differs with the arena by %g", c, i, tensor.MaxAbsDiff(plain[i], withArena[i]))
			}
		}
		if got := len(kept.Saved()); got != k.kept {
			t.Errorf("%s: Saved lists %d tensors with an arena, want %d (x, w, [cols,] trimmed w)", c, got, k.kept)
		}
		if got, want := savedBytes(c.op(), x, w, b), (len(x.Data())+len(w.Data()))*8; got != want {
			t.Errorf("%s: SavedBytes = %d without an arena, want %d (x and w)", c, got, want)
		}
	}
}

// ConvAuto chooses the algorithm for the trimmed convolution: a 5×5 kernel
// with padding 2 on 2×2 planes trims to a 3×3 one with padding 1, which
// Winograd computes with 64 channels and 128 tiles. Its results are the
// untrimmed im2col path's, and its forward-only output (Winograd in blocks)
// the recorded one's bits.
func TestConv2dTrimThenWinograd(t *testing.T) {
	r := rng(702)
	c := convCase{x: []int{128, 64, 2, 2}, w: []int{64, 64, 5, 5}, padding: [2]int{2, 2}, bias: true}
	x, w, b := randn(r, c.x...), randn(r, c.w...), randn(r, c.w[0])
	seed := randn(r, c.x[0], c.w[0], 2, 2)
	op := c.op()
	op.UseArena(tensor.NewArena[float64]())
	y, grads := backward(t, op, seed, x, w, b)
	if !ops.ConvTrimmed(op) || len(op.Saved()) != 5 {
		t.Errorf("trimmed %t, Saved lists %d tensors; want trimmed, 5 (x, w, U, V, trimmed w)", ops.ConvTrimmed(op), len(op.Saved()))
	}
	ref := c.op()
	ref.Algorithm = ops.ConvIm2col
	restore := ops.SetConvTrim(false)
	yu, gu := backward(t, ref, seed, x, w, b)
	restore()
	assertLike(t, "output", y, yu, 1e-10)
	for i := range grads {
		assertLike(t, "gradient", grads[i], gu[i], 1e-10)
	}
	fo := c.op()
	fo.ForwardOnly(true)
	if i := firstBitDiff(fo.Forward([]t64{x, w, b}).Data(), y.Data()); i >= 0 {
		t.Errorf("forward-only output differs from the recorded one at %d", i)
	}
}

// A trimmed convolution's forward-only output, with an epilogue, is the
// recorded convolution's bits followed by ChannelAffine and ReLU.
func TestConv2dTrimEpilogue(t *testing.T) {
	r := rng(703)
	c := convCase{x: []int{8, 16, 1, 1}, w: []int{12, 16, 3, 3}, padding: [2]int{1, 1}}
	x, w, b := randn(r, c.x...), randn(r, c.w...), randn(r, c.w[0])
	s, sh := randn(r, c.w[0]), randn(r, c.w[0])
	in := []t64{x, w, b}
	conv := forward[float64](c.op(), in...)
	want := (&ops.ReLU[float64]{}).Forward([]t64{(&ops.ChannelAffine[float64]{}).Forward([]t64{conv, s, sh})})
	pool := &ops.ConvPool{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}
	for i, ar := range []*tensor.Arena[float64]{nil, tensor.NewArena[float64](), nil, tensor.NewArena[float64]()} {
		op := c.op()
		// Without a pool: one GEMM (conv.Pointwise); with one (which keeps
		// the 1×1 plane): im2col.
		op.Epilogue = &ops.ConvEpilogue[float64]{Scale: s, Shift: sh, ReLU: true}
		if i >= 2 {
			op.Epilogue.Pool = pool
		}
		op.ForwardOnly(true)
		if ar != nil {
			op.UseArena(ar)
		}
		got := op.Forward(in)
		if !ops.ConvTrimmed(op) {
			t.Errorf("case %d: not trimmed", i)
		}
		if j := firstBitDiff(got.Data(), want.Data()); j >= 0 {
			t.Errorf("case %d: element %d is %v, want %v", i, j, got.Data()[j], want.Data()[j])
		}
	}
}

// Outputs and gradients of a trimmed convolution are the same bits for
// every GOMAXPROCS.
func TestConv2dTrimDoesNotDependOnGOMAXPROCS(t *testing.T) {
	r := rng(704)
	c := convCase{x: []int{16, 64, 1, 1}, w: []int{48, 64, 3, 3}, padding: [2]int{1, 1}, bias: true}
	in := []t64{randn(r, c.x...), randn(r, c.w...), randn(r, c.w[0])}
	seed := randn(r, c.x[0], c.w[0], 1, 1)
	run := func() []t64 {
		y, grads := backward(t, c.op(), seed, in...)
		return append([]t64{y}, grads...)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	want := run()
	runtime.GOMAXPROCS(4)
	for i, got := range run() {
		if !tensor.AllClose(got, want[i], 0, 0) {
			t.Errorf("result %d differs between GOMAXPROCS 1 and 4 by %g", i, tensor.MaxAbsDiff(got, want[i]))
		}
	}
}
