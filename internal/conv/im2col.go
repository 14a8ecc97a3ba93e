package conv

import (
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/tensor"
)

// taps holds, for every kernel row ky and column kx, the output rows and
// columns [lo, hi) whose input position falls inside the image rather than
// in the padding: computed once per call, not once per sample and channel.
type taps struct{ oy0, oy1, ox0, ox1 []int }

func tapRanges(g *Geom) taps {
	t := taps{make([]int, g.KH), make([]int, g.KH), make([]int, g.KW), make([]int, g.KW)}
	for ky := range g.KH {
		t.oy0[ky], t.oy1[ky] = validRange(g.H, g.HOut, g.SH, g.PH, ky*g.DH)
	}
	for kx := range g.KW {
		t.ox0[kx], t.ox1[kx] = validRange(g.W, g.WOut, g.SW, g.PW, kx*g.DW)
	}
	return t
}

// Im2col unfolds the input x into the rows×cols matrix whose column
// s·hout·wout + oy·wout + ox holds, in row (c·kh + ky)·kw + kx, the input
// value the kernel tap (ky, kx) of channel c sees at output position
// (oy, ox) of sample s — zero where that falls in the padding. The
// convolution is then the product W·cols. cols must hold rows×cols zeros;
// Im2col returns it filled. Samples are unfolded in parallel — or, for
// small output planes, channels (im2colByChannels).
func Im2col[T tensor.Float](cols, x []T, g *Geom) []T {
	t := tapRanges(g)
	if g.Plane() < smallPlane && g.C > 1 {
		im2colByChannels(cols, x, g, &t)
		return cols
	}
	parallel.For(g.N, func(lo, hi int) {
		for s := lo; s < hi; s++ {
			forEachTap(g, func(row, c, ky, kx int) {
				src := x[(s*g.C+c)*g.H*g.W:]
				dst := cols[row*g.Cols+s*g.Plane():]
				ox0, ox1 := t.ox0[kx], t.ox1[kx]
				if ox0 >= ox1 {
					return // cols starts zeroed
				}
				for oy := t.oy0[ky]; oy < t.oy1[ky]; oy++ {
					out := dst[oy*g.WOut+ox0 : oy*g.WOut+ox1]
					ix := (oy*g.SH-g.PH+ky*g.DH)*g.W + ox0*g.SW - g.PW + kx*g.DW
					if g.SW == 1 {
						copyShort(out, src[ix:ix+len(out)])
						continue
					}
					for o := range out {
						out[o] = src[ix]
						ix += g.SW
					}
				}
			})
		}
	})
	return cols
}

// smallPlane is the output plane (HOut·WOut) below which Im2col goes
// channel by channel: a sample's part of a row of cols is then under 64
// values, and going sample by sample wrote such short runs rows·cols apart,
// each cache line of cols filled by several samples long after it was
// first written.
const smallPlane = 64

// im2colByChannels is Im2col going through the rows of cols in order, a
// channel's kh·kw rows at a time, each row filled with every sample's part
// in turn: one sequential run per row. Channels are unfolded in parallel.
func im2colByChannels[T tensor.Float](cols, x []T, g *Geom, t *taps) {
	hw, l, k := g.H*g.W, g.Plane(), g.KH*g.KW
	parallel.Chunks(g.C, max(parallel.Grain/max(g.N*l*k, 1), 1), func(clo, chi int) {
		for c := clo; c < chi; c++ {
			for ky := range g.KH {
				oy0, oy1 := t.oy0[ky], t.oy1[ky]
				for kx := range g.KW {
					ox0, ox1 := t.ox0[kx], t.ox1[kx]
					if ox0 >= ox1 || oy0 >= oy1 {
						continue // cols starts zeroed
					}
					row := cols[((c*g.KH+ky)*g.KW+kx)*g.Cols:][:g.Cols]
					off := (oy0*g.SH-g.PH+ky*g.DH)*g.W + ox0*g.SW - g.PW + kx*g.DW
					for s := range g.N {
						src, dst := x[(s*g.C+c)*hw:(s*g.C+c+1)*hw], row[s*l:(s+1)*l]
						for oy := oy0; oy < oy1; oy++ {
							out := dst[oy*g.WOut+ox0 : oy*g.WOut+ox1]
							ix := off + (oy-oy0)*g.SH*g.W
							for o := range out {
								out[o] = src[ix]
								ix += g.SW
							}
						}
					}
				}
			}
		}
	})
}

