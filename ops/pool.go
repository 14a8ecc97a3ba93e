package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/conv"
	"github.com/tapegrad/tapegrad/tensor"
)

// newPoolGeom checks the input shape and the settings of the pooling op
// called name and returns its geometry. A zero stride is the kernel size
// and a zero dilation is 1, PyTorch's defaults.
func newPoolGeom(name string, shape []int, kernel, stride, padding, dilation [2]int, ceil bool) conv.PoolGeom {
	if len(shape) != 4 || shape[2] < 1 || shape[3] < 1 {
		panic(fmt.Sprintf(errPoolRank, name, shape))
	}
	for i := range 2 {
		if kernel[i] < 1 || stride[i] < 0 || padding[i] < 0 {
			panic(fmt.Sprintf(errPoolSettings, name, kernel, stride, padding, shape))
		}
		if dilation[i] < 0 {
			panic(fmt.Sprintf(errPoolDilation, name, dilation, shape))
		}
		if padding[i] > kernel[i]/2 {
			panic(fmt.Sprintf(errPoolPad, name, padding, kernel, shape))
		}
	}
	g := conv.PoolGeom{
		Planes: shape[0] * shape[1], H: shape[2], W: shape[3],
		KH: kernel[0], KW: kernel[1],
		SH: stride[0], SW: stride[1],
		PH: padding[0], PW: padding[1],
		DH: dilation[0], DW: dilation[1],
	}
	if g.SH == 0 {
		g.SH = g.KH
	}
	if g.SW == 0 {
		g.SW = g.KW
	}
	g.DH, g.DW = max(g.DH, 1), max(g.DW, 1)
	g.HOut = conv.PoolOutSize(g.H, g.KH, g.SH, g.PH, g.DH, ceil)
	g.WOut = conv.PoolOutSize(g.W, g.KW, g.SW, g.PW, g.DW, ceil)
	if g.HOut < 1 || g.WOut < 1 {
		panic(fmt.Sprintf(errPoolOutput, name, shape, kernel, [2]int{g.SH, g.SW}, padding,
			[2]int{g.DH, g.DW}, ceil, g.HOut, g.WOut))
	}
	return g
}

// poolOutShape returns the output shape N×C×Hout×Wout of pooling g for an
// input of shape s.
func poolOutShape(g *conv.PoolGeom, s []int) []int { return []int{s[0], s[1], g.HOut, g.WOut} }

// MaxPool2d is 2-d max pooling, as PyTorch's max_pool2d. Kernel = (kH, kW),
// Stride = (sH, sW), Padding = (pH, pW) and Dilation = (dH, dW) give, for
// the H and the W axis, the number of taps of the window, its step, the
// padding added on both sides and the spacing of the taps. A zero Stride is
// the kernel size and a zero Dilation is 1, PyTorch's defaults (PyTorch
// rejects zeros, so no setting is lost). Padded positions count as −∞, so
// they never win. The output has
//
//	Hout = ⌊(H + 2·pH − dH·(kH − 1) − 1)/sH⌋ + 1        (Wout likewise)
//
// rows, the quotient rounded towards −∞. CeilMode, PyTorch's ceil_mode,
// rounds it up instead, which adds a last, partial window where the stride
// leaves a remainder, with one exception that keeps every window starting
// inside the input or its left padding: Hout is then one less if
// (Hout − 1)·sH ≥ H + pH.
//
//	y[n,c,i,j]  = max x[n,c,p,q] over the window of (i, j)       N×C×H×W → N×C×Hout×Wout
//	dx[n,c,p,q] = Σ dy[n,c,i,j] over the windows whose argmax
//	              is (p, q), 0 if there is none                  N×C×Hout×Wout → N×C×H×W
//
// where the window of (i, j) holds the in-bounds p = i·sH − pH + a·dH and
// q = j·sW − pW + b·dW for a < kH and b < kW. Its argmax is its first
// maximum in row-major order — a later equal value does not replace it —
// except that a NaN always replaces it (the last NaN wins) and makes the
// output NaN, as PyTorch's CPU kernel does. A window of −∞ alone routes its
// gradient to its first in-bounds position. A window with no in-bounds
// position at all, which only a dilation can make (and then every window
// is one: the taps of their rows, or of their columns, all fall in the
// padding), gives −∞, takes no gradient and has the index −1; PyTorch 1.13
// gives −∞ too, but an index outside the window, where its backward adds
// the gradient. Where windows overlap, the gradients of those that pick the
// same position add up.
//
// It keeps the argmax of every output as an int32 index p·W + q into its
// H×W plane, and the input's shape; Indices returns them as PyTorch's
// return_indices does. After ForwardOnly(true) — no backward pass will
// follow — a pooling without dilation finds the maxima alone, with no
// argmax, which takes about half the time, and keeps nothing: a window
// whose maximum is a zero of both signs then gives +0, where the argmax
// gives the value of its first zero, which may be −0.
//
// Its backward is differentiable: BackwardVar applies MaxPool2dBackward,
// the scatter-add above with the argmax as constants, whose own adjoint is
// MaxPool2dGather; the second derivative with respect to x is zero, as
// PyTorch's.
//
// It panics unless the input is 4-d with H, W ≥ 1, if a kernel size is less
// than 1, if a stride, a padding or a dilation is negative, if a padding is
// more than half its kernel size (PyTorch's rule, on the kernel size
// without dilation), or if Hout or Wout would be less than 1.
type MaxPool2d[T tensor.Float] struct {
	arena[T]
	forwardOnly
	Kernel, Stride, Padding [2]int
	Dilation                [2]int // spacing of the taps: 0 or 1 for adjacent taps
	CeilMode                bool   // PyTorch's ceil_mode: a last, partial window

	shape []int
	idx   []int32 // argmax of each output, an index into its H×W plane, or −1
	empty bool    // windows have no in-bounds position: their idx is −1
}

