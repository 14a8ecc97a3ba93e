package ops

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/tensor"
)

// poolGeom is the geometry of a 2-d pooling over an N×C×H×W input: planes =
// N·C planes of h×w inputs, each pooled into hout×wout outputs by a window
// of kh×kw taps, dh and dw apart, moved by (sh, sw) over the input padded
// by (ph, pw) on both sides.
type poolGeom struct {
	planes, h, w int
	kh, kw       int
	sh, sw       int
	ph, pw       int
	dh, dw       int
	hout, wout   int
}

// poolOutSize is the number of windows along an axis of n inputs, as
// PyTorch counts them: with the span e = d·(k − 1) + 1 of a dilated kernel,
//
//	floor mode: ⌊(n + 2·pad − e)/stride⌋ + 1
//	ceil mode:  ⌈(n + 2·pad − e)/stride⌉ + 1, less one if the last window
//	            would start in the right padding, at or past n
//
// with ⌊⌋ and ⌈⌉ taken towards ±∞, so that a kernel larger than the padded
// input gives a size below 1.
func poolOutSize(n, k, stride, pad, dil int, ceil bool) int {
	a := n + 2*pad - dil*(k-1) - 1
	if !ceil {
		return floorDiv(a, stride) + 1
	}
	out := ceilDiv(a, stride) + 1
	if (out-1)*stride >= n+pad {
		out--
	}
	return out
}

// newPoolGeom checks the input shape and the settings of the pooling op
// called name and returns its geometry. A zero stride is the kernel size
// and a zero dilation is 1, PyTorch's defaults.
func newPoolGeom(name string, shape []int, kernel, stride, padding, dilation [2]int, ceil bool) poolGeom {
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
	g := poolGeom{
		planes: shape[0] * shape[1], h: shape[2], w: shape[3],
		kh: kernel[0], kw: kernel[1],
		sh: stride[0], sw: stride[1],
		ph: padding[0], pw: padding[1],
		dh: dilation[0], dw: dilation[1],
	}
	if g.sh == 0 {
		g.sh = g.kh
	}
	if g.sw == 0 {
		g.sw = g.kw
	}
	g.dh, g.dw = max(g.dh, 1), max(g.dw, 1)
	g.hout = poolOutSize(g.h, g.kh, g.sh, g.ph, g.dh, ceil)
	g.wout = poolOutSize(g.w, g.kw, g.sw, g.pw, g.dw, ceil)
	if g.hout < 1 || g.wout < 1 {
		panic(fmt.Sprintf(errPoolOutput, name, shape, kernel, [2]int{g.sh, g.sw}, padding,
			[2]int{g.dh, g.dw}, ceil, g.hout, g.wout))
	}
	return g
}

// outShape returns the output shape N×C×Hout×Wout for an input of shape s.
func (g *poolGeom) outShape(s []int) []int { return []int{s[0], s[1], g.hout, g.wout} }

// rows returns the in-bounds input rows [lo, hi) of the windows of output
// row i, for a dilation of 1; cols does the same for output column j.
// Because the padding is at most half the kernel and the last window starts
// inside the input or its left padding, neither range is ever empty.
func (g *poolGeom) rows(i int) (lo, hi int) {
	start := i*g.sh - g.ph
	return max(start, 0), min(start+g.kh, g.h)
}

func (g *poolGeom) cols(j int) (lo, hi int) {
	start := j*g.sw - g.pw
	return max(start, 0), min(start+g.kw, g.w)
}

// windowTaps returns the in-bounds taps of a dilated window along an axis of n
// inputs that starts at start and has k taps dil apart: they are lo,
// lo + dil, … up to but excluding hi, and there are none if lo ≥ hi, which
// happens when every tap falls in the padding.
func windowTaps(start, k, dil, n int) (lo, hi int) {
	lo = start
	if lo < 0 {
		lo += ceilDiv(-lo, dil) * dil
	}
	return lo, min(start+dil*(k-1)+1, n)
}

