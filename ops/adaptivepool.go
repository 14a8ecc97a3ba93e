package ops

import (
	"fmt"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/conv"
	"github.com/tapegrad/tapegrad/tensor"
)

// adaptiveBin returns the bin [start, end) of the inputs that output i of
// out averages or maximizes over an axis of n inputs, PyTorch's bins:
//
//	start = ⌊i·n/out⌋,  end = ⌈(i+1)·n/out⌉
//
// Bins may overlap, and with out > n some inputs fall in several bins.
func adaptiveBin(i, n, out int) (start, end int) {
	return i * n / out, ((i+1)*n + out - 1) / out
}

// adaptiveGeom checks the input shape and the output size of the adaptive
// pooling op called name and returns its geometry (planes and sizes only).
// The input is C×H×W (unbatched) or N×C×H×W. A zero output size keeps the
// input's size on that axis (PyTorch's None).
func adaptiveGeom(name string, shape []int, outSize [2]int) conv.PoolGeom {
	r := len(shape)
	if r != 3 && r != 4 || shape[r-2] < 1 || shape[r-1] < 1 {
		panic(fmt.Sprintf(errAdaptiveRank, name, shape))
	}
	if outSize[0] < 0 || outSize[1] < 0 {
		panic(fmt.Sprintf(errAdaptiveSize, name, outSize, shape))
	}
	g := conv.PoolGeom{Planes: tensor.NumElems(shape[:r-2]), H: shape[r-2], W: shape[r-1], HOut: outSize[0], WOut: outSize[1]}
	if g.HOut == 0 {
		g.HOut = g.H
	}
	if g.WOut == 0 {
		g.WOut = g.W
	}
	return g
}

// withPlane returns shape with its last two sizes replaced by h and w: the
// shape of an adaptive pooling's output or input from the other's.
func withPlane(shape []int, h, w int) []int {
	r := len(shape)
	return append(slices.Clone(shape[:r-2]), h, w)
}

// AdaptiveAvgPool2d is 2-d adaptive average pooling, as PyTorch's
// adaptive_avg_pool2d: it averages an N×C×H×W input, or an unbatched
// C×H×W one (with the N axis left out below), over Hout×Wout bins,
// OutputSize = (Hout, Wout), which may be smaller or larger than H×W; a zero
// size keeps the input's size on its axis (PyTorch's None). Row i of the
// output covers the rows [⌊i·H/Hout⌋, ⌈(i+1)·H/Hout⌉) and column j the
// columns [⌊j·W/Wout⌋, ⌈(j+1)·W/Wout⌉), the bin B(i,j) of |B(i,j)| positions:
//
//	y[n,c,i,j]  = (1/|B(i,j)|) Σ x[n,c,p,q] over (p,q) ∈ B(i,j)      N×C×H×W → N×C×Hout×Wout
//	dx[n,c,p,q] = Σ dy[n,c,i,j]/|B(i,j)| over the bins holding (p,q) N×C×Hout×Wout → N×C×H×W
//
// It keeps only the input's shape. Its backward is differentiable:
// BackwardVar applies AdaptiveAvgPool2dBackward, the spreading above as an
// op, whose own adjoint is AdaptiveAvgPool2d.
//
// It panics unless the input is 3-d or 4-d with H, W ≥ 1, or if an output
// size is negative.
type AdaptiveAvgPool2d[T tensor.Float] struct {
	arena[T]
	OutputSize [2]int // Hout×Wout; 0 keeps the input's size (None)

	geom conv.PoolGeom
}

func (*AdaptiveAvgPool2d[T]) Name() string { return "AdaptiveAvgPool2d" }

