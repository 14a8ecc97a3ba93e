package ops

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// InterpMode is the interpolation of Interpolate, PyTorch's mode argument.
type InterpMode int

const (
	// InterpNearest takes the nearest input position at or before the
	// output's (PyTorch's "nearest"), on 3-d and 4-d inputs.
	InterpNearest InterpMode = iota
	// InterpBilinear weighs the four input positions around the output's
	// (PyTorch's "bilinear"), on 4-d inputs.
	InterpBilinear
	// InterpLinear weighs the two input positions around the output's
	// (PyTorch's "linear"), on 3-d inputs.
	InterpLinear
)

// String returns PyTorch's name of the mode.
func (m InterpMode) String() string {
	switch m {
	case InterpNearest:
		return "nearest"
	case InterpBilinear:
		return "bilinear"
	case InterpLinear:
		return "linear"
	}
	return fmt.Sprintf("InterpMode(%d)", int(m))
}

// interpAxis is where the outputs along one axis take their inputs from:
// output o is w0[o]·x[i0[o]] + w1[o]·x[i1[o]]; nearest takes x[i0[o]]
// alone (w0 = 1, w1 = 0).
type interpAxis struct {
	i0, i1 []int
	w0, w1 []float64
}

// interpOutSize returns the output size along an axis of n inputs: size if
// it is not 0, else ⌊n·scale⌋, as F.interpolate computes it.
func interpOutSize(n, size int, scale float64) int {
	if size != 0 {
		return size
	}
	return int(math.Floor(float64(n) * scale))
}

// newInterpAxis returns the taps of mode from n inputs to out outputs, as
// PyTorch 1.13's CPU kernels compute them; scale is the scale factor the
// user gave (0 if the size was given instead). T is the precision PyTorch
// computes the linear and bilinear source positions in; nearest positions
// are computed in float32 in both, as PyTorch does.
func newInterpAxis[T tensor.Float](mode InterpMode, align bool, n, out int, scale float64) interpAxis {
	a := interpAxis{i0: make([]int, out), i1: make([]int, out), w0: make([]float64, out), w1: make([]float64, out)}
	if mode == InterpNearest {
		var s float32
		if scale > 0 {
			s = float32(1 / scale)
		} else {
			s = float32(n) / float32(out)
		}
		for o := range out {
			var src int
			switch {
			case out == n:
				src = o
			case out == 2*n:
				src = o >> 1
			default:
				src = min(int(math.Floor(float64(float32(o)*s))), n-1)
			}
			a.i0[o], a.i1[o], a.w0[o] = src, src, 1
		}
		return a
	}
	var s T
	switch {
	case align && out > 1:
		s = T(n-1) / T(out-1)
	case align:
		s = 0
	case scale > 0:
		s = T(1 / scale)
	default:
		s = T(n) / T(out)
	}
	for o := range out {
		var src T
		if align {
			src = s * T(o)
		} else {
			src = max(s*(T(o)+0.5)-0.5, 0)
		}
		i := int(src)
		step := 0
		if i < n-1 {
			step = 1
		}
		l1 := min(max(src-T(i), 0), 1)
		a.i0[o], a.i1[o], a.w0[o], a.w1[o] = i, i+step, float64(1-l1), float64(l1)
	}
	return a
}