// padSpan returns how many positions of the axis the window starting at
// start covers within the padded input [−pad, n + pad): k, except for a
// last window that ceil mode lets run past the padding.
func padSpan(start, k, n, pad int) int { return min(start+k, n+pad) - start }

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
// return_indices does.
//
// It panics unless the input is 4-d with H, W ≥ 1, if a kernel size is less
// than 1, if a stride, a padding or a dilation is negative, if a padding is
// more than half its kernel size (PyTorch's rule, on the kernel size
// without dilation), or if Hout or Wout would be less than 1.
type MaxPool2d[T tensor.Float] struct {
	arena[T]
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
	y := op.ar.NewUninit(g.outShape(op.shape)...)
	op.idx = op.ar.Indices(y.Size())
	xd, yd := x.Data(), y.Data()
	inPlane, outPlane := g.h*g.w, g.hout*g.wout
	if g.dh != 1 || g.dw != 1 {
		op.empty = g.emptyWindow()
		byPlanes(g.planes, inPlane, func(p int) {
			maxPoolDilated(&g, xd[p*inPlane:(p+1)*inPlane],
				yd[p*outPlane:(p+1)*outPlane], op.idx[p*outPlane:(p+1)*outPlane])
		})
		return y
	}
	op.empty = false
	byPlanes(g.planes, inPlane, func(p int) {
		xp := xd[p*inPlane : (p+1)*inPlane]
		yp, ip := yd[p*outPlane:(p+1)*outPlane], op.idx[p*outPlane:(p+1)*outPlane]
		for i := range g.hout {
			r0, r1 := g.rows(i)
			for j := range g.wout {
				c0, c1 := g.cols(j)
				at := -1
				if r1-r0 == 3 && c1-c0 == 3 {
					at = argmax3x3(xp, r0*g.w+c0, g.w)
				}
				if at < 0 {
					at = argmaxWindow(xp, g.w, r0, r1, 1, c0, c1, 1)
				}
				yp[i*g.wout+j], ip[i*g.wout+j] = xp[at], int32(at)
			}
		}
	})
	return y
}

// emptyWindow reports whether a window of a dilated pooling has no
// in-bounds position.
func (g *poolGeom) emptyWindow() bool {
	for i := range g.hout {
		if lo, hi := windowTaps(i*g.sh-g.ph, g.kh, g.dh, g.h); lo >= hi {
			return true
		}
	}
	for j := range g.wout {
		if lo, hi := windowTaps(j*g.sw-g.pw, g.kw, g.dw, g.w); lo >= hi {
			return true
		}
	}
	return false
}

// maxPoolDilated pools the plane xp into yp, with the argmax of each output
// in ip, for any dilation.
func maxPoolDilated[T tensor.Float](g *poolGeom, xp, yp []T, ip []int32) {
	for i := range g.hout {
		r0, r1 := windowTaps(i*g.sh-g.ph, g.kh, g.dh, g.h)
		for j := range g.wout {
			c0, c1 := windowTaps(j*g.sw-g.pw, g.kw, g.dw, g.w)
			o := i*g.wout + j
			if r0 >= r1 || c0 >= c1 {
				yp[o], ip[o] = T(math.Inf(-1)), -1
				continue
			}
			at := argmaxWindow(xp, g.w, r0, r1, g.dh, c0, c1, g.dw)
			yp[o], ip[o] = xp[at], int32(at)
		}
	}
}

// argmaxWindow returns the index in the plane xp, w values a row, of the
// maximum of rows r0, r0 + dr, … below r1 and columns c0, c0 + dc, … below
// c1: the first maximum in row-major order, but the last NaN if there is
// one. The window must not be empty.
func argmaxWindow[T tensor.Float](xp []T, w, r0, r1, dr, c0, c1, dc int) int {
	best, at := T(math.Inf(-1)), r0*w+c0
	for r := r0; r < r1; r += dr {
		for k := r*w + c0; k < r*w+c1; k += dc {
			if v := xp[k]; v > best || v != v { // v != v: NaN wins
				best, at = v, k
			}
		}
	}
	return at
}

