package ops_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// winoCase is a convolution Winograd F(2×2, 3×3) applies to: 3×3 kernel,
// stride 1, padding per axis.
type winoCase struct {
	n, cin, h, w, cout int
	padding            [2]int
	bias               bool
}

func (c winoCase) String() string {
	return fmt.Sprintf("x[%d %d %d %d] w[%d %d 3 3] p%v bias=%t", c.n, c.cin, c.h, c.w, c.cout, c.cin, c.padding, c.bias)
}

func (c winoCase) op(alg ops.ConvAlgorithm) *ops.Conv2d[float64] {
	return &ops.Conv2d[float64]{Padding: c.padding, Algorithm: alg}
}

// inputs draws x, w and, with a bias, b.
func (c winoCase) inputs(r *rand.Rand) []t64 {
	in := []t64{randn(r, c.n, c.cin, c.h, c.w), randn(r, c.cout, c.cin, 3, 3)}
	if c.bias {
		in = append(in, randn(r, c.cout))
	}
	return in
}

// outShape is the output's shape, N×Cout×(H+2pH−2)×(W+2pW−2).
func (c winoCase) outShape() []int {
	return []int{c.n, c.cout, c.h + 2*c.padding[0] - 2, c.w + 2*c.padding[1] - 2}
}

// Hand-picked shapes: planes of 1, 2 and 3 (odd output sizes crop the last
// tiles), batch 1, one channel in or out, each padding on each axis.
var winoCases = []winoCase{
	{n: 2, cin: 3, h: 5, w: 5, cout: 4, padding: [2]int{1, 1}, bias: true},
	{n: 1, cin: 1, h: 1, w: 1, cout: 1, padding: [2]int{1, 1}},               // one pixel, one tile, three quarters cropped
	{n: 1, cin: 2, h: 1, w: 2, cout: 3, padding: [2]int{2, 1}, bias: true},   // H = 1 with padding 2: Hout 3
	{n: 2, cin: 1, h: 2, w: 3, cout: 2, padding: [2]int{1, 2}},               // W = 3, Wout 5
	{n: 1, cin: 4, h: 3, w: 3, cout: 1, padding: [2]int{0, 0}, bias: true},   // no padding: one output
	{n: 3, cin: 2, h: 3, w: 4, cout: 5, padding: [2]int{0, 1}},               // Hout 1, Wout 4
	{n: 2, cin: 3, h: 7, w: 6, cout: 2, padding: [2]int{2, 0}, bias: true},   // Hout 9, Wout 4
	{n: 1, cin: 5, h: 8, w: 8, cout: 6, padding: [2]int{1, 1}},               // even everywhere
	{n: 2, cin: 6, h: 9, w: 11, cout: 7, padding: [2]int{2, 2}, bias: true},  // odd everywhere
	{n: 4, cin: 16, h: 4, w: 4, cout: 8, padding: [2]int{1, 1}, bias: true},  // the deep layers' plane
	{n: 2, cin: 8, h: 16, w: 16, cout: 4, padding: [2]int{1, 1}, bias: true}, // large enough to run in parallel
}

// randomWinoCases draws count more shapes with every size from 1 that the
// padding allows.
func randomWinoCases(r *rand.Rand, count int) []winoCase {
	cs := make([]winoCase, count)
	for i := range cs {
		p := [2]int{r.IntN(3), r.IntN(3)}
		cs[i] = winoCase{
			n: 1 + r.IntN(3), cin: 1 + r.IntN(5), cout: 1 + r.IntN(5),
			h: max(3-2*p[0], 1) + r.IntN(6), w: max(3-2*p[1], 1) + r.IntN(6),
			padding: p, bias: r.IntN(2) == 0,
		}
	}
	return cs
}

// The Winograd path computes the convolution and its three gradients that
// im2col computes, for a random upstream gradient, up to float64 rounding.
func TestConv2dWinogradMatchesIm2col(t *testing.T) {
	r := rng(300)
	for _, c := range append(winoCases, randomWinoCases(r, 40)...) {
		in := c.inputs(r)
		seed := randn(r, c.outShape()...)
		y, grads := backward(t, c.op(ops.ConvWinograd), seed, in...)
		wantY, wantGrads := backward(t, c.op(ops.ConvIm2col), seed, in...)
		assertLike(t, c.String()+" y", y, wantY, 1e-12)
		for i, name := range []string{"dx", "dw", "db"}[:len(in)] {
			assertLike(t, c.String()+" "+name, grads[i], wantGrads[i], 1e-12)
		}
	}
}

