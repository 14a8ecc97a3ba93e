package conv

import (
	"math"

	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/tensor"
)

// PoolGeom is the geometry of a 2-d pooling over an N×C×H×W input: Planes =
// N·C planes of H×W inputs, each pooled into HOut×WOut outputs by a window
// of KH×KW taps, DH and DW apart, moved by (SH, SW) over the input padded
// by (PH, PW) on both sides. Its user fills it in (with PoolOutSize) and
// checks it: every value at least 1 but the paddings, which are at least 0
// and at most half their kernel size. The kernels trust it.
type PoolGeom struct {
	Planes, H, W int
	KH, KW       int
	SH, SW       int
	PH, PW       int
	DH, DW       int
	HOut, WOut   int
}

// PoolOutSize is the number of windows along an axis of n inputs, as
// PyTorch counts them: with the span e = d·(k − 1) + 1 of a dilated kernel,
//
//	floor mode: ⌊(n + 2·pad − e)/stride⌋ + 1
//	ceil mode:  ⌈(n + 2·pad − e)/stride⌉ + 1, less one if the last window
//	            would start in the right padding, at or past n
//
// with ⌊⌋ and ⌈⌉ taken towards ±∞, so that a kernel larger than the padded
// input gives a size below 1.
func PoolOutSize(n, k, stride, pad, dil int, ceil bool) int {
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

// rows returns the in-bounds input rows [lo, hi) of the windows of output
// row i, for a dilation of 1; cols does the same for output column j.
// Because the padding is at most half the kernel and the last window starts
// inside the input or its left padding, neither range is ever empty.
func (g *PoolGeom) rows(i int) (lo, hi int) {
	start := i*g.SH - g.PH
	return max(start, 0), min(start+g.KH, g.H)
}

func (g *PoolGeom) cols(j int) (lo, hi int) {
	start := j*g.SW - g.PW
	return max(start, 0), min(start+g.KW, g.W)
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

// EmptyWindow reports whether a window of a pooling has no in-bounds
// position, which only a dilation can make.
func (g *PoolGeom) EmptyWindow() bool {
	for i := range g.HOut {
		if lo, hi := windowTaps(i*g.SH-g.PH, g.KH, g.DH, g.H); lo >= hi {
			return true
		}
	}
	for j := range g.WOut {
		if lo, hi := windowTaps(j*g.SW-g.PW, g.KW, g.DW, g.W); lo >= hi {
			return true
		}
	}
	return false
}

// MaxPool writes into y (Planes×HOut×WOut) the maximum of each window of x
// (Planes×H×W) and into idx the index in its H×W plane of that maximum: the
// first maximum in row-major order, but the last NaN if there is one, and
// −1 with −∞ for a window with no in-bounds position. Planes are pooled in
// parallel.
func MaxPool[T tensor.Float](y []T, idx []int32, x []T, gp *PoolGeom) {
	g := *gp // a local copy, which the closure reads without going through gp
	inPlane, outPlane := g.H*g.W, g.HOut*g.WOut
	if g.DH != 1 || g.DW != 1 {
		byPlanes(g.Planes, inPlane, func(p int) {
			maxPoolDilated(&g, x[p*inPlane:(p+1)*inPlane],
				y[p*outPlane:(p+1)*outPlane], idx[p*outPlane:(p+1)*outPlane])
		})
		return
	}
	byPlanes(g.Planes, inPlane, func(p int) {
		xp := x[p*inPlane : (p+1)*inPlane]
		yp, ip := y[p*outPlane:(p+1)*outPlane], idx[p*outPlane:(p+1)*outPlane]
		for i := range g.HOut {
			r0, r1 := g.rows(i)
			for j := range g.WOut {
				c0, c1 := g.cols(j)
				at := -1
				if r1-r0 == 3 && c1-c0 == 3 {
					at = argmax3x3(xp, r0*g.W+c0, g.W)
				}
				if at < 0 {
					at = argmaxWindow(xp, g.W, r0, r1, 1, c0, c1, 1)
				}
				yp[i*g.WOut+j], ip[i*g.WOut+j] = xp[at], int32(at)
			}
		}
	})
}

// maxPoolDilated pools the plane xp into yp, with the argmax of each output
// in ip, for any dilation.
func maxPoolDilated[T tensor.Float](g *PoolGeom, xp, yp []T, ip []int32) {
	for i := range g.HOut {
		r0, r1 := windowTaps(i*g.SH-g.PH, g.KH, g.DH, g.H)
		for j := range g.WOut {
			c0, c1 := windowTaps(j*g.SW-g.PW, g.KW, g.DW, g.W)
			o := i*g.WOut + j
			if r0 >= r1 || c0 >= c1 {
				yp[o], ip[o] = T(math.Inf(-1)), -1
				continue
			}
			at := argmaxWindow(xp, g.W, r0, r1, g.DH, c0, c1, g.DW)
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

// MaxPoolBackward adds each value of dy (Planes×HOut×WOut) into dx
// (Planes×H×W) at the index idx gives it in its plane, skipping the indices
// of −1 if empty is set (see EmptyWindow). Planes are done in parallel,
// each by one goroutine in order.
func MaxPoolBackward[T tensor.Float](dx, dy []T, idx []int32, empty bool, g *PoolGeom) {
	inPlane, outPlane := g.H*g.W, g.HOut*g.WOut
	byPlanes(g.Planes, inPlane, func(p int) {
		dp := dx[p*inPlane : (p+1)*inPlane]
		if empty {
			for k := p * outPlane; k < (p+1)*outPlane; k++ {
				if at := idx[k]; at >= 0 {
					dp[at] += dy[k]
				}
			}
			return
		}
		for k := p * outPlane; k < (p+1)*outPlane; k++ {
			dp[idx[k]] += dy[k]
		}
	})
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

// AvgDivisor returns the divisor of the window of output (i, j) of an
// average pooling without a divisor override: the number of its positions
// inside the input if exclude is set, else its size within the padded
// input [−PH, H + PH) × [−PW, W + PW). The pooling must not be dilated.
func (g *PoolGeom) AvgDivisor(i, j int, exclude bool) int {
	if exclude {
		r0, r1 := g.rows(i)
		c0, c1 := g.cols(j)
		return (r1 - r0) * (c1 - c0)
	}
	return padSpan(i*g.SH-g.PH, g.KH, g.H, g.PH) * padSpan(j*g.SW-g.PW, g.KW, g.W, g.PW)
}

// DivideByWindow divides every value of y (Planes×HOut×WOut) by its
// window's divisor (see AvgDivisor). Planes are divided in parallel.
func DivideByWindow[T tensor.Float](y []T, exclude bool, g *PoolGeom) {
	outPlane := g.HOut * g.WOut
	byPlanes(g.Planes, outPlane, func(p int) {
		yp := y[p*outPlane : (p+1)*outPlane]
		for i := range g.HOut {
			for j := range g.WOut {
				yp[i*g.WOut+j] /= T(g.AvgDivisor(i, j, exclude))
			}
		}
	})
}

// AvgPool writes into y (Planes×HOut×WOut) the sum of each window of x
// (Planes×H×W) over its in-bounds positions, divided by div. The pooling
// must not be dilated. Planes are pooled in parallel.
func AvgPool[T tensor.Float](y, x []T, div T, gp *PoolGeom) {
	g := *gp // a local copy, which the closure reads without going through gp
	inPlane, outPlane := g.H*g.W, g.HOut*g.WOut
	byPlanes(g.Planes, inPlane, func(p int) {
		xp, yp := x[p*inPlane:(p+1)*inPlane], y[p*outPlane:(p+1)*outPlane]
		for i := range g.HOut {
			r0, r1 := g.rows(i)
			for j := range g.WOut {
				c0, c1 := g.cols(j)
				var sum T
				for r := r0; r < r1; r++ {
					for _, v := range xp[r*g.W+c0 : r*g.W+c1] {
						sum += v
					}
				}
				yp[i*g.WOut+j] = sum / div
			}
		}
	})
}

// AvgPoolBackward adds each value of dy (Planes×HOut×WOut), divided by div,
// into dx (Planes×H×W) at every in-bounds position of its window: the
// adjoint of AvgPool. Planes are done in parallel, each by one goroutine
// in order.
func AvgPoolBackward[T tensor.Float](dx, dy []T, div T, g *PoolGeom) {
	inPlane, outPlane := g.H*g.W, g.HOut*g.WOut
	byPlanes(g.Planes, inPlane, func(p int) {
		dp, gp := dx[p*inPlane:(p+1)*inPlane], dy[p*outPlane:(p+1)*outPlane]
		for i := range g.HOut {
			r0, r1 := g.rows(i)
			for j := range g.WOut {
				c0, c1 := g.cols(j)
				share := gp[i*g.WOut+j] / div
				for r := r0; r < r1; r++ {
					row := dp[r*g.W+c0 : r*g.W+c1]
					for k := range row {
						row[k] += share
					}
				}
			}
		}
	})
}

// MaxPoolGather writes into y (Planes×HOut×WOut) the value of x
// (Planes×H×W) at the index idx gives each output in its plane, and 0 for
// an index of −1: the adjoint of MaxPoolBackward. Planes are done in
// parallel.
func MaxPoolGather[T tensor.Float](y, x []T, idx []int32, g *PoolGeom) {
	inPlane, outPlane := g.H*g.W, g.HOut*g.WOut
	byPlanes(g.Planes, outPlane, func(p int) {
		xp := x[p*inPlane : (p+1)*inPlane]
		for k := p * outPlane; k < (p+1)*outPlane; k++ {
			if at := idx[k]; at >= 0 {
				y[k] = xp[at]
			} else {
				y[k] = 0
			}
		}
	})
}

// MaxPoolValues writes into y (Planes×HOut×WOut) the maximum of each window
// of x (Planes×H×W), as MaxPool, without the argmax: for a pass that no
// backward pass follows. The pooling must not be dilated. It takes the
// maximum in two passes per plane — along each input row for every output
// column, then down the rows of every output row — with the max builtin,
// which is branch-free; overlapping windows share the first pass. A window
// holding a NaN gives a NaN. Where the maximum is a zero of both signs the
// max builtin gives +0, where MaxPool gives the window's first zero, which
// may be −0: the only values in which the two differ. Planes are pooled in
// parallel.
func MaxPoolValues[T tensor.Float](y, x []T, gp *PoolGeom) {
	g := *gp // a local copy, which the closures read without going through gp
	inPlane, outPlane := g.H*g.W, g.HOut*g.WOut
	span := make([][2]int, g.WOut) // the in-bounds columns of each output column's windows
	for j := range span {
		span[j][0], span[j][1] = g.cols(j)
	}
	if inPlane <= smallPoolPlane {
		maxPoolSmall(y, x, &g, span)
		return
	}
	parallel.Chunks(g.Planes, max(parallel.Grain/max(inPlane, 1), 1), func(lo, hi int) {
		rowMax := make([]T, g.H*g.WOut) // the first pass's, one plane at a time
		for p := lo; p < hi; p++ {
			maxPoolRows(rowMax, x[p*inPlane:(p+1)*inPlane], span, g.W)
			maxPoolCols(y[p*outPlane:(p+1)*outPlane], rowMax, &g)
		}
	})
}

// maxPoolRows writes into rowMax (H×WOut) the maximum of every row of the
// plane xp, w values a row, over the columns [span[j][0], span[j][1]) of
// each output column j.
func maxPoolRows[T tensor.Float](rowMax, xp []T, span [][2]int, w int) {
	n := len(span)
	for r := range len(xp) / w {
		xr, mr := xp[r*w:(r+1)*w], rowMax[r*n:(r+1)*n]
		for j, cs := range span {
			c0, c1 := cs[0], cs[1]
			if c1-c0 == 3 {
				w := xr[c0 : c0+3]
				mr[j] = max(w[0], w[1], w[2])
				continue
			}
			m := xr[c0]
			for _, v := range xr[c0+1 : c1] {
				m = max(m, v)
			}
			mr[j] = m
		}
	}
}

// maxPoolCols writes into the output plane yp the maximum of rowMax (see
// maxPoolRows) over the in-bounds rows of each output row's window.
func maxPoolCols[T tensor.Float](yp, rowMax []T, g *PoolGeom) {
	n := g.WOut
	for i := range g.HOut {
		r0, r1 := g.rows(i)
		yr := yp[i*n : (i+1)*n]
		if r1-r0 == 3 {
			a, b, c := rowMax[r0*n:(r0+1)*n], rowMax[(r0+1)*n:(r0+2)*n], rowMax[(r0+2)*n:(r0+3)*n]
			a, b, c = a[:len(yr)], b[:len(yr)], c[:len(yr)]
			for j := range yr {
				yr[j] = max(a[j], b[j], c[j])
			}
			continue
		}
		copy(yr, rowMax[r0*n:(r0+1)*n])
		for r := r0 + 1; r < r1; r++ {
			for j, v := range rowMax[r*n : (r+1)*n] {
				yr[j] = max(yr[j], v)
			}
		}
	}
}

// smallPoolPlane is the input plane (H·W) up to which MaxPoolValues takes
// each window's maximum in one pass, maxPoolSmall: on planes of a few rows
// of a few values, the two passes cost more in loop overhead than they
// save.
const smallPoolPlane = 16

// maxPoolSmall is MaxPoolValues window by window: the max builtin over the
// window's in-bounds rows and columns (span: those of each output column),
// which gives the two passes' values, max being commutative and
// associative on them (a NaN wins, +0 beats −0). Planes are pooled in
// parallel.
func maxPoolSmall[T tensor.Float](y, x []T, g *PoolGeom, span [][2]int) {
	inPlane, outPlane := g.H*g.W, g.HOut*g.WOut
	rows := make([][2]int, g.HOut)
	for i := range rows {
		rows[i][0], rows[i][1] = g.rows(i)
	}
	w := g.W
	parallel.Chunks(g.Planes, max(parallel.Grain/max(inPlane, 1), 1), func(lo, hi int) {
		for p := lo; p < hi; p++ {
			maxPoolSmallPlane(y[p*outPlane:(p+1)*outPlane], x[p*inPlane:(p+1)*inPlane], w, rows, span)
		}
	})
}

// maxPoolSmallPlane is maxPoolSmall on one plane xp, w values a row, into
// yp, with the in-bounds rows and columns of the windows of each output row
// and column.
func maxPoolSmallPlane[T tensor.Float](yp, xp []T, w int, rows, span [][2]int) {
	k := 0
	for _, r := range rows {
		for _, c := range span {
			m := xp[r[0]*w+c[0]]
			for rr := r[0]; rr < r[1]; rr++ {
				for _, v := range xp[rr*w+c[0] : rr*w+c[1]] {
					m = max(m, v)
				}
			}
			yp[k] = m
			k++
		}
	}
}