// argmax3x3 is argmaxWindow for the 3×3 window whose rows start at k0,
// k0+w and k0+2w, or −1 if the window holds a NaN. It is branch-free where
// argmaxWindow is not: the maximum first, with the max builtin, then the
// first index that holds it, by comparisons the compiler turns into
// conditional moves. It doubles the speed of the course's 3×3 pooling,
// whose windows find a new maximum at unpredictable steps. A window of −0
// and +0 gets the index of its first zero, whatever max picked.
func argmax3x3[T tensor.Float](xp []T, k0, w int) int {
	a, b, c := xp[k0:k0+3], xp[k0+w:k0+w+3], xp[k0+2*w:k0+2*w+3]
	best := max(a[0], a[1], a[2], b[0], b[1], b[2], c[0], c[1], c[2])
	if best != best {
		return -1
	}
	// From the last position to the first, so that the first one holding
	// the maximum is the last to set at.
	at := k0 + 2*w + 2
	if c[1] == best {
		at = k0 + 2*w + 1
	}
	if c[0] == best {
		at = k0 + 2*w
	}
	if b[2] == best {
		at = k0 + w + 2
	}
	if b[1] == best {
		at = k0 + w + 1
	}
	if b[0] == best {
		at = k0 + w
	}
	if a[2] == best {
		at = k0 + 2
	}
	if a[1] == best {
		at = k0 + 1
	}
	if a[0] == best {
		at = k0
	}
	return at
}

// byPlanes calls f for every plane index in [0, planes), splitting the
// planes among goroutines when they hold enough values for that to pay.
// Each plane's output is written by the goroutine that handles it.
func byPlanes(planes, size int, f func(p int)) {
	parallel.Chunks(planes, max(parallel.Grain/max(size, 1), 1), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			f(p)
		}
	})
}

