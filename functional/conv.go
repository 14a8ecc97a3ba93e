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
// see ops.Conv2d.
func Conv2d[T tensor.Float](x, w, b *autograd.Var[T], o Conv2dOptions) *autograd.Var[T] {
	op := &ops.Conv2d[T]{Stride: o.Stride, Padding: o.Padding, Dilation: o.Dilation, Groups: o.Groups}
	if b == nil {
		return autograd.Apply[T](op, x, w)
	}
	return autograd.Apply[T](op, x, w, b)
}

// GlobalAvgPool2d averages each channel of an N×C×H×W input over its H×W
// plane, giving N×C.
func GlobalAvgPool2d[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return Mean(x, 2, 3)
}
