package ops_test

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

func batchNorm(eps float64) fn64 {
	return func(x vars64) *autograd.Var[float64] {
		return autograd.Apply[float64](&ops.BatchNorm[float64]{Eps: eps}, x...)
	}
}

func TestBatchNormGradCheck(t *testing.T) {
	r := rng(90)
	for _, shape := range [][]int{
		{6, 4},       // N×C
		{2, 3},       // small batch
		{5, 1},       // one channel
		{3, 2, 4},    // N×C×L
		{2, 3, 4, 5}, // N×C×H×W
		{1, 2, 3, 3}, // batch 1, statistics over H×W
		{4, 3, 1, 1}, // 1×1 spatial
	} {
		c := shape[1]
		for _, eps := range []float64{1e-5, 0.1} {
			checkGrad(t, "BatchNorm "+shapeName(shape), batchNorm(eps),
				randn(r, shape...), randn(r, c), randn(r, c))
		}
	}
}

// The course's statistical checks: with γ = 1 and β = 0 every channel of the
// output has mean 0 and variance 1; with γᵢ = √(10·i) and βᵢ = 100·i it has
// mean βᵢ and variance γᵢ².
func TestBatchNormStatistics(t *testing.T) {
	r := rng(91)
	const n, c = 200, 5
	x := tensor.Add(tensor.Scale(randn(r, n, c), 3), tensor.Full(7.0, c)) // far from standard
	for _, course := range []bool{false, true} {
		gamma, beta := tensor.Ones[float64](c), tensor.New[float64](c)
		if course {
			for i := range c {
				gamma.Data()[i], beta.Data()[i] = math.Sqrt(10*float64(i)), 100*float64(i)
			}
		}
		y := forward[float64](&ops.BatchNorm[float64]{Eps: 1e-5}, x, gamma, beta)
		mean := tensor.Mean(y, false, 0)
		vari := tensor.Mean(tensor.Pow(tensor.Sub(y, mean), 2), false, 0)
		for i := range c {
			g, b := gamma.Data()[i], beta.Data()[i]
			if d := math.Abs(mean.Data()[i] - b); d > 1e-9*(1+b) {
				t.Errorf("course %t, channel %d: mean %.12g, want %g", course, i, mean.Data()[i], b)
			}
			// The variance is γ²·σ²/(σ²+eps), a hair below γ².
			if d := math.Abs(vari.Data()[i] - g*g); d > 1e-5*(1+g*g) {
				t.Errorf("course %t, channel %d: variance %.8g, want %g", course, i, vari.Data()[i], g*g)
			}
		}
	}
}

// Forward leaves the batch mean and biased variance in Mean and Var.
func TestBatchNormBatchStatistics(t *testing.T) {
	x := vec([]float64{1, 10, 2, 20, 6, 60}, 3, 2)
	op := &ops.BatchNorm[float64]{Eps: 0}
	y := forward[float64](op, x, tensor.Ones[float64](2), tensor.New[float64](2))
	assertTensor(t, "Mean", op.Mean, []int{2}, []float64{3, 30}, 1e-15)
	assertTensor(t, "Var", op.Var, []int{2}, []float64{14.0 / 3, 1400.0 / 3}, 1e-15)
	s := math.Sqrt(14.0 / 3)
	assertTensor(t, "y", y, []int{3, 2}, []float64{-2 / s, -2 / s, -1 / s, -1 / s, 3 / s, 3 / s}, 1e-15)
}

// The fused op keeps x, γ/σ, and μ and 1/σ in float64: the input and three
// values per channel, nothing else like x.
func TestBatchNormSaved(t *testing.T) {
	r := rng(92)
	got := savedBytes(&ops.BatchNorm[float64]{Eps: 1e-5}, randn(r, 8, 3, 2, 2), randn(r, 3), randn(r, 3))
	if want := (8*3*2*2 + 3 + 2*3) * 8; got != want {
		t.Errorf("SavedBytes = %d, want %d", got, want)
	}
}

