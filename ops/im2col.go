package ops

import (
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/tensor"
)

// convGeom is the geometry of a 2-d convolution over an N×C×H×W input.
type convGeom struct {
	n, c, h, w     int // input
	kh, kw         int // kernel
	sh, sw         int // stride
	ph, pw         int // zero padding
	dh, dw         int // dilation
	hout, wout     int // output plane
	cout, groups   int
	rows, cols, kg int // im2col matrix: rows = C·kh·kw, cols = N·hout·wout; kg rows per group
}

// plane returns the number of output positions per sample.
func (g *convGeom) plane() int { return g.hout * g.wout }

// validRange returns the output positions o ∈ [lo, hi) of an axis of out
// outputs whose input position o·stride − pad + offset falls inside [0, n).
func validRange(n, out, stride, pad, offset int) (lo, hi int) {
	// o·stride ≥ pad − offset  and  o·stride ≤ n − 1 + pad − offset
	lo = ceilDiv(pad-offset, stride)
	hi = floorDiv(n-1+pad-offset, stride) + 1
	return min(max(lo, 0), out), min(max(hi, 0), out)
}

func ceilDiv(a, b int) int { return -floorDiv(-a, b) }
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// taps holds, for every kernel row ky and column kx, the output rows and
// columns [lo, hi) whose input position falls inside the image rather than
// in the padding: computed once per call, not once per sample and channel.
type taps struct{ oy0, oy1, ox0, ox1 []int }

func tapRanges(g *convGeom) taps {
	t := taps{make([]int, g.kh), make([]int, g.kh), make([]int, g.kw), make([]int, g.kw)}
	for ky := range g.kh {
		t.oy0[ky], t.oy1[ky] = validRange(g.h, g.hout, g.sh, g.ph, ky*g.dh)
	}
	for kx := range g.kw {
		t.ox0[kx], t.ox1[kx] = validRange(g.w, g.wout, g.sw, g.pw, kx*g.dw)
	}
	return t
}

// im2col unfolds the input x into the rows×cols matrix whose column
// s·hout·wout + oy·wout + ox holds, in row (c·kh + ky)·kw + kx, the input
// value the kernel tap (ky, kx) of channel c sees at output position
// (oy, ox) of sample s — zero where that falls in the padding. The
// convolution is then the product W·cols. cols must hold rows×cols zeros;
// im2col returns it filled. Samples are unfolded in parallel.
func im2col[T tensor.Float](cols, x []T, g *convGeom) []T {
	t := tapRanges(g)
	parallel.For(g.n, func(lo, hi int) {
		for s := lo; s < hi; s++ {
			forEachTap(g, func(row, c, ky, kx int) {
				src := x[(s*g.c+c)*g.h*g.w:]
				dst := cols[row*g.cols+s*g.plane():]
				ox0, ox1 := t.ox0[kx], t.ox1[kx]
				if ox0 >= ox1 {
					return // cols starts zeroed
				}
				for oy := t.oy0[ky]; oy < t.oy1[ky]; oy++ {
					out := dst[oy*g.wout+ox0 : oy*g.wout+ox1]
					ix := (oy*g.sh-g.ph+ky*g.dh)*g.w + ox0*g.sw - g.pw + kx*g.dw
					if g.sw == 1 {
						copyShort(out, src[ix:ix+len(out)])
						continue
					}
					for o := range out {
						out[o] = src[ix]
						ix += g.sw
					}
				}
			})
		}
	})
	return cols
}

// col2im folds a rows×cols matrix laid out as im2col's back onto an input of
// g's shape, adding up the values that overlapping taps place on the same
// input position: the adjoint of im2col. x must hold N·C·H·W zeros. Samples
// are folded in parallel, each into its own part of x.
func col2im[T tensor.Float](x, cols []T, g *convGeom) {
	t := tapRanges(g)
	parallel.For(g.n, func(lo, hi int) {
		for s := lo; s < hi; s++ {
			forEachTap(g, func(row, c, ky, kx int) {
				dst := x[(s*g.c+c)*g.h*g.w:]
				src := cols[row*g.cols+s*g.plane():]
				ox0, ox1 := t.ox0[kx], t.ox1[kx]
				if ox0 >= ox1 {
					return
				}
				for oy := t.oy0[ky]; oy < t.oy1[ky]; oy++ {
					in := src[oy*g.wout+ox0 : oy*g.wout+ox1]
					ix := (oy*g.sh-g.ph+ky*g.dh)*g.w + ox0*g.sw - g.pw + kx*g.dw
					if g.sw == 1 {
						out := dst[ix : ix+len(in)]
						for o, v := range in {
							out[o] += v
						}
						continue
					}
					for _, v := range in {
						dst[ix] += v
						ix += g.sw
					}
				}
			})
		}
	})
}

// copyShort is copy for the short runs of deep layers (a 4×4 image has
// rows of 4): below 16 elements a loop beats the call to memmove.
func copyShort[T tensor.Float](dst, src []T) {
	if len(dst) >= 16 {
		copy(dst, src)
		return
	}
	src = src[:len(dst)]
	for i := range dst {
		dst[i] = src[i]
	}
}

// forEachTap calls f for every row of the im2col matrix with the channel and
// kernel tap it stands for.
func forEachTap(g *convGeom, f func(row, c, ky, kx int)) {
	row := 0
	for c := range g.c {
		for ky := range g.kh {
			for kx := range g.kw {
				f(row, c, ky, kx)
				row++
			}
		}
	}
}
