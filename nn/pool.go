package nn

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// MaxPool2d is PyTorch's nn.MaxPool2d: the maximum over each Kernel window,
// moving by Stride, with Padding that never wins, taps Dilation apart, and
// with CeilMode a last, partial window (see ops.MaxPool2d). The zero value
// of every field but Kernel is PyTorch's default: a zero Stride is the
// kernel size, a zero Dilation is 1. It has no parameters or buffers, as
// PyTorch's, so its state_dict is empty. It takes N×C×H×W inputs, and
// unbatched C×H×W ones as PyTorch's does (as a batch of one, the output
// C×Hout×Wout then).
//
// With ReturnIndices, Forward also keeps the argmax of every output, as
// PyTorch's module returns them with return_indices=True, for Indices to
// return; such a module keeps state, so two goroutines must not call its
// Forward at once. ForwardWithIndices returns them without keeping them.
type MaxPool2d[T tensor.Float] struct {
	stateless[T]
	Kernel, Stride, Padding, Dilation [2]int
	CeilMode                          bool
	ReturnIndices                     bool

	indices []int64 // the last Forward's, with ReturnIndices
}

// NewMaxPool2d returns square max pooling, as nn.MaxPool2d(kernel, stride,
// padding); a stride of 0 is the kernel size.
func NewMaxPool2d[T tensor.Float](kernel, stride, padding int) *MaxPool2d[T] {
	return &MaxPool2d[T]{Kernel: [2]int{kernel, kernel}, Stride: [2]int{stride, stride}, Padding: [2]int{padding, padding}}
}

func (p *MaxPool2d[T]) options() functional.MaxPool2dOptions {
	return functional.MaxPool2dOptions{Kernel: p.Kernel, Stride: p.Stride, Padding: p.Padding,
		Dilation: p.Dilation, CeilMode: p.CeilMode}
}

// Forward pools x. With ReturnIndices it keeps the indices for Indices. It
// panics unless x is 3-d or 4-d, and as functional.MaxPool2dWith does.
func (p *MaxPool2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if p.ReturnIndices {
		var y *autograd.Var[T]
		y, p.indices = p.ForwardWithIndices(x)
		return y
	}
	return asBatch("MaxPool2d", unbatchedShapes, x, 4, func(x *autograd.Var[T]) *autograd.Var[T] {
		return functional.MaxPool2dWith(x, p.options())
	})
}

// ForwardWithIndices pools x and returns the argmax of every output as
// functional.MaxPool2dWithIndices does, whatever ReturnIndices says; it
// keeps nothing in the module. For an unbatched input the indices are laid
// out as its output, C×Hout×Wout.
func (p *MaxPool2d[T]) ForwardWithIndices(x *autograd.Var[T]) (*autograd.Var[T], []int64) {
	var idx []int64
	y := asBatch("MaxPool2d", unbatchedShapes, x, 4, func(x *autograd.Var[T]) *autograd.Var[T] {
		var y *autograd.Var[T]
		y, idx = functional.MaxPool2dWithIndices(x, p.options())
		return y
	})
	return y, idx
}

// Indices returns the indices of the last Forward made with ReturnIndices
// (see functional.MaxPool2dWithIndices), or nil if there was none.
func (p *MaxPool2d[T]) Indices() []int64 { return p.indices }

// AvgPool2d is PyTorch's nn.AvgPool2d: the mean over each Kernel window,
// moving by Stride, with zero Padding, and with CeilMode a last, partial
// window. Each window is divided by its size within the padded input
// (count_include_pad=True), by the number of its positions inside the
// input with ExcludePad (count_include_pad=False), or by DivisorOverride if
// it is not 0 (see ops.AvgPool2d). The zero value of every field but
// Kernel is PyTorch's default; a zero Stride is the kernel size. Its
// state_dict is empty, as PyTorch's. It takes N×C×H×W inputs, and
// unbatched C×H×W ones as PyTorch's does (as a batch of one, the output
// C×Hout×Wout then).
type AvgPool2d[T tensor.Float] struct {
	stateless[T]
	Kernel, Stride, Padding [2]int
	CeilMode                bool
	ExcludePad              bool // count_include_pad=False
	DivisorOverride         int  // divisor_override, if not 0
}

// NewAvgPool2d returns square average pooling, as nn.AvgPool2d(kernel,
// stride, padding); a stride of 0 is the kernel size.
func NewAvgPool2d[T tensor.Float](kernel, stride, padding int) *AvgPool2d[T] {
	return &AvgPool2d[T]{Kernel: [2]int{kernel, kernel}, Stride: [2]int{stride, stride}, Padding: [2]int{padding, padding}}
}

// Forward pools x. It panics unless x is 3-d or 4-d, and as
// functional.AvgPool2dWith does.
func (p *AvgPool2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	o := functional.AvgPool2dOptions{Kernel: p.Kernel, Stride: p.Stride, Padding: p.Padding,
		CeilMode: p.CeilMode, ExcludePad: p.ExcludePad, DivisorOverride: p.DivisorOverride}
	return asBatch("AvgPool2d", unbatchedShapes, x, 4, func(x *autograd.Var[T]) *autograd.Var[T] {
		return functional.AvgPool2dWith(x, o)
	})
}