func TestBatchNormPanics(t *testing.T) {
	op := func() *ops.BatchNorm[float64] { return &ops.BatchNorm[float64]{Eps: 1e-5} }
	testutil.MustPanic(t, func() {
		forward[float64](op(), tensor.New[float64](4), tensor.New[float64](4), tensor.New[float64](4))
	}, "ops: BatchNorm needs an input of shape N×C or N×C×…, got [4]")
	testutil.MustPanic(t, func() {
		forward[float64](op(), tensor.New[float64](2, 4), tensor.New[float64](3), tensor.New[float64](4))
	}, "ops: BatchNorm: γ of shape [3] and β of shape [4] do not match input [2 4] with 4 channels")
}

func TestBatchNormFloat32(t *testing.T) {
	r := rng(93)
	x, g, b := randn(r, 16, 3, 4, 4), randn(r, 3), randn(r, 3)
	y64 := forward[float64](&ops.BatchNorm[float64]{Eps: 1e-5}, x, g, b)
	y32 := forward[float32](&ops.BatchNorm[float32]{Eps: 1e-5}, to32(x), to32(g), to32(b))
	assert32(t, "BatchNorm float32", y32, y64)
}

func batchNormNoAffine(eps float64) fn64 {
	return func(x vars64) *autograd.Var[float64] {
		return autograd.Apply[float64](&ops.BatchNorm[float64]{Eps: eps}, x[0])
	}
}

// Without γ and β (PyTorch's affine=False) the fused op takes x alone.
func TestBatchNormNoAffineGradCheck(t *testing.T) {
	r := rng(94)
	for _, shape := range [][]int{{6, 4}, {2, 3}, {5, 1}, {3, 2, 4}, {2, 3, 4, 5}, {1, 2, 3, 3}, {4, 3, 1, 1}} {
		for _, eps := range []float64{1e-5, 0.1} {
			checkGrad(t, "BatchNorm without γ, β "+shapeName(shape), batchNormNoAffine(eps), randn(r, shape...))
		}
	}
}

// Without γ and β the op computes what it computes with γ = 1 and β = 0, to
// the bit in the output and the batch statistics, and returns a single
// gradient. dx agrees to a few ulps only: without γ and β the backward pass
// reads x̂, with them it reads x and takes Σ dy·x̂ as Σ dy·(x − μ)·(1/σ),
// rounded differently. The last two shapes are large enough to be split
// among goroutines.
func TestBatchNormNoAffineIsUnitAffine(t *testing.T) {
	r := rng(95)
	for _, shape := range [][]int{{7, 3}, {3, 4, 5}, {2, 3, 4, 4}, {512, 256}, {8, 16, 24, 24}} {
		c := shape[1]
		x, seed := tensor.Add(tensor.Scale(randn(r, shape...), 2), tensor.Scalar(5.0)), randn(r, shape...)
		unit := &ops.BatchNorm[float64]{Eps: 1e-5}
		yUnit, gUnit := backward(t, unit, seed, x, tensor.Ones[float64](c), tensor.New[float64](c))
		bare := &ops.BatchNorm[float64]{Eps: 1e-5}
		y, g := backward(t, bare, seed, x)
		if len(g) != 1 {
			t.Fatalf("%v: %d gradients, want 1", shape, len(g))
		}
		for _, q := range []struct {
			what      string
			got, want t64
			tol       float64
		}{{"y", y, yUnit, 0}, {"dx", g[0], gUnit[0], 1e-14}, {"Mean", bare.Mean, unit.Mean, 0}, {"Var", bare.Var, unit.Var, 0}} {
			if !tensor.SameShape(q.got, q.want) || !(tensor.MaxAbsDiff(q.got, q.want) <= q.tol) {
				t.Errorf("%v: %s without γ, β differs from γ = 1, β = 0 by %.3g", shape, q.what, tensor.MaxAbsDiff(q.got, q.want))
			}
		}
	}
}

// Without γ and β the output is x̂ itself: the op keeps it and 1/σ, and
// nothing else like x.
func TestBatchNormNoAffineSaved(t *testing.T) {
	r := rng(96)
	got := savedBytes(&ops.BatchNorm[float64]{Eps: 1e-5}, randn(r, 8, 3, 2, 2))
	if want := (8*3*2*2 + 3) * 8; got != want {
		t.Errorf("SavedBytes = %d, want %d", got, want)
	}
}