// interpGeom checks the settings of the op called name for an input of
// shape (Interpolate's input, or InterpolateBackward's output with the
// plane in given apart) and returns the taps along H and W from planes of
// in = (H, W). A 3-d shape is 1-d interpolation along its last axis: its
// settings and in are in the first entries (the second entries of size and
// scale must be 0 or repeat the first), aw holds the taps along L and ah is
// nil.
func interpGeom[T tensor.Float](name string, shape []int, in, size [2]int, scale [2]float64, mode InterpMode, align bool) (ah *interpAxis, aw interpAxis) {
	bad := func(why string) {
		panic(fmt.Sprintf(errInterp, name, shape, size, scale, mode, align, why))
	}
	oneD := len(shape) == 3
	switch {
	case len(shape) != 3 && len(shape) != 4:
		bad("the input must be 3-d (N×C×L) or 4-d (N×C×H×W)")
	case mode != InterpNearest && mode != InterpBilinear && mode != InterpLinear:
		bad("unknown mode")
	case mode == InterpBilinear && oneD:
		bad("mode bilinear needs a 4-d input (linear is for 3-d)")
	case mode == InterpLinear && !oneD:
		bad("mode linear needs a 3-d input (bilinear is for 4-d)")
	case mode == InterpNearest && align:
		bad("align_corners needs mode bilinear or linear")
	case oneD && (size[1] != 0 && size[1] != size[0] || scale[1] != 0 && scale[1] != scale[0]):
		bad("a 3-d input takes one size or scale factor: the second entry must be 0 or the first's")
	case (size == [2]int{}) == (scale == [2]float64{}):
		bad("exactly one of size and scale_factor must be given")
	}
	if oneD {
		if in[0] < 1 {
			bad("the input must have L ≥ 1")
		}
		out := interpOutSize(in[0], size[0], scale[0])
		if out < 1 || size[0] < 0 || scale[0] < 0 {
			bad(fmt.Sprintf("the output would have L = %d", out))
		}
		return nil, newInterpAxis[T](mode, align, in[0], out, scale[0])
	}
	if in[0] < 1 || in[1] < 1 {
		bad("the input plane must be at least 1×1")
	}
	hOut, wOut := interpOutSize(in[0], size[0], scale[0]), interpOutSize(in[1], size[1], scale[1])
	if hOut < 1 || wOut < 1 || size[0] < 0 || size[1] < 0 || scale[0] < 0 || scale[1] < 0 {
		bad(fmt.Sprintf("the output would be %d×%d", hOut, wOut))
	}
	h := newInterpAxis[T](mode, align, in[0], hOut, scale[0])
	return &h, newInterpAxis[T](mode, align, in[1], wOut, scale[1])
}

// interpShape returns the output's shape for an input of shape s, 3-d or
// 4-d, with the taps ah (nil for 3-d) and aw.
func interpShape(s []int, ah, aw *interpAxis) []int {
	if ah == nil {
		return []int{s[0], s[1], len(aw.i0)}
	}
	return []int{s[0], s[1], len(ah.i0), len(aw.i0)}
}

// interpolate writes into y the interpolation of x: planes of h×w to
// planes of len(ah.i0)×len(aw.i0), or with ah nil (1-d) rows of w to rows
// of len(aw.i0), h = 1. Nearest copies, so that ±Inf stays as it is.
func interpolate[T tensor.Float](y, x []T, planes, h, w int, ah, aw *interpAxis, nearest bool) {
	wo := len(aw.i0)
	if ah == nil {
		for r := range planes * h {
			xr, yr := x[r*w:(r+1)*w], y[r*wo:(r+1)*wo]
			if nearest {
				for j, c := range aw.i0 {
					yr[j] = xr[c]
				}
				continue
			}
			for j := range yr {
				yr[j] = T(aw.w0[j])*xr[aw.i0[j]] + T(aw.w1[j])*xr[aw.i1[j]]
			}
		}
		return
	}
	ho := len(ah.i0)
	for p := range planes {
		xp, yp := x[p*h*w:(p+1)*h*w], y[p*ho*wo:(p+1)*ho*wo]
		for i := range ho {
			r0, r1 := xp[ah.i0[i]*w:], xp[ah.i1[i]*w:]
			yr := yp[i*wo : (i+1)*wo]
			if nearest {
				for j, c := range aw.i0 {
					yr[j] = r0[c]
				}
				continue
			}
			a0, a1 := T(ah.w0[i]), T(ah.w1[i])
			for j := range yr {
				c0, c1 := aw.i0[j], aw.i1[j]
				b0, b1 := T(aw.w0[j]), T(aw.w1[j])
				yr[j] = a0*(b0*r0[c0]+b1*r0[c1]) + a1*(b0*r1[c0]+b1*r1[c1])
			}
		}
	}
}

// interpolateAdjoint adds into dx (planes of h×w, or rows of w with ah nil)
// the adjoint of the interpolation applied to dy.
func interpolateAdjoint[T tensor.Float](dx, dy []T, planes, h, w int, ah, aw *interpAxis, nearest bool) {
	wo := len(aw.i0)
	if ah == nil {
		for r := range planes * h {
			dxr, dyr := dx[r*w:(r+1)*w], dy[r*wo:(r+1)*wo]
			if nearest {
				for j, c := range aw.i0 {
					dxr[c] += dyr[j]
				}
				continue
			}
			for j, d := range dyr {
				dxr[aw.i0[j]] += T(aw.w0[j]) * d
				dxr[aw.i1[j]] += T(aw.w1[j]) * d
			}
		}
		return
	}
	ho := len(ah.i0)
	for p := range planes {
		dxp, dyp := dx[p*h*w:(p+1)*h*w], dy[p*ho*wo:(p+1)*ho*wo]
		for i := range ho {
			r0, r1 := dxp[ah.i0[i]*w:], dxp[ah.i1[i]*w:]
			dyr := dyp[i*wo : (i+1)*wo]
			if nearest {
				for j, c := range aw.i0 {
					r0[c] += dyr[j]
				}
				continue
			}
			a0, a1 := T(ah.w0[i]), T(ah.w1[i])
			for j, d := range dyr {
				c0, c1 := aw.i0[j], aw.i1[j]
				b0, b1 := T(aw.w0[j]), T(aw.w1[j])
				r0[c0] += a0 * b0 * d
				r0[c1] += a0 * b1 * d
				r1[c0] += a1 * b0 * d
				r1[c1] += a1 * b1 * d
			}
		}
	}
}

