package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/conv"
	"github.com/tapegrad/tapegrad/tensor"
)

// The backward maps of the pooling ops as ops of their own, so that their
// backward passes can be recorded and differentiated again: MaxPool2d's
// scatter and its adjoint, a gather at the same indices, and AvgPool2d's
// spreading, whose adjoint is AvgPool2d.

// MaxPool2dBackward is max pooling's input gradient as an op of its own, as
// PyTorch's max_pool2d_with_indices_backward: it adds every value of an
// N×C×Hout×Wout input into an N×C×H×W output of zeros, at the position in
// its plane that Indices gives it. Indices, laid out as the input
// (N×C×Hout×Wout, row-major), holds MaxPool2d's argmax as it keeps them:
// p·W + q within the H×W plane, or −1 for none. Size is H×W and OutSize
// Hout×Wout. With idx the index of an input element,
//
//	y[n,c,p]  = Σ x[n,c,k] over the k with idx[n,c,k] = p      N×C×Hout×Wout → N×C×H×W
//	dx[n,c,k] = dy[n,c,idx[n,c,k]], 0 where idx is −1          MaxPool2dGather
//
// The indices are settings, constants to differentiation; the op keeps
// nothing else. MaxPool2d's BackwardVar applies it with its own argmax.
//
// It panics unless the input is 4-d with an OutSize plane, Indices holds one
// index per input element, each −1 or inside the H×W plane, and Size and
// OutSize are at least 1×1.
type MaxPool2dBackward[T tensor.Float] struct {
	arena[T]
	Indices       []int32
	Size, OutSize [2]int

	geom  conv.PoolGeom
	empty bool // some index is −1
}

func (*MaxPool2dBackward[T]) Name() string { return "MaxPool2dBackward" }