func TestBatchNormNoAffineFloat32(t *testing.T) {
	r := rng(97)
	x := randn(r, 16, 3, 4, 4)
	y64 := forward[float64](&ops.BatchNorm[float64]{Eps: 1e-5}, x)
	y32 := forward[float32](&ops.BatchNorm[float32]{Eps: 1e-5}, to32(x))
	assert32(t, "BatchNorm without γ, β float32", y32, y64)
}

func TestBatchNormArityPanics(t *testing.T) {
	x, g := tensor.New[float64](2, 3), tensor.Ones[float64](3)
	testutil.MustPanic(t, func() {
		forward[float64](&ops.BatchNorm[float64]{Eps: 1e-5}, x, g)
	}, "ops: BatchNorm takes 1 input (x) or 3 (x, γ, β), got 2")
	testutil.MustPanic(t, func() {
		forward[float64](&ops.BatchNorm[float64]{Eps: 1e-5}, x, g, g, g)
	}, "ops: BatchNorm takes 1 input (x) or 3 (x, γ, β), got 4")
	testutil.MustPanic(t, func() {
		forward[float64](&ops.BatchNorm[float64]{Eps: 1e-5}, tensor.New[float64](4))
	}, "ops: BatchNorm needs an input of shape N×C or N×C×…, got [4]")
}

// bnPass runs op forward and backward on x (with γ and β when g is not
// nil) and the output gradient dy, and returns y, the batch mean and
// variance, and the gradients.
func bnPass[T tensor.Float](op *ops.BatchNorm[T], x, g, b, dy *tensor.Tensor[T]) []*tensor.Tensor[T] {
	in := []*tensor.Tensor[T]{x}
	if g != nil {
		in = append(in, g, b)
	}
	y := op.Forward(in)
	needs := make([]bool, len(in))
	for i := range needs {
		needs[i] = true
	}
	return append([]*tensor.Tensor[T]{y, op.Mean, op.Var}, op.Backward(dy, needs)...)
}

// bnCols takes blocks of up to 2048 columns, narrower (at least 512) where
// the backward pass's two inputs then fit 512 KiB, and at least a channel:
// the widths TestBatchNormFloat32Paths's shapes are chosen to meet.
func TestBatchNormCols(t *testing.T) {
	for _, c := range []struct{ n, inner, clo, chi, size, want int }{
		{200, 1, 0, 100, 4, 100},   // all the channels in one small block
		{4, 1, 0, 3000, 4, 2048},   // the widest block
		{64, 1, 0, 1100, 4, 1024},  // the block that fits 512 KiB
		{128, 1, 0, 1024, 4, 512},  // W3's 128x1024: half a row
		{128, 1, 0, 1024, 8, 1024}, // in float64 no block of 512 fits: the widest
		{130, 1, 0, 1100, 4, 1100}, // none fits (504 columns would): the widest
		{100, 700, 0, 1, 4, 700},   // fits 648 columns, but a channel is 700
		{2, 2100, 0, 3, 4, 2048},   // runs along a plane wider than a block
		{2, 1024, 0, 2, 4, 2048},   // the widest plane taken as columns
		{2, 1024, 3, 4, 4, 1024},   // one channel of it
	} {
		if got := ops.BNCols(c.n, c.inner, c.clo, c.chi, c.size); got != c.want {
			t.Errorf("bnCols(%d, %d, %d, %d, %d) = %d, want %d", c.n, c.inner, c.clo, c.chi, c.size, got, c.want)
		}
	}
}