func (*MaxPool2d[T]) Name() string { return "MaxPool2d" }

func (op *MaxPool2d[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("MaxPool2d", in, 1)
	x := in[0]
	g := newPoolGeom("MaxPool2d", x.Shape(), op.Kernel, op.Stride, op.Padding, op.Dilation, op.CeilMode)
	op.shape = x.Shape()
	y := op.ar.NewUninit(poolOutShape(&g, op.shape)...)
	if op.forwardOnly.on && g.DH == 1 && g.DW == 1 {
		op.idx, op.empty = nil, false
		conv.MaxPoolValues(y.Data(), x.Data(), &g)
		return y
	}
	op.idx = op.ar.Indices(y.Size())
	op.empty = (g.DH != 1 || g.DW != 1) && g.EmptyWindow()
	conv.MaxPool(y.Data(), op.idx, x.Data(), &g)
	return y
}

func (op *MaxPool2d[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	op.check("MaxPool2d", "Backward")
	dx := op.ar.New(op.shape...)
	g := conv.PoolGeom{Planes: op.shape[0] * op.shape[1], H: op.shape[2], W: op.shape[3], HOut: dy.Dim(2), WOut: dy.Dim(3)}
	conv.MaxPoolBackward(dx.Data(), dy.Data(), op.idx, op.empty, &g)
	return []*tensor.Tensor[T]{dx}
}

func (*MaxPool2d[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Backward as an op: MaxPool2dBackward of dy with the
// argmax the forward kept, a constant.
func (op *MaxPool2d[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	op.check("MaxPool2d", "BackwardVar")
	ds := dy.Shape()
	return []*v[T]{autograd.Apply[T](&MaxPool2dBackward[T]{Indices: op.idx,
		Size: [2]int{op.shape[2], op.shape[3]}, OutSize: [2]int{ds[2], ds[3]}}, dy)}
}

// ExtraSavedBytes counts the argmax indices, 4 bytes per output.
func (op *MaxPool2d[T]) ExtraSavedBytes() int { return 4 * len(op.idx) }

// Indices returns the argmax of every output of the last Forward as
// PyTorch's max_pool2d with return_indices=True gives them: the position
// p·W + q of the maximum within its input plane of H×W, without padding,
// laid out as the output (N×C×Hout×Wout, row-major), and −1 for a window
// with no in-bounds position. The slice is new: it stays valid after the
// tape's Reset, which recycles what the op keeps. It is nil before Forward
// and after a forward-only one (ForwardOnly) that needed no argmax.
func (op *MaxPool2d[T]) Indices() []int64 {
	if op.idx == nil {
		return nil
	}
	out := make([]int64, len(op.idx))
	for i, at := range op.idx {
		out[i] = int64(at)
	}
	return out
}

// AvgPool2d is 2-d average pooling, as PyTorch's avg_pool2d. Kernel =
// (kH, kW), Stride = (sH, sW) and Padding = (pH, pW) give, for the H and the
// W axis, the window's size, its step and the zero padding added on both
// sides; a zero Stride is the kernel size, PyTorch's default. The output
// size, and CeilMode (PyTorch's ceil_mode), are MaxPool2d's with a dilation
// of 1. Each window is divided by
//
//	D(i,j) = DivisorOverride          if it is not 0 (divisor_override)
//	       = |window ∩ input|         with ExcludePad (count_include_pad=False)
//	       = |window ∩ padded input|  otherwise (PyTorch's default)
//
// where the padded input is [−pH, H + pH) × [−pW, W + pW): by default the
// divisor counts the padding, kH·kW for every window but a last one that
// ceil mode lets run past the padding, which counts only the positions up to
// its end. The zero values of CeilMode, ExcludePad and DivisorOverride are
// PyTorch's defaults (a divisor_override of 0 is an error in PyTorch).
//
//	y[n,c,i,j]  = (1/D(i,j)) Σ x[n,c,p,q] over the window of (i, j)   N×C×H×W → N×C×Hout×Wout
//	dx[n,c,p,q] = Σ dy[n,c,i,j]/D(i,j) over the windows
//	              that hold (p, q)                                    N×C×Hout×Wout → N×C×H×W
//
// where the window of (i, j) holds the in-bounds p ∈ [i·sH − pH, i·sH − pH + kH)
// and q ∈ [j·sW − pW, j·sW − pW + kW). It keeps only the input's shape and
// the settings it was run with.
//
// Its backward is differentiable: BackwardVar applies AvgPool2dBackward, the
// spreading above as an op, whose own adjoint is AvgPool2d.
//
// It panics unless the input is 4-d with H, W ≥ 1, if a kernel size is less
// than 1, if a stride or a padding is negative, if a padding is more than
// half its kernel size (PyTorch's rule), or if Hout or Wout would be less
// than 1.
type AvgPool2d[T tensor.Float] struct {
	arena[T]
	Kernel, Stride, Padding [2]int
	CeilMode                bool // PyTorch's ceil_mode: a last, partial window
	ExcludePad              bool // count_include_pad=False: divide by the in-bounds positions only
	DivisorOverride         int  // divisor_override: divide every window by it, if not 0

	shape []int
	geom  conv.PoolGeom
	div   int // the divisor of every window, or 0 if it depends on the window
}

func (*AvgPool2d[T]) Name() string { return "AvgPool2d" }

func (op *AvgPool2d[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("AvgPool2d", in, 1)
	x := in[0]
	g := newPoolGeom("AvgPool2d", x.Shape(), op.Kernel, op.Stride, op.Padding, [2]int{}, op.CeilMode)
	op.shape, op.geom = x.Shape(), g
	op.div = avgPoolDiv(&g, op.CeilMode, op.ExcludePad, op.DivisorOverride)
	y := op.ar.NewUninit(poolOutShape(&g, op.shape)...)
	avgPool(y.Data(), x.Data(), op.div, op.ExcludePad, &g)
	return y
}

// avgPoolDiv returns the divisor of every window of the average pooling g
// with the settings given, or 0 where it depends on the window.
func avgPoolDiv(g *conv.PoolGeom, ceil, exclude bool, override int) int {
	switch {
	case override != 0:
		return override
	case !ceil && !exclude:
		return g.KH * g.KW // no window runs past the padding
	}
	return 0
}

// avgPool writes into y the average pooling g of x: every window's sum
// divided by div, or by its own divisor (see conv.AvgDivisor) if div is 0.
// AvgPool2d's forward, and AvgPool2dBackward's backward.
func avgPool[T tensor.Float](y, x []T, div int, exclude bool, g *conv.PoolGeom) {
	if div != 0 {
		conv.AvgPool(y, x, T(div), g)
		return
	}
	// Where the divisor varies, the sums are divided by 1 (exactly), then
	// each by its own in a pass of its own: the loop over windows stays the
	// fixed divisor's, which the compiler keeps lean.
	conv.AvgPool(y, x, 1, g)
	conv.DivideByWindow(y, exclude, g)
}

func (op *AvgPool2d[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{avgPoolAdjoint(op.ar, dy, op.shape, op.div, op.ExcludePad, &op.geom)}
}

// avgPoolAdjoint returns the adjoint of the average pooling g applied to
// dy, into a new tensor of the pooled input's shape: AvgPool2d's backward,
// and AvgPool2dBackward's forward. div is as avgPool's.
func avgPoolAdjoint[T tensor.Float](ar *tensor.Arena[T], dy *tensor.Tensor[T], shape []int, div int, exclude bool, g *conv.PoolGeom) *tensor.Tensor[T] {
	dx := ar.New(shape...)
	if div != 0 {
		conv.AvgPoolBackward(dx.Data(), dy.Data(), T(div), g)
		return dx
	}
	// dy divided by each window's divisor, then spread with a divisor of 1
	// (exactly): the same numbers as dividing window by window.
	scaled := ar.NewUninit(dy.Shape()...)
	copy(scaled.Data(), dy.Data())
	conv.DivideByWindow(scaled.Data(), exclude, g)
	conv.AvgPoolBackward(dx.Data(), scaled.Data(), 1, g)
	return dx
}

func (*AvgPool2d[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Backward as an op: AvgPool2dBackward of dy with the same
// settings.
func (op *AvgPool2d[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&AvgPool2dBackward[T]{Kernel: op.Kernel, Stride: op.Stride, Padding: op.Padding,
		CeilMode: op.CeilMode, ExcludePad: op.ExcludePad, DivisorOverride: op.DivisorOverride,
		InputSize: [2]int{op.shape[2], op.shape[3]}}, dy)}
}
