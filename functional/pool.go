package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// MaxPool2d takes the maximum of each kernel-sized window of the N×C×H×W
// input x, moving by stride, with padding that never wins, as PyTorch's
// F.max_pool2d; see ops.MaxPool2d. MaxPool2dWith takes the other options.
func MaxPool2d[T tensor.Float](x *autograd.Var[T], kernel, stride, padding [2]int) *autograd.Var[T] {
	return MaxPool2dWith(x, MaxPool2dOptions{Kernel: kernel, Stride: stride, Padding: padding})
}

// MaxPool2dOptions are the settings of F.max_pool2d per spatial axis (H, W),
// under PyTorch's names but return_indices (see MaxPool2dWithIndices).
// Kernel is required; the zero value of every other field is PyTorch's
// default: a zero Stride is the kernel size (stride=None), a zero Dilation
// is 1, no padding, and CeilMode false. PyTorch rejects a zero stride or
// dilation, so no setting is lost to these defaults.
type MaxPool2dOptions struct {
	Kernel, Stride, Padding, Dilation [2]int
	CeilMode                          bool
}

// maxPoolOp returns the op o describes.
func maxPoolOp[T tensor.Float](o MaxPool2dOptions) *ops.MaxPool2d[T] {
	return &ops.MaxPool2d[T]{Kernel: o.Kernel, Stride: o.Stride, Padding: o.Padding, Dilation: o.Dilation, CeilMode: o.CeilMode}
}

// MaxPool2dWith is max pooling with every option of PyTorch's F.max_pool2d
// but return_indices: dilation spaces the window's taps, ceil_mode adds a
// last, partial window; see ops.MaxPool2d for the output size and the
// rules of ties, NaN and windows of padding alone.
func MaxPool2dWith[T tensor.Float](x *autograd.Var[T], o MaxPool2dOptions) *autograd.Var[T] {
	op := maxPoolOp[T](o)
	op.ForwardOnly(!autograd.Records(x)) // then nothing records the op: no argmax
	return autograd.Apply[T](op, x)
}

// MaxPool2dWithIndices is MaxPool2dWith that also returns, as
// F.max_pool2d(…, return_indices=True) does, the argmax of every output: the
// flat position h·W + w of the maximum within its H×W input plane (padding
// excluded), laid out as the output, N×C×Hout×Wout in row-major order, and
// −1 for a window of padding alone. The indices are not differentiable.
// They are int64 as PyTorch's, in a slice of their own rather than a tensor
// (tapegrad's tensors hold floats): the op keeps its argmax as int32 in
// storage the tape recycles at Reset, and this copy outlives it. They are
// computed with recording off too.
func MaxPool2dWithIndices[T tensor.Float](x *autograd.Var[T], o MaxPool2dOptions) (*autograd.Var[T], []int64) {
	op := maxPoolOp[T](o)
	y := autograd.Apply[T](op, x)
	return y, op.Indices()
}

// AvgPool2d averages each kernel-sized window of x, counting the zero padding
// in the divisor, as PyTorch's F.avg_pool2d with its defaults; see
// ops.AvgPool2d. AvgPool2dWith takes the other options.
func AvgPool2d[T tensor.Float](x *autograd.Var[T], kernel, stride, padding [2]int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.AvgPool2d[T]{Kernel: kernel, Stride: stride, Padding: padding}, x)
}

// AvgPool2dOptions are the settings of F.avg_pool2d per spatial axis (H, W).
// Kernel is required; the zero value of every other field is PyTorch's
// default: a zero Stride is the kernel size (stride=None), no padding,
// CeilMode false, ExcludePad false (count_include_pad=True: the padding
// counts in the divisor) and DivisorOverride 0 (divisor_override=None;
// PyTorch rejects 0).
type AvgPool2dOptions struct {
	Kernel, Stride, Padding [2]int
	CeilMode                bool
	ExcludePad              bool // count_include_pad=False
	DivisorOverride         int  // divisor_override, if not 0
}

// AvgPool2dWith is average pooling with every option of PyTorch's
// F.avg_pool2d; see ops.AvgPool2d for the output size and the divisor of
// each window.
func AvgPool2dWith[T tensor.Float](x *autograd.Var[T], o AvgPool2dOptions) *autograd.Var[T] {
	return autograd.Apply[T](&ops.AvgPool2d[T]{Kernel: o.Kernel, Stride: o.Stride, Padding: o.Padding,
		CeilMode: o.CeilMode, ExcludePad: o.ExcludePad, DivisorOverride: o.DivisorOverride}, x)
}