func TestConv2dWinogradGradCheck(t *testing.T) {
	r := rng(301)
	for _, c := range []winoCase{
		{n: 2, cin: 2, h: 3, w: 4, cout: 3, padding: [2]int{1, 1}, bias: true},
		{n: 1, cin: 3, h: 5, w: 2, cout: 2, padding: [2]int{0, 2}},
		{n: 1, cin: 1, h: 1, w: 1, cout: 2, padding: [2]int{2, 1}, bias: true},
	} {
		checkGrad(t, c.String(), func(x vars64) *autograd.Var[float64] {
			return autograd.Apply[float64](c.op(ops.ConvWinograd), x...)
		}, c.inputs(r)...)
	}
}

// normRelErr returns max|got − want| / max|want|: the error relative to the
// tensor's scale rather than element by element, since float32 sums of
// terms of both signs land near 0 with an absolute, not a relative, error.
func normRelErr(got *tensor.Tensor[float32], want *tensor.Tensor[float32]) float64 {
	var diff, scale float64
	for i, v := range want.Data() {
		diff = max(diff, math.Abs(float64(got.Data()[i])-float64(v)))
		scale = max(scale, math.Abs(float64(v)))
	}
	return diff / scale
}

// In float32, Winograd agrees with im2col on the ConvNet's layer shapes (at
// batch 2, with PyTorch's initialization U(±1/√(9·Cin)) for the weights)
// to within 1e-5 of each tensor's largest value. The transforms add and
// subtract up to 16 terms before and after the product, which costs a few
// bits: the worst difference measured here is 1.0e-6 (dx of 512x2x2-512),
// ten times below the tolerance. Against float64, Winograd's worst error is
// 8.5e-7 and im2col's 5.2e-7: both a few units of float32's 6e-8.
func TestConv2dWinogradFloat32(t *testing.T) {
	const tol = 1e-5
	r := rng(302)
	worst := 0.0
	for _, s := range []struct{ in, out, size int }{
		{3, 64, 32}, {64, 128, 16}, {128, 256, 8}, {256, 256, 8}, {256, 512, 4}, {512, 512, 4}, {512, 512, 2},
	} {
		bound := 1 / math.Sqrt(float64(9*s.in))
		in := []*tensor.Tensor[float32]{
			to32(randn(r, 2, s.in, s.size, s.size)),
			to32(tensor.RandU(r, -bound, bound, s.out, s.in, 3, 3)),
			to32(randn(r, s.out)),
		}
		dy := to32(randn(r, 2, s.out, s.size, s.size))
		run := func(alg ops.ConvAlgorithm) []*tensor.Tensor[float32] {
			op := &ops.Conv2d[float32]{Padding: [2]int{1, 1}, Algorithm: alg}
			y := op.Forward(in)
			return append([]*tensor.Tensor[float32]{y}, op.Backward(dy, []bool{true, true, true})...)
		}
		got, want := run(ops.ConvWinograd), run(ops.ConvIm2col)
		for i, name := range []string{"y", "dx", "dw", "db"} {
			e := normRelErr(got[i], want[i])
			worst = max(worst, e)
			if e > tol {
				t.Errorf("%dx%dx%d-%d %s: error %.2g of the largest value, want at most %g", s.in, s.size, s.size, s.out, name, e, tol)
			}
		}
	}
	t.Logf("worst float32 error relative to the largest value: %.2g", worst)
}

func TestConv2dWinogradPanics(t *testing.T) {
	conv := func(op ops.Conv2d[float64], kernel int) func() {
		return func() {
			forward[float64](&op, tensor.New[float64](1, 2, 6, 6), tensor.New[float64](2, 2/max(op.Groups, 1), kernel, kernel))
		}
	}
	const why = "Winograd F(2×2, 3×3) needs a 3×3 kernel, stride 1, dilation 1, one group and padding 0, 1 or 2"
	testutil.MustPanic(t, conv(ops.Conv2d[float64]{Algorithm: ops.ConvWinograd}, 5), why)
	testutil.MustPanic(t, conv(ops.Conv2d[float64]{Algorithm: ops.ConvWinograd, Stride: [2]int{2, 2}}, 3), why)
	testutil.MustPanic(t, conv(ops.Conv2d[float64]{Algorithm: ops.ConvWinograd, Dilation: [2]int{1, 2}}, 3), why)
	testutil.MustPanic(t, conv(ops.Conv2d[float64]{Algorithm: ops.ConvWinograd, Groups: 2}, 3), why)
	testutil.MustPanic(t, conv(ops.Conv2d[float64]{Algorithm: ops.ConvWinograd, Padding: [2]int{1, 3}}, 3), why)
	testutil.MustPanic(t, conv(ops.Conv2d[float64]{Algorithm: 7}, 3), "unknown algorithm 7")
}

