package nn

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// MaxPool2d is PyTorch's nn.MaxPool2d (dilation 1, ceil_mode false): the
// maximum over each Kernel window, moving by Stride, with Padding that never
// wins.
type MaxPool2d[T tensor.Float] struct {
	stateless[T]
	Kernel, Stride, Padding [2]int
}

// NewMaxPool2d returns square max pooling, as nn.MaxPool2d(kernel, stride,
// padding).
func NewMaxPool2d[T tensor.Float](kernel, stride, padding int) *MaxPool2d[T] {
	return &MaxPool2d[T]{Kernel: [2]int{kernel, kernel}, Stride: [2]int{stride, stride}, Padding: [2]int{padding, padding}}
}

// Forward pools x.
func (p *MaxPool2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.MaxPool2d(x, p.Kernel, p.Stride, p.Padding)
}

// AvgPool2d is PyTorch's nn.AvgPool2d with its defaults (count_include_pad,
// ceil_mode false): the mean over each Kernel window, moving by Stride, the
// zero Padding counted in the divisor.
type AvgPool2d[T tensor.Float] struct {
	stateless[T]
	Kernel, Stride, Padding [2]int
}

// NewAvgPool2d returns square average pooling, as nn.AvgPool2d(kernel,
// stride, padding).
func NewAvgPool2d[T tensor.Float](kernel, stride, padding int) *AvgPool2d[T] {
	return &AvgPool2d[T]{Kernel: [2]int{kernel, kernel}, Stride: [2]int{stride, stride}, Padding: [2]int{padding, padding}}
}

// Forward pools x.
func (p *AvgPool2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.AvgPool2d(x, p.Kernel, p.Stride, p.Padding)
}