// Interpolate resizes the H×W planes of an N×C×H×W input, or the rows of
// length L of an N×C×L input, as PyTorch 1.13's F.interpolate on a 4-d or
// a 3-d input with recompute_scale_factor left at None. Exactly one of
// Size (Hout, Wout) and ScaleFactor (sH, sW) is given (not zero); with
// ScaleFactor, Hout = ⌊H·sH⌋ (Wout likewise) and the source positions use
// 1/sH as PyTorch does, not H/Hout. A 3-d input takes its one size or
// scale factor in the first entry, Lout = Size[0] or ⌊L·ScaleFactor[0]⌋;
// the second entry is 0 or repeats the first (PyTorch's one value for
// every axis, as nn.Upsample(scale_factor=2) gives). Each output is a
// weighted sum of at most two inputs per axis:
//
//	nearest:  src(o) = min(⌊o·r⌋, H − 1), weight 1, with r = 1/sH or H/Hout
//	          (in float32, as PyTorch), except that Hout = H copies and
//	          Hout = 2·H takes ⌊o/2⌋, PyTorch's special cases
//	linear,   s(o) = o·(H − 1)/(Hout − 1) with AlignCorners (0 if Hout = 1),
//	bilinear: else max((o + ½)·r − ½, 0); i = ⌊s⌋, λ = s − i; the inputs
//	          i and min(i + 1, H − 1) with weights 1 − λ and λ
//
// InterpLinear is for 3-d inputs, InterpBilinear for 4-d ones, as in
// PyTorch; InterpNearest for both. Along both axes of a plane the weights
// multiply:
//
//	y[n,c,o,p]  = Σ wH(o,a)·wW(p,b)·x[n,c,a,b]                   N×C×H×W → N×C×Hout×Wout
//	dx[n,c,a,b] = Σ wH(o,a)·wW(p,b)·dy[n,c,o,p] over (o,p)       N×C×Hout×Wout → N×C×H×W
//
// and along the one axis of a row
//
//	y[n,c,o]  = Σ w(o,a)·x[n,c,a]                                N×C×L → N×C×Lout
//	dx[n,c,a] = Σ w(o,a)·dy[n,c,o] over o                        N×C×Lout → N×C×L
//
// Nearest copies (an infinite input stays infinite). The backward is the
// scatter-add adjoint; it keeps only the taps. Its backward is
// differentiable: BackwardVar applies InterpolateBackward, the adjoint as
// an op, whose own adjoint is Interpolate.
//
// It panics unless the input is 3-d with L ≥ 1 or 4-d with H, W ≥ 1, the
// mode is known and fits the input's rank, exactly one of Size and
// ScaleFactor is given and is not negative, a 3-d input's second entries
// are 0 or repeat the first, the output is not empty, and AlignCorners
// goes with InterpLinear or InterpBilinear only.
type Interpolate[T tensor.Float] struct {
	arena[T]
	Size         [2]int
	ScaleFactor  [2]float64
	Mode         InterpMode
	AlignCorners bool

	shape  []int
	in     [2]int // the input plane (H, W), or (L, 0)
	ah, aw *interpAxis
}

func (*Interpolate[T]) Name() string { return "Interpolate" }

// interpPlane returns the input plane of shape, (H, W) or (L, 0), and the
// number of planes (rows for 3-d); zeros for another rank, which
// interpGeom refuses.
func interpPlane(s []int) (in [2]int, planes, h, w int) {
	switch len(s) {
	case 3:
		return [2]int{s[2], 0}, s[0] * s[1], 1, s[2]
	case 4:
		return [2]int{s[2], s[3]}, s[0] * s[1], s[2], s[3]
	}
	return
}