// The float32 passes (vectorized on amd64) agree with float64's, forward
// and backward, with and without γ and β, on shapes that meet every path of
// the row loops: N×C with the channels in one column block, in row-major
// blocks with a tail, and N×C×… with planes taken as columns (inner up to
// 1024: one block of channels, several, a block of two) and as runs longer
// than the 16 partial sums, with tails.
func TestBatchNormFloat32Paths(t *testing.T) {
	r := rng(95)
	names := []string{"y", "mean", "var", "dx", "dγ", "dβ"}
	for _, shape := range [][]int{{5, 12}, {7, 43}, {64, 300}, {3, 4, 5}, {3, 4, 16}, {2, 3, 41}, {4, 2, 8, 9},
		{3, 300, 4}, {2, 40, 7, 7}, {2, 5, 256}, {2, 3, 257},
		// The block widths of bnCols for float32: 2048 columns and a last
		// block of 952 (4x3000); blocks that fit the cache, 1024 columns
		// and 76 (64x1100); a fitting width (648) narrower than a
		// channel, which takes the channel (100x1x700); runs along a
		// plane too wide for a block (2x3x2100); the widest plane taken
		// as columns, and the narrowest taken as runs.
		{4, 3000}, {64, 1100}, {100, 1, 700}, {2, 3, 2100}, {2, 2, 1024}, {2, 2, 1025}} {
		c := shape[1]
		x, g, b, dy := randn(r, shape...), randn(r, c), randn(r, c), randn(r, shape...)
		// Away from 0 and 1 in mean and scale, as real activations are.
		x = tensor.AddScalar(tensor.Scale(x, 3), 5)
		for _, affine := range []bool{true, false} {
			g64, b64, g32, b32 := g, b, to32(g), to32(b)
			if !affine {
				g64, b64, g32, b32 = nil, nil, nil, nil
			}
			want := bnPass(&ops.BatchNorm[float64]{Eps: 1e-5}, x, g64, b64, dy)
			got := bnPass(&ops.BatchNorm[float32]{Eps: 1e-5}, to32(x), g32, b32, to32(dy))
			for i := range want {
				assert32(t, fmt.Sprintf("BatchNorm %v affine %t: %s", shape, affine, names[i]), got[i], want[i])
			}
		}
	}
}

// The fused op's results do not depend on GOMAXPROCS: every channel's sums
// are taken in an order fixed by the shape.
func TestBatchNormSameBitsAnyGOMAXPROCS(t *testing.T) {
	r := rng(96)
	for _, shape := range [][]int{{300, 1024}, {4, 8, 64, 130}} {
		c := shape[1]
		x, g, b, dy := to32(randn(r, shape...)), to32(randn(r, c)), to32(randn(r, c)), to32(randn(r, shape...))
		var runs [2][]*tensor.Tensor[float32]
		for i, procs := range []int{1, 2} {
			prev := runtime.GOMAXPROCS(procs)
			runs[i] = bnPass(&ops.BatchNorm[float32]{Eps: 1e-5}, x, g, b, dy)
			runtime.GOMAXPROCS(prev)
		}
		for k := range runs[0] {
			for i, v := range runs[0][k].Data() {
				if w := runs[1][k].Data()[i]; math.Float32bits(v) != math.Float32bits(w) {
					t.Fatalf("%v: result %d element %d is %v with GOMAXPROCS 1, %v with 2", shape, k, i, v, w)
				}
			}
		}
	}
}

