package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// MaxPool2d takes the maximum of each kernel-sized window of the N×C×H×W
// input x, moving by stride, with padding that never wins, as PyTorch's
// F.max_pool2d; see ops.MaxPool2d.
func MaxPool2d[T tensor.Float](x *autograd.Var[T], kernel, stride, padding [2]int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.MaxPool2d[T]{Kernel: kernel, Stride: stride, Padding: padding}, x)
}

// AvgPool2d averages each kernel-sized window of x, counting the zero padding
// in the divisor, as PyTorch's F.avg_pool2d with its defaults; see
// ops.AvgPool2d.
func AvgPool2d[T tensor.Float](x *autograd.Var[T], kernel, stride, padding [2]int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.AvgPool2d[T]{Kernel: kernel, Stride: stride, Padding: padding}, x)
}