// Col2im folds a rows×cols matrix laid out as Im2col's back onto an input of
// g's shape, adding up the values that overlapping taps place on the same
// input position: the adjoint of Im2col. x must hold N·C·H·W zeros. Samples
// are folded in parallel, each into its own part of x — or, for small
// output planes, channels (col2imByChannels), with the same sums in the
// same order.
func Col2im[T tensor.Float](x, cols []T, g *Geom) {
	t := tapRanges(g)
	if g.Plane() < smallPlane && g.C > 1 {
		col2imByChannels(x, cols, g, &t)
		return
	}
	col2imBySamples(x, cols, g, &t)
}

// col2imBySamples is Col2im sample by sample.
func col2imBySamples[T tensor.Float](x, cols []T, g *Geom, t *taps) {
	parallel.For(g.N, func(lo, hi int) {
		for s := lo; s < hi; s++ {
			forEachTap(g, func(row, c, ky, kx int) {
				dst := x[(s*g.C+c)*g.H*g.W:]
				src := cols[row*g.Cols+s*g.Plane():]
				ox0, ox1 := t.ox0[kx], t.ox1[kx]
				if ox0 >= ox1 {
					return
				}
				for oy := t.oy0[ky]; oy < t.oy1[ky]; oy++ {
					in := src[oy*g.WOut+ox0 : oy*g.WOut+ox1]
					ix := (oy*g.SH-g.PH+ky*g.DH)*g.W + ox0*g.SW - g.PW + kx*g.DW
					if g.SW == 1 {
						out := dst[ix : ix+len(in)]
						for o, v := range in {
							out[o] += v
						}
						continue
					}
					for _, v := range in {
						dst[ix] += v
						ix += g.SW
					}
				}
			})
		}
	})
}