// TestBatchNormFloat32DoesNotDependOnGOMAXPROCS runs the float32 passes (the
// vectorized ones) on inputs wide enough to be split among goroutines and,
// within a goroutine's channels, into blocks (more than 512 columns, of
// N×C or of small planes taken as columns, or spatial values), and wants the same bits of y, dx, dγ and dβ, with and
// without γ and β, for every GOMAXPROCS.
func TestBatchNormFloat32DoesNotDependOnGOMAXPROCS(t *testing.T) {
	r := rng(93)
	type result []*tensor.Tensor[float32]
	run := func(x, g, b, dy *tensor.Tensor[float32]) result {
		tape := autograd.NewTape[float32]()
		xv := tape.Param(x)
		in := []*autograd.Var[float32]{xv}
		if g != nil {
			in = append(in, tape.Param(g), tape.Param(b))
		}
		y := autograd.Apply[float32](&ops.BatchNorm[float32]{Eps: 1e-5}, in...)
		tape.BackwardWithGrad(y, dy)
		out := result{y.Value().Clone()}
		for _, v := range in {
			out = append(out, v.Grad().Clone())
		}
		return out
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	// Each above 2·parallel.Grain values.
	for _, shape := range [][]int{{96, 3000}, {3, 40, 2400}, {32, 2100, 2, 2}, {24, 256, 7, 7}} {
		x, dy := to32(randn(r, shape...)), to32(randn(r, shape...))
		g, b := to32(randn(r, shape[1])), to32(randn(r, shape[1]))
		for _, affine := range []bool{true, false} {
			gg, bb := g, b
			if !affine {
				gg, bb = nil, nil
			}
			runtime.GOMAXPROCS(1)
			want := run(x, gg, bb, dy)
			for _, procs := range []int{2, 3} {
				runtime.GOMAXPROCS(procs)
				for i, got := range run(x, gg, bb, dy) {
					if !tensor.AllClose(got, want[i], 0, 0) {
						t.Errorf("%v affine=%v GOMAXPROCS=%d: result %d differs from GOMAXPROCS=1 by %g",
							shape, affine, procs, i, tensor.MaxAbsDiff(got, want[i]))
					}
				}
			}
		}
	}
}

// The one-pass statistics shift the values by the channel's first one: far
// from 0, with that first value an outlier, μ and σ² still agree with the
// two-pass formulas to float64's precision.
func TestBatchNormStatisticsFarFromZero(t *testing.T) {
	r := rng(98)
	const n, c = 300, 3
	x := tensor.AddScalar(randn(r, n, c, 2), 1e6)
	for ch := range c {
		x.Data()[ch*2] += 50 // the first value of each channel
	}
	for _, tc := range []struct{ shape, axes []int }{{[]int{n, c * 2}, []int{0}}, {[]int{n, c, 2}, []int{0, 2}}} {
		shape, axes := tc.shape, tc.axes
		xs := x.Reshape(shape...)
		op := &ops.BatchNorm[float64]{Eps: 1e-5}
		forward[float64](op, xs, tensor.Ones[float64](shape[1]), tensor.New[float64](shape[1]))
		mu := tensor.Mean(xs, true, axes...)
		v := tensor.Mean(tensor.Pow(tensor.Sub(xs, mu), 2), false, axes...)
		for i := range shape[1] {
			if m, w := op.Mean.Data()[i], mu.Data()[i]; math.Abs(m-w) > 1e-15*w {
				t.Errorf("%v channel %d: mean %.17g, want %.17g", shape, i, m, w)
			}
			if got, want := op.Var.Data()[i], v.Data()[i]; math.Abs(got-want) > 1e-9*want {
				t.Errorf("%v channel %d: variance %.17g, want %.17g", shape, i, got, want)
			}
		}
	}
}

// Where the float32 sums are not finite, the forward pass takes its sums in
// float64 (sums64): deviations of 1e20, whose squares overflow float32,
// give the float64 op's mean and y, and an infinity gives the same NaNs as
// the float64 op, in both layouts of the passes.
func TestBatchNormFloat32Extremes(t *testing.T) {
	r := rng(99)
	for _, shape := range [][]int{{16, 3}, {2, 3, 1100}} {
		c, inner := shape[1], tensor.NumElems(shape[2:])
		g, b := randn(r, c), randn(r, c)
		x := tensor.Scale(randn(r, shape...), 1e20)
		xinf := x.Clone()
		xinf.Data()[inner] = math.Inf(1) // channel 1's first value
		for _, in := range []t64{x, xinf} {
			dy := randn(r, shape...)
			want := bnPass(&ops.BatchNorm[float64]{Eps: 1e-5}, in, g, b, dy)
			got := bnPass(&ops.BatchNorm[float32]{Eps: 1e-5}, to32(in), to32(g), to32(b), to32(dy))
			for k, name := range []string{"y", "mean"} {
				for i, w := range want[k].Data() {
					v := float64(got[k].Data()[i])
					switch {
					case math.IsNaN(w):
						if !math.IsNaN(v) {
							t.Fatalf("%v: %s[%d] = %v, want NaN", shape, name, i, v)
						}
					case math.IsNaN(v) || math.Abs(v-w) > 1e-5*max(math.Abs(w), 1):
						t.Fatalf("%v: %s[%d] = %v, want %v", shape, name, i, v, w)
					}
				}
			}
		}
	}
}
