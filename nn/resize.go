package nn

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// AdaptiveAvgPool2d is PyTorch's nn.AdaptiveAvgPool2d: the mean of its
// N×C×H×W input, or unbatched C×H×W one, over OutputSize = (Hout, Wout)
// bins, a zero size keeping the input's size on its axis (PyTorch's None,
// as in nn.AdaptiveAvgPool2d((None, 7))); see ops.AdaptiveAvgPool2d. It has
// no parameters or buffers, as PyTorch's.
type AdaptiveAvgPool2d[T tensor.Float] struct {
	stateless[T]
	OutputSize [2]int
}

// NewAdaptiveAvgPool2d returns adaptive average pooling to h×w, as
// nn.AdaptiveAvgPool2d((h, w)); 0 is None.
func NewAdaptiveAvgPool2d[T tensor.Float](h, w int) *AdaptiveAvgPool2d[T] {
	return &AdaptiveAvgPool2d[T]{OutputSize: [2]int{h, w}}
}

// Forward pools x. It panics unless x is 3-d or 4-d with a non-empty
// plane.
func (p *AdaptiveAvgPool2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.AdaptiveAvgPool2d(x, p.OutputSize)
}

// AdaptiveMaxPool2d is PyTorch's nn.AdaptiveMaxPool2d: the maximum of its
// N×C×H×W input, or unbatched C×H×W one, over OutputSize = (Hout, Wout)
// bins, a zero size keeping the input's size on its axis (PyTorch's None);
// see ops.AdaptiveMaxPool2d. It has no parameters or buffers, as PyTorch's.
//
// With ReturnIndices, Forward also keeps the argmax of every output, as
// PyTorch's module returns them with return_indices=True, for Indices to
// return; such a module keeps state, so two goroutines must not call its
// Forward at once. ForwardWithIndices returns them without keeping them.
type AdaptiveMaxPool2d[T tensor.Float] struct {
	stateless[T]
	OutputSize    [2]int
	ReturnIndices bool

	indices []int64 // the last Forward's, with ReturnIndices
}

// NewAdaptiveMaxPool2d returns adaptive max pooling to h×w, as
// nn.AdaptiveMaxPool2d((h, w)); 0 is None.
func NewAdaptiveMaxPool2d[T tensor.Float](h, w int) *AdaptiveMaxPool2d[T] {
	return &AdaptiveMaxPool2d[T]{OutputSize: [2]int{h, w}}
}

// Forward pools x. With ReturnIndices it keeps the indices for Indices,
// laid out as the output. It panics unless x is 3-d or 4-d with a
// non-empty plane.
func (p *AdaptiveMaxPool2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if p.ReturnIndices {
		var y *autograd.Var[T]
		y, p.indices = functional.AdaptiveMaxPool2dWithIndices(x, p.OutputSize)
		return y
	}
	return functional.AdaptiveMaxPool2d(x, p.OutputSize)
}

// ForwardWithIndices pools x and returns the argmax of every output as
// functional.AdaptiveMaxPool2dWithIndices does; it keeps nothing.
func (p *AdaptiveMaxPool2d[T]) ForwardWithIndices(x *autograd.Var[T]) (*autograd.Var[T], []int64) {
	return functional.AdaptiveMaxPool2dWithIndices(x, p.OutputSize)
}

// Indices returns the indices of the last Forward made with ReturnIndices,
// or nil if there was none.
func (p *AdaptiveMaxPool2d[T]) Indices() []int64 { return p.indices }

// Upsample is PyTorch's nn.Upsample on 3-d and 4-d inputs: it resizes the
// H×W planes of its N×C×H×W input, or the rows of its N×C×L input (1-d
// interpolation, modes nearest and linear), to Size, or by ScaleFactor,
// with Mode (nearest by default), AlignCorners and RecomputeScaleFactor, as
// functional.Interpolate; a 3-d input takes the first entries of Size and
// ScaleFactor, the second being 0 or the same. As in PyTorch, a 3-d input
// is never an unbatched 2-d one. It has no parameters or buffers, as
// PyTorch's.
type Upsample[T tensor.Float] struct {
	stateless[T]
	functional.InterpolateOptions
}

// NewUpsample returns upsampling by the scale factor s on every axis with
// mode, as nn.Upsample(scale_factor=s, mode=mode): on both axes of a 4-d
// input, on the one of a 3-d input.
func NewUpsample[T tensor.Float](s float64, mode functional.InterpMode) *Upsample[T] {
	return &Upsample[T]{InterpolateOptions: functional.InterpolateOptions{ScaleFactor: [2]float64{s, s}, Mode: mode}}
}

// Forward resizes x. It panics unless x is 3-d or 4-d, and as
// functional.Interpolate does.
func (u *Upsample[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if s := x.Shape(); len(s) != 3 && len(s) != 4 {
		panic(fmt.Sprintf(errUnbatchedRank, "Upsample", s, "N×C×L (1-d) or N×C×H×W (2-d)"))
	}
	return functional.Interpolate(x, u.InterpolateOptions)
}