// With an arena the op keeps the forward's transforms U and V and the
// backward uses them instead of transforming again: same gradients, and the
// kept transforms are counted among the saved bytes.
func TestConv2dWinogradKeepsTransformsWithAnArena(t *testing.T) {
	r := rng(303)
	c := winoCase{n: 2, cin: 3, h: 6, w: 5, cout: 4, padding: [2]int{1, 1}, bias: true}
	in := c.inputs(r)
	seed := randn(r, c.outShape()...)
	_, plain := backward(t, c.op(ops.ConvWinograd), seed, in...)
	kept := c.op(ops.ConvWinograd)
	kept.UseArena(tensor.NewArena[float64]())
	_, withArena := backward(t, kept, seed, in...)
	for i := range plain {
		if !tensor.AllClose(plain[i], withArena[i], 0, 0) {
			t.Errorf("gradient %d differs with the arena by %g", i, tensor.MaxAbsDiff(plain[i], withArena[i]))
		}
	}
	saved := kept.Saved()
	if got, want := len(saved), 4; got != want {
		t.Fatalf("Saved lists %d tensors with an arena, want %d (x, w, U, V)", got, want)
	}
	tiles := c.n * 3 * 3 // ⌈6/2⌉·⌈5/2⌉ tiles per sample
	for i, want := range []int{16 * c.cout * c.cin, 16 * c.cin * tiles} {
		if got := saved[2+i].Size(); got < want || got > want+16*64 {
			t.Errorf("kept transform %d holds %d values, want %d and small gaps", i, got, want)
		}
	}
}

// Outputs and gradients are the same bits for every GOMAXPROCS.
func TestConv2dWinogradDoesNotDependOnGOMAXPROCS(t *testing.T) {
	r := rng(304)
	// Large enough for the transforms' loops to be split (parallel.Grain).
	c := winoCase{n: 16, cin: 16, h: 24, w: 23, cout: 8, padding: [2]int{1, 1}, bias: true}
	in := c.inputs(r)
	seed := randn(r, c.outShape()...)
	run := func() []t64 {
		y, grads := backward(t, c.op(ops.ConvWinograd), seed, in...)
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

// BenchmarkConv2dAlgorithm times im2col and Winograd side by side in
// float32 on the ConvNet's layer shapes at batch 32 (3×3, stride 1,
// padding 1, with a bias), forward and backward, without an arena: the
// measurements behind ConvAuto's rule. Sub-benchmarks are named
// pass/In×Size×Size-Out/algorithm.
func BenchmarkConv2dAlgorithm(b *testing.B) {
	algs := []struct {
		name string
		alg  ops.ConvAlgorithm
	}{{"im2col", ops.ConvIm2col}, {"winograd", ops.ConvWinograd}}
	for _, pass := range []string{"forward", "backward"} {
		for _, s := range []struct{ in, out, size int }{
			{3, 64, 32}, {64, 128, 16}, {128, 256, 8}, {256, 256, 8}, {256, 512, 4}, {512, 512, 4}, {512, 512, 2},
		} {
			r := rng(305)
			in := []*tensor.Tensor[float32]{
				to32(randn(r, 32, s.in, s.size, s.size)),
				to32(tensor.RandU(r, -0.05, 0.05, s.out, s.in, 3, 3)),
				to32(randn(r, s.out)),
			}
			dy := to32(randn(r, 32, s.out, s.size, s.size))
			for _, a := range algs {
				b.Run(fmt.Sprintf("%s/%dx%dx%d-%d/%s", pass, s.in, s.size, s.size, s.out, a.name), func(b *testing.B) {
					op := &ops.Conv2d[float32]{Padding: [2]int{1, 1}, Algorithm: a.alg}
					op.Forward(in)
					for b.Loop() {
						if pass == "forward" {
							op.Forward(in)
						} else {
							op.Backward(dy, []bool{true, true, true})
						}
					}
				})
			}
		}
	}
}

// An op run forward again on a shape that takes the other path keeps only
// what that path needs.
func TestConv2dForwardAgainSwitchesWhatItKeeps(t *testing.T) {
	r := rng(306)
	op := &ops.Conv2d[float64]{Padding: [2]int{1, 1}}
	op.UseArena(tensor.NewArena[float64]())
	big := []t64{randn(r, 4, 64, 8, 8), randn(r, 64, 64, 3, 3)} // 64 tiles of 2×2: im2col
	op.Forward(big)
	if got := len(op.Saved()); got != 3 {
		t.Fatalf("after an im2col forward, Saved lists %d tensors, want 3 (x, w, cols)", got)
	}
	bigger := []t64{randn(r, 8, 64, 8, 8), randn(r, 64, 64, 3, 3)} // 128 tiles: Winograd
	op.Forward(bigger)
	if got := len(op.Saved()); got != 4 {
		t.Fatalf("after a Winograd forward, Saved lists %d tensors, want 4 (x, w, U, V)", got)
	}
	op.Forward(big)
	if got := len(op.Saved()); got != 3 {
		t.Errorf("after an im2col forward again, Saved lists %d tensors, want 3 (x, w, cols)", got)
	}
}
