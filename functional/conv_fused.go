package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// Conv2dBatchNormEval is Conv2d(x, w, b, o) followed by batch norm in
// evaluation mode with the running statistics, BatchNormFull(…, training
// false, …, eps), and then, if relu, ReLU: the convolution, batch norm and
// ReLU of a ConvNet layer at inference,
//
//	y = max((conv(x, w) + b − running_mean)·γ/√(running_var + eps) + β, 0)
//
// where nothing records the ops (autograd.Records is false: recording off
// on x's tape, PyTorch's torch.no_grad(), or no input requiring a gradient)
// it is one op, ops.Conv2d with a ConvEpilogue, which writes the output
// once instead of three times and gives the same bits as the three ops.
// Elsewhere it is the three ops, which gradients go through. weight (γ),
// bias (β) and b may be nil. It panics as Conv2d, BatchNormFull and ReLU
// do.
func Conv2dBatchNormEval[T tensor.Float](x, w, b *autograd.Var[T], o Conv2dOptions,
	runningMean, runningVar *tensor.Tensor[T], weight, bias *autograd.Var[T], eps T, relu bool) *autograd.Var[T] {
	if autograd.Records(x, w, b, weight, bias) || !fusable(w, runningMean, runningVar, weight, bias) {
		y := BatchNormFull(Conv2d(x, w, b, o), runningMean, runningVar, weight, bias, false, 0, eps)
		if relu {
			y = ReLU(y)
		}
		return y
	}
	scale, shift := batchNormEvalAffine(w.Shape()[0], runningMean, runningVar, weight, bias, eps)
	op := &ops.Conv2d[T]{Stride: o.Stride, Padding: o.Padding, Dilation: o.Dilation, Groups: o.Groups,
		Epilogue: &ops.ConvEpilogue[T]{Scale: scale.Value(), Shift: shift.Value(), ReLU: relu}}
	op.ForwardOnly(true) // nothing records it: Records is false
	if b == nil {
		return autograd.Apply[T](op, x, w)
	}
	return autograd.Apply[T](op, x, w, b)
}

// fusable reports whether the weights w are 4-d and the running statistics
// (both needed) and the affine parameters (where given) have one value per
// output channel, so that the fused op applies; where they do not, the
// three ops panic with their own messages.
func fusable[T tensor.Float](w *autograd.Var[T], runningMean, runningVar *tensor.Tensor[T], weight, bias *autograd.Var[T]) bool {
	ws := w.Shape()
	if len(ws) != 4 || runningMean == nil || runningVar == nil {
		return false
	}
	c := []int{ws[0]}
	ok := tensor.EqualShapes(runningMean.Shape(), c) && tensor.EqualShapes(runningVar.Shape(), c)
	if weight != nil {
		ok = ok && tensor.EqualShapes(weight.Shape(), c)
	}
	if bias != nil {
		ok = ok && tensor.EqualShapes(bias.Shape(), c)
	}
	return ok
}

// Conv2dBatchNormEvalPool is Conv2dBatchNormEval followed by max pooling,
// MaxPool2dWith(…, pool): a ConvNet layer's convolution, batch norm, ReLU
// and pooling at inference. Where nothing records the ops and the pooling
// is not dilated, it is one op, ops.Conv2d with a ConvEpilogue that pools
// (ops.ConvPool), which writes only the pooled output, pooling each plane
// of the activation while it is in cache, and gives the same bits as the
// ops one after the other. Elsewhere it is Conv2dBatchNormEval and then
// MaxPool2dWith. It panics as they do.
func Conv2dBatchNormEvalPool[T tensor.Float](x, w, b *autograd.Var[T], o Conv2dOptions,
	runningMean, runningVar *tensor.Tensor[T], weight, bias *autograd.Var[T], eps T, relu bool,
	pool MaxPool2dOptions) *autograd.Var[T] {
	if autograd.Records(x, w, b, weight, bias) || !fusable(w, runningMean, runningVar, weight, bias) ||
		pool.Dilation[0] > 1 || pool.Dilation[1] > 1 {
		y := Conv2dBatchNormEval(x, w, b, o, runningMean, runningVar, weight, bias, eps, relu)
		return MaxPool2dWith(y, pool)
	}
	scale, shift := batchNormEvalAffine(w.Shape()[0], runningMean, runningVar, weight, bias, eps)
	op := &ops.Conv2d[T]{Stride: o.Stride, Padding: o.Padding, Dilation: o.Dilation, Groups: o.Groups,
		Epilogue: &ops.ConvEpilogue[T]{Scale: scale.Value(), Shift: shift.Value(), ReLU: relu,
			Pool: &ops.ConvPool{Kernel: pool.Kernel, Stride: pool.Stride, Padding: pool.Padding, CeilMode: pool.CeilMode}}}
	op.ForwardOnly(true) // nothing records it: Records is false
	if b == nil {
		return autograd.Apply[T](op, x, w)
	}
	return autograd.Apply[T](op, x, w, b)
}