func (op *MaxPool2d[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.New(op.shape...)
	inPlane := op.shape[2] * op.shape[3]
	outPlane := dy.Dim(2) * dy.Dim(3)
	d, g := dx.Data(), dy.Data()
	byPlanes(op.shape[0]*op.shape[1], inPlane, func(p int) {
		dp := d[p*inPlane : (p+1)*inPlane]
		if op.empty {
			for k := p * outPlane; k < (p+1)*outPlane; k++ {
				if at := op.idx[k]; at >= 0 {
					dp[at] += g[k]
				}
			}
			return
		}
		for k := p * outPlane; k < (p+1)*outPlane; k++ {
			dp[op.idx[k]] += g[k]
		}
	})
	return []*tensor.Tensor[T]{dx}
}

func (*MaxPool2d[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the argmax indices, 4 bytes per output.
func (op *MaxPool2d[T]) ExtraSavedBytes() int { return 4 * len(op.idx) }

// Indices returns the argmax of every output of the last Forward as
// PyTorch's max_pool2d with return_indices=True gives them: the position
// p·W + q of the maximum within its input plane of H×W, without padding,
// laid out as the output (N×C×Hout×Wout, row-major), and −1 for a window
// with no in-bounds position. The slice is new: it stays valid after the
// tape's Reset, which recycles what the op keeps. It is nil before Forward.
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
	geom  poolGeom
	div   int // the divisor of every window, or 0 if it depends on the window
}

func (*AvgPool2d[T]) Name() string { return "AvgPool2d" }

// avgDivisor returns D(i, j) for the window of output (i, j) when there is
// no divisor override: the number of its positions inside the input if
// exclude is set, else its size within the padded input.
func (g *poolGeom) avgDivisor(i, j int, exclude bool) int {
	if exclude {
		r0, r1 := g.rows(i)
		c0, c1 := g.cols(j)
		return (r1 - r0) * (c1 - c0)
	}
	return padSpan(i*g.sh-g.ph, g.kh, g.h, g.ph) * padSpan(j*g.sw-g.pw, g.kw, g.w, g.pw)
}

// divideByWindow divides every value of the plane yp, hout×wout, by its
// window's divisor D(i, j) (see avgDivisor).
func divideByWindow[T tensor.Float](g *poolGeom, yp []T, exclude bool) {
	for i := range g.hout {
		for j := range g.wout {
			yp[i*g.wout+j] /= T(g.avgDivisor(i, j, exclude))
		}
	}
}

func (op *AvgPool2d[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("AvgPool2d", in, 1)
	x := in[0]
	g := newPoolGeom("AvgPool2d", x.Shape(), op.Kernel, op.Stride, op.Padding, [2]int{}, op.CeilMode)
	op.shape, op.geom = x.Shape(), g
	switch {
	case op.DivisorOverride != 0:
		op.div = op.DivisorOverride
	case !op.CeilMode && !op.ExcludePad:
		op.div = g.kh * g.kw // no window runs past the padding
	default:
		op.div = 0
	}
	y := op.ar.NewUninit(g.outShape(op.shape)...)
	// Where the divisor varies, the sums are divided by 1 (exactly), then
	// each by its own in a pass of its own: the loop over windows stays the
	// fixed divisor's, which the compiler keeps lean.
	div, exclude := T(op.div), op.ExcludePad
	if op.div == 0 {
		div = 1
	}
	xd, yd := x.Data(), y.Data()
	inPlane, outPlane := g.h*g.w, g.hout*g.wout
	byPlanes(g.planes, inPlane, func(p int) {
		xp, yp := xd[p*inPlane:(p+1)*inPlane], yd[p*outPlane:(p+1)*outPlane]
		for i := range g.hout {
			r0, r1 := g.rows(i)
			for j := range g.wout {
				c0, c1 := g.cols(j)
				var sum T
				for r := r0; r < r1; r++ {
					for _, v := range xp[r*g.w+c0 : r*g.w+c1] {
						sum += v
					}
				}
				yp[i*g.wout+j] = sum / div
			}
		}
	})
	if op.div == 0 {
		byPlanes(g.planes, outPlane, func(p int) {
			divideByWindow(&g, yd[p*outPlane:(p+1)*outPlane], exclude)
		})
	}
	return y
}

func (op *AvgPool2d[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := &op.geom
	dx := op.ar.New(op.shape...)
	div, gd := T(op.div), dy.Data()
	inPlane, outPlane := g.h*g.w, g.hout*g.wout
	if op.div == 0 {
		// dy divided by each window's divisor, then spread with a divisor
		// of 1 (exactly): the same numbers as dividing window by window.
		scaled := op.ar.NewUninit(dy.Shape()...)
		sd := scaled.Data()
		copy(sd, gd)
		byPlanes(g.planes, outPlane, func(p int) {
			divideByWindow(g, sd[p*outPlane:(p+1)*outPlane], op.ExcludePad)
		})
		div, gd = 1, sd
	}
	dd := dx.Data()
	byPlanes(g.planes, inPlane, func(p int) {
		dp, gp := dd[p*inPlane:(p+1)*inPlane], gd[p*outPlane:(p+1)*outPlane]
		for i := range g.hout {
			r0, r1 := g.rows(i)
			for j := range g.wout {
				c0, c1 := g.cols(j)
				share := gp[i*g.wout+j] / div
				for r := r0; r < r1; r++ {
					row := dp[r*g.w+c0 : r*g.w+c1]
					for k := range row {
						row[k] += share
					}
				}
			}
		}
	})
	return []*tensor.Tensor[T]{dx}
}

func (*AvgPool2d[T]) Saved() []*tensor.Tensor[T] { return nil }
