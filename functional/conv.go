package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// Conv2dOptions are a convolution's settings, per spatial axis (H, W). The
// zero value is PyTorch's default: stride 1, no padding, dilation 1, one
// group.
type Conv2dOptions struct {
	Stride, Padding, Dilation [2]int
	Groups                    int
}

// Conv2d convolves the N×C×H×W input x with Cout×(C/Groups)×kh×kw weights w
// and adds the bias b of shape Cout (nil for none), as PyTorch's F.conv2d;
// see ops.Conv2d. Where nothing records the op (autograd.Records: recording
// off, PyTorch's torch.no_grad(), or no input requiring a gradient) the op
// runs forward-only, keeping nothing for a backward pass and giving its
// scratch back to the tape's arena, with the same values.
func Conv2d[T tensor.Float](x, w, b *autograd.Var[T], o Conv2dOptions) *autograd.Var[T] {
	op := &ops.Conv2d[T]{Stride: o.Stride, Padding: o.Padding, Dilation: o.Dilation, Groups: o.Groups}
	op.ForwardOnly(!autograd.Records(x, w, b))
	if b == nil {
		return autograd.Apply[T](op, x, w)
	}
	return autograd.Apply[T](op, x, w, b)
}

// ConvTranspose2dOptions are a transposed convolution's settings, per
// spatial axis (H, W), under PyTorch's names. The zero value is PyTorch's
// default: stride 1, no padding, no output padding, one group, dilation 1.
type ConvTranspose2dOptions struct {
	Stride, Padding, OutputPadding, Dilation [2]int
	Groups                                   int
}

// ConvTranspose2d is the transposed convolution of the N×Cin×H×W input x
// with Cin×(Cout/Groups)×kh×kw weights w (PyTorch's layout), adding the
// bias b of shape Cout (nil for none), as PyTorch's F.conv_transpose2d(x,
// w, b, stride, padding, output_padding, groups, dilation): the adjoint of
// Conv2d with respect to its input; see ops.ConvTranspose2d.
func ConvTranspose2d[T tensor.Float](x, w, b *autograd.Var[T], o ConvTranspose2dOptions) *autograd.Var[T] {
	op := &ops.ConvTranspose2d[T]{Stride: o.Stride, Padding: o.Padding, OutputPadding: o.OutputPadding,
		Dilation: o.Dilation, Groups: o.Groups}
	if b == nil {
		return autograd.Apply[T](op, x, w)
	}
	return autograd.Apply[T](op, x, w, b)
}

// Conv2dWeightGrad is the gradient of Conv2d with respect to weights of
// shape weightSize, Cout×(C/Groups)×kh×kw, given the N×C×H×W input x and
// the output gradient dy, as PyTorch's torch.nn.grad.conv2d_weight(x,
// weight_size, dy, stride, padding, dilation, groups); see
// ops.Conv2dWeightGrad. It is differentiable in x and dy.
func Conv2dWeightGrad[T tensor.Float](x *autograd.Var[T], weightSize [4]int, dy *autograd.Var[T], o Conv2dOptions) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Conv2dWeightGrad[T]{WeightSize: weightSize, Stride: o.Stride, Padding: o.Padding,
		Dilation: o.Dilation, Groups: o.Groups}, x, dy)
}

// GlobalAvgPool2d averages each channel of an N×C×H×W input over its H×W
// plane, giving N×C.
func GlobalAvgPool2d[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return Mean(x, 2, 3)
}