// col2imByChannels is Col2im reading the rows of cols in order, as
// im2colByChannels writes them. Each input position still adds the taps of
// its channel in Col2im's order, (ky, kx) row-major, so the sums are
// Col2im's bit for bit. Channels are folded in parallel.
func col2imByChannels[T tensor.Float](x, cols []T, g *Geom, t *taps) {
	hw, l, k := g.H*g.W, g.Plane(), g.KH*g.KW
	parallel.Chunks(g.C, max(parallel.Grain/max(g.N*l*k, 1), 1), func(clo, chi int) {
		for c := clo; c < chi; c++ {
			for ky := range g.KH {
				oy0, oy1 := t.oy0[ky], t.oy1[ky]
				for kx := range g.KW {
					ox0, ox1 := t.ox0[kx], t.ox1[kx]
					if ox0 >= ox1 || oy0 >= oy1 {
						continue
					}
					row := cols[((c*g.KH+ky)*g.KW+kx)*g.Cols:][:g.Cols]
					off := (oy0*g.SH-g.PH+ky*g.DH)*g.W + ox0*g.SW - g.PW + kx*g.DW
					for s := range g.N {
						dst, src := x[(s*g.C+c)*hw:(s*g.C+c+1)*hw], row[s*l:(s+1)*l]
						for oy := oy0; oy < oy1; oy++ {
							in := src[oy*g.WOut+ox0 : oy*g.WOut+ox1]
							ix := off + (oy-oy0)*g.SH*g.W
							for _, v := range in {
								dst[ix] += v
								ix += g.SW
							}
						}
					}
				}
			}
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
func forEachTap(g *Geom, f func(row, c, ky, kx int)) {
	row := 0
	for c := range g.C {
		for ky := range g.KH {
			for kx := range g.KW {
				f(row, c, ky, kx)
				row++
			}
		}
	}
}

// Product writes Yg = Wg·colsg for every group g into yp, Cout×(N·HOut·WOut),
// where Wg is group g's Cout/Groups rows of the weights w, each of KG
// values, and colsg its KG rows of the im2col matrix cols: one GEMM per
// group.
func Product[T tensor.Float](yp, w, cols []T, g *Geom) {
	cg := g.Cout / g.Groups
	for gi := range g.Groups {
		tensor.Gemm(false, false, cg, g.Cols, g.KG,
			1, w[gi*cg*g.KG:], g.KG,
			cols[gi*g.KG*g.Cols:], g.Cols,
			0, yp[gi*cg*g.Cols:], g.Cols)
	}
}

// WeightGrad writes dWg = dYg·colsgᵀ for every group g into dw, laid out as
// the weights, from dyp (Cout×(N·HOut·WOut), as Product's yp) and the
// im2col matrix cols.
func WeightGrad[T tensor.Float](dw, dyp, cols []T, g *Geom) {
	cg := g.Cout / g.Groups
	for gi := range g.Groups {
		tensor.Gemm(false, true, cg, g.KG, g.Cols,
			1, dyp[gi*cg*g.Cols:], g.Cols,
			cols[gi*g.KG*g.Cols:], g.Cols,
			0, dw[gi*cg*g.KG:], g.KG)
	}
}

// ColsGrad writes dcolsg = Wgᵀ·dYg for every group g into dcols, laid out
// as the im2col matrix, from the weights w and dyp (as WeightGrad's).
func ColsGrad[T tensor.Float](dcols, w, dyp []T, g *Geom) {
	cg := g.Cout / g.Groups
	for gi := range g.Groups {
		tensor.Gemm(true, false, g.KG, g.Cols, cg,
			1, w[gi*cg*g.KG:], g.KG,
			dyp[gi*cg*g.Cols:], g.Cols,
			0, dcols[gi*g.KG*g.Cols:], g.Cols)
	}
}

// ToNCHW reorders yp, Cout×N×(HOut·WOut) as Product writes it, into y,
// N×Cout×HOut×WOut, adding the bias b unless it is nil. Samples are
// reordered in parallel.
func ToNCHW[T tensor.Float](y, yp, b []T, gp *Geom) {
	ToNCHWEpilogue(y, yp, b, nil, gp)
}

// ToNCHWEpilogue is ToNCHW followed by the epilogue e (nil for none) on
// each output plane as soon as it is written, which pools it into y where
// e pools.
func ToNCHWEpilogue[T tensor.Float](y, yp, b []T, e *Epilogue[T], gp *Geom) {
	g := *gp // a local copy, which the closure reads without going through gp
	l := g.Plane()
	po := e.outPlane(l)
	parallel.Chunks(g.N, max(parallel.Grain/(g.Cout*l), 1), func(lo, hi int) {
		pp := e.pooler()
		var full []T // a plane before pooling
		if pp != nil {
			full = make([]T, l)
		}
		for s := lo; s < hi; s++ {
			for co := range g.Cout {
				yo := y[(s*g.Cout+co)*po : (s*g.Cout+co+1)*po]
				dst := yo
				if full != nil {
					dst = full
				}
				copy(dst, yp[co*g.Cols+s*l:])
				e.finish(dst, co, b)
				if pp != nil {
					pp.pool(yo, dst)
				}
			}
		}
	})
}

// FromNCHW reorders dy, N×Cout×HOut×WOut, into dyp, Cout×N×(HOut·WOut):
// the adjoint of ToNCHW without the bias. Samples are reordered in
// parallel.
func FromNCHW[T tensor.Float](dyp, dy []T, gp *Geom) {
	g := *gp // a local copy, which the closure reads without going through gp
	l := g.Plane()
	parallel.Chunks(g.N, max(parallel.Grain/(g.Cout*l), 1), func(lo, hi int) {
		for s := lo; s < hi; s++ {
			for co := range g.Cout {
				copy(dyp[co*g.Cols+s*l:co*g.Cols+(s+1)*l], dy[(s*g.Cout+co)*l:])
			}
		}
	})
}

// BiasGrad writes into db, of length Cout, the sum of dy (N×Cout×HOut×WOut)
// over every axis but Cout. Output channels are summed in parallel.
func BiasGrad[T tensor.Float](db, dy []T, g *Geom) {
	l := g.Plane()
	parallel.Chunks(g.Cout, max(parallel.Grain/g.Cols, 1), func(lo, hi int) {
		for co := lo; co < hi; co++ {
			var sum T
			for s := range g.N {
				sum += tensor.SumSlice(dy[(s*g.Cout+co)*l : (s*g.Cout+co+1)*l])
			}
			db[co] = sum
		}
	})
}

// AddBias adds b[c] to every value of channel c of y, N×len(b)×plane.
// Samples are done in parallel.
func AddBias[T tensor.Float](y, b []T, n, plane int) {
	c := len(b)
	parallel.Chunks(n, max(parallel.Grain/max(c*plane, 1), 1), func(lo, hi int) {
		for s := lo; s < hi; s++ {
			for ch, v := range b {
				row := y[(s*c+ch)*plane : (s*c+ch+1)*plane]
				for i := range row {
					row[i] += v
				}
			}
		}
	})
}
