package functional

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// InterpMode is Interpolate's mode; see ops.InterpMode.
type InterpMode = ops.InterpMode

// The modes of Interpolate, PyTorch's "nearest" (3-d and 4-d inputs),
// "bilinear" (4-d) and "linear" (3-d).
const (
	InterpNearest  = ops.InterpNearest
	InterpBilinear = ops.InterpBilinear
	InterpLinear   = ops.InterpLinear
)

// InterpolateOptions are F.interpolate's arguments, per spatial axis: (H,
// W) for a 4-d input, and for a 3-d input (N×C×L) the first entry alone,
// the second 0 or the same (PyTorch's one value for every axis). Exactly
// one of Size and ScaleFactor is given (not zero); Mode is nearest by
// default, as PyTorch's, and AlignCorners (align_corners) goes with
// bilinear and linear only.
//
// RecomputeScaleFactor is PyTorch's recompute_scale_factor=True: the
// output size ⌊in·scale⌋ is computed from ScaleFactor, and the source
// positions then come from that size (in/out), as if Size had been given.
// By default (PyTorch's None, and False) the scale factor given sets the
// source positions.
type InterpolateOptions struct {
	Size                 [2]int
	ScaleFactor          [2]float64
	Mode                 InterpMode
	AlignCorners         bool
	RecomputeScaleFactor bool
}

// Interpolate resizes the H×W planes of the N×C×H×W input x, or the rows
// of its N×C×L input (1-d interpolation, modes nearest and linear), as
// PyTorch's F.interpolate(x, size, scale_factor, mode, align_corners,
// recompute_scale_factor) on a 4-d or 3-d input; see ops.Interpolate.
//
// It panics as ops.Interpolate does, and if RecomputeScaleFactor is set
// without ScaleFactor.
func Interpolate[T tensor.Float](x *autograd.Var[T], o InterpolateOptions) *autograd.Var[T] {
	size, scale := o.Size, o.ScaleFactor
	if o.RecomputeScaleFactor {
		if size != [2]int{} || scale == [2]float64{} {
			panic(fmt.Sprintf(errInterpRecompute, x.Shape(), size, scale))
		}
		size, scale = recomputedSize(x.Shape(), scale)
	}
	return autograd.Apply[T](&ops.Interpolate[T]{Size: size, ScaleFactor: scale, Mode: o.Mode,
		AlignCorners: o.AlignCorners}, x)
}

// recomputedSize returns the output size ⌊in·scale⌋ that scale gives an
// input of shape s, as the size to interpolate to, with no scale factor.
// For a shape or scale factors that ops.Interpolate refuses, or an empty
// output, it returns no size and scale unchanged, for the op's panic.
func recomputedSize(s []int, scale [2]float64) ([2]int, [2]float64) {
	var size [2]int
	switch {
	case len(s) == 3 && (scale[1] == 0 || scale[1] == scale[0]):
		size[0] = int(math.Floor(float64(s[2]) * scale[0]))
	case len(s) == 4:
		size = [2]int{int(math.Floor(float64(s[2]) * scale[0])), int(math.Floor(float64(s[3]) * scale[1]))}
	default:
		return size, scale
	}
	if size[0] < 1 || len(s) == 4 && size[1] < 1 {
		return [2]int{}, scale
	}
	return size, [2]float64{}
}