func (op *Interpolate[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Interpolate", in, 1)
	x := in[0]
	s := x.Shape()
	plane, planes, h, w := interpPlane(s)
	ah, aw := interpGeom[T]("Interpolate", s, plane, op.Size, op.ScaleFactor, op.Mode, op.AlignCorners)
	op.shape, op.in, op.ah, op.aw = s, plane, ah, &aw
	y := op.ar.NewUninit(interpShape(s, ah, &aw)...)
	interpolate(y.Data(), x.Data(), planes, h, w, op.ah, op.aw, op.Mode == InterpNearest)
	return y
}

func (op *Interpolate[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.New(op.shape...)
	_, planes, h, w := interpPlane(op.shape)
	interpolateAdjoint(dx.Data(), dy.Data(), planes, h, w, op.ah, op.aw, op.Mode == InterpNearest)
	return []*tensor.Tensor[T]{dx}
}

func (*Interpolate[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Backward as an op: InterpolateBackward of dy with the same
// settings.
func (op *Interpolate[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&InterpolateBackward[T]{Size: op.Size, ScaleFactor: op.ScaleFactor, Mode: op.Mode,
		AlignCorners: op.AlignCorners, InputSize: op.in}, dy)}
}

// InterpolateBackward is Interpolate's input gradient as an op of its own,
// as PyTorch's upsample_nearest2d_backward, upsample_bilinear2d_backward,
// upsample_nearest1d_backward and upsample_linear1d_backward: with
// Interpolate's settings from an H×W plane, InputSize = (H, W), it maps an
// N×C×Hout×Wout input to N×C×H×W, adding every value into the inputs of
// its taps with their weights:
//
//	y[n,c,a,b]  = Σ wH(o,a)·wW(p,b)·x[n,c,o,p] over (o,p)      N×C×Hout×Wout → N×C×H×W
//	dx[n,c,o,p] = Σ wH(o,a)·wW(p,b)·dy[n,c,a,b]                Interpolate
//
// A 3-d input N×C×Lout is the adjoint of 1-d interpolation from rows of L,
// InputSize = (L, 0), to N×C×L. It keeps only the taps.
//
// It panics on Interpolate's settings errors (with the rank of its input),
// or unless the input is 3-d or 4-d with the Lout or Hout×Wout those
// settings give from InputSize.
type InterpolateBackward[T tensor.Float] struct {
	arena[T]
	Size         [2]int
	ScaleFactor  [2]float64
	Mode         InterpMode
	AlignCorners bool
	InputSize    [2]int

	shape  []int
	ah, aw *interpAxis
}

func (*InterpolateBackward[T]) Name() string { return "InterpolateBackward" }

func (op *InterpolateBackward[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("InterpolateBackward", in, 1)
	x := in[0]
	s := x.Shape()
	ah, aw := interpGeom[T]("InterpolateBackward", s, op.InputSize, op.Size, op.ScaleFactor, op.Mode, op.AlignCorners)
	if want := interpShape(s, ah, &aw); !tensor.EqualShapes(s, want) {
		plane := fmt.Sprint(want[2])
		if len(want) == 4 {
			plane += fmt.Sprintf("×%d", want[3])
		}
		panic(fmt.Sprintf(errInterp, "InterpolateBackward", s, op.Size, op.ScaleFactor, op.Mode, op.AlignCorners,
			fmt.Sprintf("the input must be N×C×%s, the output from %v", plane, op.InputSize)))
	}
	op.shape, op.ah, op.aw = s, ah, &aw
	var y *tensor.Tensor[T]
	h, w := op.InputSize[0], op.InputSize[1]
	if ah == nil {
		h, w = 1, op.InputSize[0]
		y = op.ar.New(s[0], s[1], w)
	} else {
		y = op.ar.New(s[0], s[1], h, w)
	}
	interpolateAdjoint(y.Data(), x.Data(), s[0]*s[1], h, w, op.ah, op.aw, op.Mode == InterpNearest)
	return y
}

func (op *InterpolateBackward[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(op.shape...)
	h, w := op.InputSize[0], op.InputSize[1]
	if op.ah == nil {
		h, w = 1, op.InputSize[0]
	}
	interpolate(dx.Data(), dy.Data(), op.shape[0]*op.shape[1], h, w, op.ah, op.aw, op.Mode == InterpNearest)
	return []*tensor.Tensor[T]{dx}
}

func (*InterpolateBackward[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Backward as an op: Interpolate of dy with the same
// settings.
func (op *InterpolateBackward[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&Interpolate[T]{Size: op.Size, ScaleFactor: op.ScaleFactor, Mode: op.Mode,
		AlignCorners: op.AlignCorners}, dy)}
}
