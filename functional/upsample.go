package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// InterpMode is Interpolate's mode; see ops.InterpMode.
type InterpMode = ops.InterpMode

// The modes of Interpolate, PyTorch's "nearest" and "bilinear".
const (
	InterpNearest  = ops.InterpNearest
	InterpBilinear = ops.InterpBilinear
)

// InterpolateOptions are F.interpolate's arguments for a 4-d input, per
// spatial axis (H, W): exactly one of Size and ScaleFactor is given (not
// zero); Mode is nearest by default, as PyTorch's, and AlignCorners
// (align_corners) goes with bilinear only. recompute_scale_factor is
// PyTorch's default, None: the scale factor given sets the source
// positions.
type InterpolateOptions struct {
	Size         [2]int
	ScaleFactor  [2]float64
	Mode         InterpMode
	AlignCorners bool
}

// Interpolate resizes the H×W planes of the N×C×H×W input x, as PyTorch's
// F.interpolate(x, size, scale_factor, mode, align_corners) on a 4-d
// input; see ops.Interpolate.
func Interpolate[T tensor.Float](x *autograd.Var[T], o InterpolateOptions) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Interpolate[T]{Size: o.Size, ScaleFactor: o.ScaleFactor, Mode: o.Mode,
		AlignCorners: o.AlignCorners}, x)
}
