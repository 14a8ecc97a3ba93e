package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// AdaptiveAvgPool2d averages the N×C×H×W input x, or the unbatched C×H×W
// one, over outputSize = (Hout, Wout) bins, as PyTorch's
// F.adaptive_avg_pool2d; a zero size keeps the input's size on its axis
// (PyTorch's None). See ops.AdaptiveAvgPool2d for the bins.
func AdaptiveAvgPool2d[T tensor.Float](x *autograd.Var[T], outputSize [2]int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.AdaptiveAvgPool2d[T]{OutputSize: outputSize}, x)
}

// AdaptiveMaxPool2d takes the maximum of the N×C×H×W input x, or the
// unbatched C×H×W one, over outputSize = (Hout, Wout) bins, as PyTorch's
// F.adaptive_max_pool2d; a zero size keeps the input's size on its axis.
// See ops.AdaptiveMaxPool2d.
func AdaptiveMaxPool2d[T tensor.Float](x *autograd.Var[T], outputSize [2]int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.AdaptiveMaxPool2d[T]{OutputSize: outputSize}, x)
}

// AdaptiveMaxPool2dWithIndices is AdaptiveMaxPool2d that also returns, as
// F.adaptive_max_pool2d(…, return_indices=True) does, the argmax of every
// output: the flat position h·W + w of the maximum within its H×W input
// plane, laid out as the output (N×C×Hout×Wout or C×Hout×Wout,
// row-major). The indices are not differentiable, and are computed with
// recording off too.
func AdaptiveMaxPool2dWithIndices[T tensor.Float](x *autograd.Var[T], outputSize [2]int) (*autograd.Var[T], []int64) {
	op := &ops.AdaptiveMaxPool2d[T]{OutputSize: outputSize}
	y := autograd.Apply[T](op, x)
	return y, op.Indices()
}