func (op *AdaptiveAvgPool2d[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("AdaptiveAvgPool2d", in, 1)
	x := in[0]
	op.geom = adaptiveGeom("AdaptiveAvgPool2d", x.Shape(), op.OutputSize)
	g := &op.geom
	y := op.ar.NewUninit(withPlane(x.Shape(), g.HOut, g.WOut)...)
	adaptiveAvg(y.Data(), x.Data(), g)
	return y
}

// adaptiveAvg writes into y the adaptive average pooling g of x.
func adaptiveAvg[T tensor.Float](y, x []T, g *conv.PoolGeom) {
	inPlane, outPlane := g.H*g.W, g.HOut*g.WOut
	for pl := range g.Planes {
		xp, yp := x[pl*inPlane:(pl+1)*inPlane], y[pl*outPlane:(pl+1)*outPlane]
		for i := range g.HOut {
			h0, h1 := adaptiveBin(i, g.H, g.HOut)
			for j := range g.WOut {
				w0, w1 := adaptiveBin(j, g.W, g.WOut)
				var s T
				for p := h0; p < h1; p++ {
					for _, v := range xp[p*g.W+w0 : p*g.W+w1] {
						s += v
					}
				}
				yp[i*g.WOut+j] = s / T((h1-h0)*(w1-w0))
			}
		}
	}
}

// adaptiveAvgAdjoint adds into dx (zeroed) the adjoint of the adaptive
// average pooling g applied to dy.
func adaptiveAvgAdjoint[T tensor.Float](dx, dy []T, g *conv.PoolGeom) {
	inPlane, outPlane := g.H*g.W, g.HOut*g.WOut
	for pl := range g.Planes {
		dxp, dyp := dx[pl*inPlane:(pl+1)*inPlane], dy[pl*outPlane:(pl+1)*outPlane]
		for i := range g.HOut {
			h0, h1 := adaptiveBin(i, g.H, g.HOut)
			for j := range g.WOut {
				w0, w1 := adaptiveBin(j, g.W, g.WOut)
				d := dyp[i*g.WOut+j] / T((h1-h0)*(w1-w0))
				for p := h0; p < h1; p++ {
					row := dxp[p*g.W+w0 : p*g.W+w1]
					for q := range row {
						row[q] += d
					}
				}
			}
		}
	}
}

func (op *AdaptiveAvgPool2d[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.New(withPlane(dy.Shape(), op.geom.H, op.geom.W)...)
	adaptiveAvgAdjoint(dx.Data(), dy.Data(), &op.geom)
	return []*tensor.Tensor[T]{dx}
}

func (*AdaptiveAvgPool2d[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Backward as an op: AdaptiveAvgPool2dBackward of dy back to
// the input's plane.
func (op *AdaptiveAvgPool2d[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&AdaptiveAvgPool2dBackward[T]{InputSize: [2]int{op.geom.H, op.geom.W}}, dy)}
}

// AdaptiveAvgPool2dBackward is adaptive average pooling's input gradient as
// an op of its own, as PyTorch's adaptive_avg_pool2d_backward: it spreads
// every value of an N×C×Hout×Wout input, divided by the size of its bin,
// over the bin's positions of an N×C×H×W output, InputSize = (H, W), with
// AdaptiveAvgPool2d's bins from H×W to Hout×Wout:
//
//	y[n,c,p,q]  = Σ x[n,c,i,j]/|B(i,j)| over the bins holding (p,q)   N×C×Hout×Wout → N×C×H×W
//	dx[n,c,i,j] = (1/|B(i,j)|) Σ dy[n,c,p,q] over (p,q) ∈ B(i,j)      AdaptiveAvgPool2d
//
// It keeps nothing but its geometry.
//
// An unbatched C×Hout×Wout input gives C×H×W.
//
// It panics unless the input is 3-d or 4-d with Hout, Wout ≥ 1, or unless
// InputSize is at least 1×1.
type AdaptiveAvgPool2dBackward[T tensor.Float] struct {
	arena[T]
	InputSize [2]int

	geom conv.PoolGeom
}

func (*AdaptiveAvgPool2dBackward[T]) Name() string { return "AdaptiveAvgPool2dBackward" }

func (op *AdaptiveAvgPool2dBackward[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("AdaptiveAvgPool2dBackward", in, 1)
	x := in[0]
	s := x.Shape()
	if op.InputSize[0] < 1 || op.InputSize[1] < 1 {
		panic(fmt.Sprintf(errAdaptiveInSize, op.InputSize, s))
	}
	// The geometry of the pooling this op is the adjoint of.
	g := adaptiveGeom("AdaptiveAvgPool2dBackward", s, [2]int{})
	g.H, g.W, g.HOut, g.WOut = op.InputSize[0], op.InputSize[1], g.H, g.W
	op.geom = g
	y := op.ar.New(withPlane(s, g.H, g.W)...)
	adaptiveAvgAdjoint(y.Data(), x.Data(), &op.geom)
	return y
}

func (op *AdaptiveAvgPool2dBackward[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := &op.geom
	dx := op.ar.NewUninit(withPlane(dy.Shape(), g.HOut, g.WOut)...)
	adaptiveAvg(dx.Data(), dy.Data(), g)
	return []*tensor.Tensor[T]{dx}
}

func (*AdaptiveAvgPool2dBackward[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Backward as an op: AdaptiveAvgPool2d of dy to the input's
// plane.
func (op *AdaptiveAvgPool2dBackward[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&AdaptiveAvgPool2d[T]{OutputSize: [2]int{op.geom.HOut, op.geom.WOut}}, dy)}
}

// AdaptiveMaxPool2d is 2-d adaptive max pooling, as PyTorch's
// adaptive_max_pool2d: the maximum of an N×C×H×W input, or an unbatched
// C×H×W one (with the N axis left out below), over each of
// AdaptiveAvgPool2d's Hout×Wout bins, OutputSize = (Hout, Wout), a zero
// size keeping the input's size on its axis (PyTorch's None):
//
//	y[n,c,i,j]  = max x[n,c,p,q] over (p,q) ∈ B(i,j)             N×C×H×W → N×C×Hout×Wout
//	dx[n,c,p,q] = Σ dy[n,c,i,j] over the bins whose argmax
//	              is (p, q), 0 if there is none                  N×C×Hout×Wout → N×C×H×W
//
// A bin's argmax is its first maximum in row-major order, except that a NaN
// always replaces it (the last NaN wins) and makes the output NaN, as
// PyTorch's CPU kernel does. Where bins overlap, the gradients of those
// that pick the same position add up.
//
// It keeps the argmax of every output as an int32 index p·W + q into its
// H×W plane; Indices returns them as PyTorch's return_indices does. Its
// backward is differentiable: BackwardVar applies MaxPool2dBackward with
// the argmax as constants; the second derivative with respect to x is zero.
//
// It panics unless the input is 3-d or 4-d with H, W ≥ 1, or if an output
// size is negative.
type AdaptiveMaxPool2d[T tensor.Float] struct {
	arena[T]
	OutputSize [2]int // Hout×Wout; 0 keeps the input's size (None)

	geom conv.PoolGeom
	idx  []int32
}

func (*AdaptiveMaxPool2d[T]) Name() string { return "AdaptiveMaxPool2d" }

func (op *AdaptiveMaxPool2d[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("AdaptiveMaxPool2d", in, 1)
	x := in[0]
	op.geom = adaptiveGeom("AdaptiveMaxPool2d", x.Shape(), op.OutputSize)
	g := &op.geom
	y := op.ar.NewUninit(withPlane(x.Shape(), g.HOut, g.WOut)...)
	op.idx = op.ar.Indices(y.Size())
	xd, yd := x.Data(), y.Data()
	inPlane, outPlane := g.H*g.W, g.HOut*g.WOut
	for pl := range g.Planes {
		xp := xd[pl*inPlane : (pl+1)*inPlane]
		for i := range g.HOut {
			h0, h1 := adaptiveBin(i, g.H, g.HOut)
			for j := range g.WOut {
				w0, w1 := adaptiveBin(j, g.W, g.WOut)
				at := h0*g.W + w0
				m := xp[at]
				for p := h0; p < h1; p++ {
					for q := w0; q < w1; q++ {
						if u := xp[p*g.W+q]; u > m || math.IsNaN(float64(u)) {
							m, at = u, p*g.W+q
						}
					}
				}
				k := pl*outPlane + i*g.WOut + j
				yd[k], op.idx[k] = m, int32(at)
			}
		}
	}
	return y
}

func (op *AdaptiveMaxPool2d[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.New(withPlane(dy.Shape(), op.geom.H, op.geom.W)...)
	conv.MaxPoolBackward(dx.Data(), dy.Data(), op.idx, false, &op.geom)
	return []*tensor.Tensor[T]{dx}
}

func (*AdaptiveMaxPool2d[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Backward as an op: MaxPool2dBackward of dy with the argmax
// the forward kept, a constant; an unbatched dy is viewed as a batch of one.
func (op *AdaptiveMaxPool2d[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	g := &op.geom
	s := dy.Shape()
	if len(s) == 3 {
		dy = vReshape(dy, 1, s[0], s[1], s[2])
	}
	dx := autograd.Apply[T](&MaxPool2dBackward[T]{Indices: op.idx,
		Size: [2]int{g.H, g.W}, OutSize: [2]int{g.HOut, g.WOut}}, dy)
	if len(s) == 3 {
		dx = vReshape(dx, s[0], g.H, g.W)
	}
	return []*v[T]{dx}
}

// ExtraSavedBytes counts the argmax indices, 4 bytes per output.
func (op *AdaptiveMaxPool2d[T]) ExtraSavedBytes() int { return 4 * len(op.idx) }

// Indices returns the argmax of every output of the last Forward as
// PyTorch's adaptive_max_pool2d with return_indices=True gives them: the
// position p·W + q of the maximum within its H×W input plane, laid out as
// the output (N×C×Hout×Wout or C×Hout×Wout, row-major). The slice is new: it stays valid
// after the tape's Reset. It is nil before Forward.
func (op *AdaptiveMaxPool2d[T]) Indices() []int64 {
	if op.idx == nil {
		return nil
	}
	out := make([]int64, len(op.idx))
	for i, at := range op.idx {
		out[i] = int64(at)
	}
	return out
}
