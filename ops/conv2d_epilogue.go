package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/internal/conv"
	"github.com/tapegrad/tapegrad/tensor"
)

// ConvEpilogue is what Conv2d applies to its output as it writes it, for
// inference: batch norm in evaluation mode as a per-channel affine map and
// a ReLU,
//
//	y[n,c,h,w] = max(conv(x, w)[n,c,h,w]·Scale[c] + Shift[c], 0)
//
// (the bias, if any, added to the convolution first), each step rounded as
// Conv2d, ChannelAffine and ReLU round it apart, so that the fused op gives
// their bits while writing the output once instead of three times — and,
// with a Pool, MaxPool2d's after that, writing only the pooled output. Scale
// and Shift are both nil (no affine map) or both of shape Cout; ReLU keeps
// NaNs and turns −0 into +0, as the ReLU op.
//
// An epilogue has no backward pass: Conv2d with one computes only a
// forward-only application, after ForwardOnly(true), which its caller
// calls where nothing records the op (autograd.Records), and panics
// otherwise. functional.Conv2dBatchNormEval does this.
type ConvEpilogue[T tensor.Float] struct {
	Scale, Shift *tensor.Tensor[T]
	ReLU         bool
	// Pool, if not nil, max-pools the output after the rest, as
	// MaxPool2d after ForwardOnly(true) does (see ConvPool).
	Pool *ConvPool
}

// ConvPool is the max pooling a ConvEpilogue may end with: MaxPool2d's
// Kernel, Stride, Padding and CeilMode, without dilation, applied to the
// output of the rest of the epilogue. Conv2d then writes only the pooled
// output, N×Cout×Hp×Wp of MaxPool2d's output size, with MaxPool2d's values
// after ForwardOnly(true) — where a window's maximum is a zero of both
// signs, +0 — and never the full activation, each plane of which is pooled
// while in cache. Conv2d panics on settings MaxPool2d refuses with
// MaxPool2d's message, which names the convolution's output shape as the
// input's, as the separate MaxPool2d would.
type ConvPool struct {
	Kernel, Stride, Padding [2]int
	CeilMode                bool
}

// epilogue checks op.Epilogue against the geometry g of the convolution
// and the forward-only flag and returns it as the kernels take it, nil for
// none.
func (op *Conv2d[T]) epilogue(g *conv.Geom) *conv.Epilogue[T] {
	e, cout := op.Epilogue, g.Cout
	if e == nil {
		return nil
	}
	if !op.forwardOnly.on {
		panic(errConvEpilogueRecorded)
	}
	if (e.Scale == nil) != (e.Shift == nil) {
		panic(fmt.Sprintf(errConvEpilogue, shapeOrNil(e.Scale), shapeOrNil(e.Shift), cout))
	}
	ce := &conv.Epilogue[T]{ReLU: e.ReLU}
	if e.Scale != nil {
		if !tensor.EqualShapes(e.Scale.Shape(), []int{cout}) || !tensor.EqualShapes(e.Shift.Shape(), []int{cout}) {
			panic(fmt.Sprintf(errConvEpilogue, e.Scale.Shape(), e.Shift.Shape(), cout))
		}
		ce.Scale, ce.Shift = e.Scale.Data(), e.Shift.Data()
	}
	if p := e.Pool; p != nil {
		pg := newPoolGeom("MaxPool2d", []int{g.N, g.Cout, g.HOut, g.WOut}, p.Kernel, p.Stride, p.Padding, [2]int{}, p.CeilMode)
		ce.Pool = &pg
	}
	return ce
}

// epiShape returns the shape of the output of the convolution of geometry
// g with the epilogue e (nil for none): N×Cout×HOut×WOut, or the pooled
// plane where e pools.
func epiShape[T tensor.Float](g *conv.Geom, e *conv.Epilogue[T]) []int {
	if e != nil && e.Pool != nil {
		return []int{g.N, g.Cout, e.Pool.HOut, e.Pool.WOut}
	}
	return []int{g.N, g.Cout, g.HOut, g.WOut}
}

// shapeOrNil returns t's shape, or nil for a nil t.
func shapeOrNil[T tensor.Float](t *tensor.Tensor[T]) []int {
	if t == nil {
		return nil
	}
	return t.Shape()
}

// Panic messages of Conv2d's epilogue.
const (
	errConvEpilogueRecorded = "ops: Conv2d: an Epilogue has no backward pass: apply the op where nothing records it, after ForwardOnly(true)"
	errConvEpilogue         = "ops: Conv2d: epilogue scale of shape %v and shift of shape %v: want both nil or both [%d]"
)