func (op *MaxPool2dBackward[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("MaxPool2dBackward", in, 1)
	op.geom, op.empty = maxPoolIndexGeom("MaxPool2dBackward", in[0].Shape(), op.OutSize, op.Indices, op.Size, op.OutSize)
	g := &op.geom
	y := op.ar.New(in[0].Dim(0), in[0].Dim(1), g.H, g.W)
	conv.MaxPoolBackward(y.Data(), in[0].Data(), op.Indices, op.empty, g)
	return y
}

func (op *MaxPool2dBackward[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := &op.geom
	dx := op.ar.NewUninit(dy.Dim(0), dy.Dim(1), g.HOut, g.WOut)
	conv.MaxPoolGather(dx.Data(), dy.Data(), op.Indices, g)
	return []*tensor.Tensor[T]{dx}
}

func (*MaxPool2dBackward[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Backward as an op: MaxPool2dGather at the same indices.
func (op *MaxPool2dBackward[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&MaxPool2dGather[T]{Indices: op.Indices, Size: op.Size, OutSize: op.OutSize}, dy)}
}

// MaxPool2dGather picks from every H×W plane of an N×C×H×W input the values
// at the positions Indices gives, into an N×C×Hout×Wout output: max
// pooling with its argmax fixed, the adjoint of MaxPool2dBackward, whose
// fields it shares. With idx the index of an output element,
//
//	y[n,c,k]  = x[n,c,idx[n,c,k]], 0 where idx is −1            N×C×H×W → N×C×Hout×Wout
//	dx[n,c,p] = Σ dy[n,c,k] over the k with idx[n,c,k] = p      MaxPool2dBackward
//
// The indices are constants to differentiation; the op keeps nothing else.
//
// It panics unless the input is 4-d with a Size plane, Indices holds one
// index per output element, each −1 or inside the H×W plane, and Size and
// OutSize are at least 1×1.
type MaxPool2dGather[T tensor.Float] struct {
	arena[T]
	Indices       []int32
	Size, OutSize [2]int

	geom  conv.PoolGeom
	empty bool // some index is −1
}

func (*MaxPool2dGather[T]) Name() string { return "MaxPool2dGather" }

func (op *MaxPool2dGather[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("MaxPool2dGather", in, 1)
	op.geom, op.empty = maxPoolIndexGeom("MaxPool2dGather", in[0].Shape(), op.Size, op.Indices, op.Size, op.OutSize)
	g := &op.geom
	y := op.ar.NewUninit(in[0].Dim(0), in[0].Dim(1), g.HOut, g.WOut)
	conv.MaxPoolGather(y.Data(), in[0].Data(), op.Indices, g)
	return y
}

func (op *MaxPool2dGather[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := &op.geom
	dx := op.ar.New(dy.Dim(0), dy.Dim(1), g.H, g.W)
	conv.MaxPoolBackward(dx.Data(), dy.Data(), op.Indices, op.empty, g)
	return []*tensor.Tensor[T]{dx}
}

func (*MaxPool2dGather[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Backward as an op: MaxPool2dBackward at the same indices.
func (op *MaxPool2dGather[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&MaxPool2dBackward[T]{Indices: op.Indices, Size: op.Size, OutSize: op.OutSize}, dy)}
}

// maxPoolIndexGeom checks the input shape of the op called name, whose
// plane must be plane, against the indices idx of a max pooling from size
// to outSize planes, and returns the pooling's geometry (planes and sizes
// only) and whether an index is −1.
func maxPoolIndexGeom(name string, shape []int, plane [2]int, idx []int32, size, outSize [2]int) (conv.PoolGeom, bool) {
	bad := func(why string) {
		panic(fmt.Sprintf(errMaxPoolIdx, name, shape, len(idx), size, outSize, why))
	}
	switch {
	case size[0] < 1 || size[1] < 1 || outSize[0] < 1 || outSize[1] < 1:
		bad("sizes must be at least 1×1")
	case len(shape) != 4 || shape[2] != plane[0] || shape[3] != plane[1]:
		bad(fmt.Sprintf("the input must be N×C×%d×%d", plane[0], plane[1]))
	case len(idx) != shape[0]*shape[1]*outSize[0]*outSize[1]:
		bad("one index per pooled output needed")
	}
	n, empty := int32(size[0]*size[1]), false
	for k, at := range idx {
		if at < -1 || at >= n {
			bad(fmt.Sprintf("index %d is %d, outside the plane", k, at))
		}
		empty = empty || at == -1
	}
	return conv.PoolGeom{Planes: shape[0] * shape[1], H: size[0], W: size[1], HOut: outSize[0], WOut: outSize[1]}, empty
}

// AvgPool2dBackward is average pooling's input gradient as an op of its own,
// as PyTorch's avg_pool2d_backward: it spreads every value of an
// N×C×Hout×Wout input, divided by its window's divisor, over the window's
// in-bounds positions of an N×C×H×W output. Kernel, Stride, Padding,
// CeilMode, ExcludePad and DivisorOverride are AvgPool2d's, with its
// defaults; InputSize is H×W, the plane of AvgPool2d's input. With D(i,j)
// the divisor of window (i, j),
//
//	y[n,c,p,q]  = Σ x[n,c,i,j]/D(i,j) over the windows that hold (p, q)   N×C×Hout×Wout → N×C×H×W
//	dx[n,c,i,j] = (1/D(i,j)) Σ dy[n,c,p,q] over the window of (i, j)      AvgPool2d
//
// It is linear and keeps only the shapes and settings. AvgPool2d's
// BackwardVar applies it.
//
// It panics unless the input is 4-d, if AvgPool2d of its settings would
// panic for an input plane of InputSize, or if the input's plane is not
// that AvgPool2d's output plane.
type AvgPool2dBackward[T tensor.Float] struct {
	arena[T]
	Kernel, Stride, Padding [2]int
	CeilMode                bool
	ExcludePad              bool
	DivisorOverride         int
	InputSize               [2]int

	shape []int // the output's
	geom  conv.PoolGeom
	div   int // the divisor of every window, or 0 if it depends on the window
}

func (*AvgPool2dBackward[T]) Name() string { return "AvgPool2dBackward" }

func (op *AvgPool2dBackward[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("AvgPool2dBackward", in, 1)
	dy := in[0]
	ds := dy.Shape()
	if len(ds) != 4 {
		panic(fmt.Sprintf(errPoolRank, "AvgPool2dBackward", ds))
	}
	op.shape = []int{ds[0], ds[1], op.InputSize[0], op.InputSize[1]}
	g := newPoolGeom("AvgPool2dBackward", op.shape, op.Kernel, op.Stride, op.Padding, [2]int{}, op.CeilMode)
	if ds[2] != g.HOut || ds[3] != g.WOut {
		panic(fmt.Sprintf(errAvgPoolGrad, ds, op.InputSize, g.HOut, g.WOut))
	}
	op.geom = g
	op.div = avgPoolDiv(&g, op.CeilMode, op.ExcludePad, op.DivisorOverride)
	return avgPoolAdjoint(op.ar, dy, op.shape, op.div, op.ExcludePad, &op.geom)
}

func (op *AvgPool2dBackward[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := &op.geom
	dx := op.ar.NewUninit(op.shape[0], op.shape[1], g.HOut, g.WOut)
	avgPool(dx.Data(), dy.Data(), op.div, op.ExcludePad, g)
	return []*tensor.Tensor[T]{dx}
}

func (*AvgPool2dBackward[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Backward as an op: AvgPool2d of dy with the same settings.
func (op *AvgPool2dBackward[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&AvgPool2d[T]{Kernel: op.Kernel, Stride: op.Stride, Padding: op.Padding,
		CeilMode: op.CeilMode, ExcludePad: op.ExcludePad, DivisorOverride: op.DivisorOverride}, dy)}
}
