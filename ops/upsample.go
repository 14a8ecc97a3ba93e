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
	// output's (PyTorch's "nearest").
	InterpNearest InterpMode = iota
	// InterpBilinear weighs the four input positions around the output's
	// (PyTorch's "bilinear").
	InterpBilinear
)

// String returns PyTorch's name of the mode.
func (m InterpMode) String() string {
	switch m {
	case InterpNearest:
		return "nearest"
	case InterpBilinear:
		return "bilinear"
	}
	return fmt.Sprintf("InterpMode(%d)", int(m))
}

// interpAxis is where the outputs along one axis take their inputs from:
// output o is w0[o]·x[i0[o]] + w1[o]·x[i1[o]].
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
// computes the bilinear source positions in; nearest positions are
// computed in float32 in both, as PyTorch does.
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

// interpGeom checks the input shape and settings of the op called name
// and returns the taps along H and W for an input plane of h×w.
func interpGeom[T tensor.Float](name string, shape []int, h, w int, size [2]int, scale [2]float64, mode InterpMode, align bool) (ah, aw interpAxis) {
	bad := func(why string) {
		panic(fmt.Sprintf(errInterp, name, shape, size, scale, mode, align, why))
	}
	switch {
	case len(shape) != 4:
		bad("the input must be 4-d")
	case mode != InterpNearest && mode != InterpBilinear:
		bad("unknown mode")
	case mode == InterpNearest && align:
		bad("align_corners needs mode bilinear")
	case (size == [2]int{}) == (scale == [2]float64{}):
		bad("exactly one of size and scale_factor must be given")
	case h < 1 || w < 1:
		bad("the input plane must be at least 1×1")
	}
	hOut, wOut := interpOutSize(h, size[0], scale[0]), interpOutSize(w, size[1], scale[1])
	if hOut < 1 || wOut < 1 || size[0] < 0 || size[1] < 0 || scale[0] < 0 || scale[1] < 0 {
		bad(fmt.Sprintf("the output would be %d×%d", hOut, wOut))
	}
	return newInterpAxis[T](mode, align, h, hOut, scale[0]), newInterpAxis[T](mode, align, w, wOut, scale[1])
}

// interpolate writes into y (planes of len(ah)×len(aw)) the interpolation
// of x (planes of h×w).
func interpolate[T tensor.Float](y, x []T, planes, h, w int, ah, aw *interpAxis) {
	ho, wo := len(ah.i0), len(aw.i0)
	for p := range planes {
		xp, yp := x[p*h*w:(p+1)*h*w], y[p*ho*wo:(p+1)*ho*wo]
		for i := range ho {
			r0, r1 := xp[ah.i0[i]*w:], xp[ah.i1[i]*w:]
			a0, a1 := T(ah.w0[i]), T(ah.w1[i])
			for j := range wo {
				c0, c1 := aw.i0[j], aw.i1[j]
				b0, b1 := T(aw.w0[j]), T(aw.w1[j])
				yp[i*wo+j] = a0*(b0*r0[c0]+b1*r0[c1]) + a1*(b0*r1[c0]+b1*r1[c1])
			}
		}
	}
}

// interpolateAdjoint adds into dx (planes of h×w) the adjoint of the
// interpolation applied to dy.
func interpolateAdjoint[T tensor.Float](dx, dy []T, planes, h, w int, ah, aw *interpAxis) {
	ho, wo := len(ah.i0), len(aw.i0)
	for p := range planes {
		dxp, dyp := dx[p*h*w:(p+1)*h*w], dy[p*ho*wo:(p+1)*ho*wo]
		for i := range ho {
			r0, r1 := dxp[ah.i0[i]*w:], dxp[ah.i1[i]*w:]
			a0, a1 := T(ah.w0[i]), T(ah.w1[i])
			for j := range wo {
				c0, c1 := aw.i0[j], aw.i1[j]
				b0, b1 := T(aw.w0[j]), T(aw.w1[j])
				d := dyp[i*wo+j]
				r0[c0] += a0 * b0 * d
				r0[c1] += a0 * b1 * d
				r1[c0] += a1 * b0 * d
				r1[c1] += a1 * b1 * d
			}
		}
	}
}

// Interpolate resizes the H×W planes of an N×C×H×W input, as PyTorch 1.13's
// F.interpolate on a 4-d input with recompute_scale_factor left at None.
// Exactly one of Size (Hout, Wout) and ScaleFactor (sH, sW) is given (not
// zero); with ScaleFactor, Hout = ⌊H·sH⌋ (Wout likewise) and the source
// positions use 1/sH as PyTorch does, not H/Hout. Each output is a
// weighted sum of at most four inputs, per axis
//
//	nearest:  src(o) = min(⌊o·r⌋, H − 1), weight 1, with r = 1/sH or H/Hout
//	          (in float32, as PyTorch), except that Hout = H copies and
//	          Hout = 2·H takes ⌊o/2⌋, PyTorch's special cases
//	bilinear: s(o) = o·(H − 1)/(Hout − 1) with AlignCorners (0 if Hout = 1),
//	          else max((o + ½)·r − ½, 0); i = ⌊s⌋, λ = s − i; the inputs
//	          i and min(i + 1, H − 1) with weights 1 − λ and λ
//
// and along both axes the weights multiply:
//
//	y[n,c,o,p]  = Σ wH(o,a)·wW(p,b)·x[n,c,a,b]                   N×C×H×W → N×C×Hout×Wout
//	dx[n,c,a,b] = Σ wH(o,a)·wW(p,b)·dy[n,c,o,p] over (o,p)       N×C×Hout×Wout → N×C×H×W
//
// The backward is the scatter-add adjoint; it keeps only the taps. Its
// backward is differentiable: BackwardVar applies InterpolateBackward, the
// adjoint as an op, whose own adjoint is Interpolate.
//
// It panics unless the input is 4-d with H, W ≥ 1, exactly one of Size
// and ScaleFactor is given and is not negative, the output is at least
// 1×1, the mode is known, and AlignCorners goes with InterpBilinear only.
type Interpolate[T tensor.Float] struct {
	arena[T]
	Size         [2]int
	ScaleFactor  [2]float64
	Mode         InterpMode
	AlignCorners bool

	shape  []int
	ah, aw interpAxis
}

func (*Interpolate[T]) Name() string { return "Interpolate" }

func (op *Interpolate[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Interpolate", in, 1)
	x := in[0]
	s := x.Shape()
	h, w := 0, 0
	if len(s) == 4 {
		h, w = s[2], s[3]
	}
	op.ah, op.aw = interpGeom[T]("Interpolate", s, h, w, op.Size, op.ScaleFactor, op.Mode, op.AlignCorners)
	op.shape = s
	y := op.ar.NewUninit(s[0], s[1], len(op.ah.i0), len(op.aw.i0))
	interpolate(y.Data(), x.Data(), s[0]*s[1], h, w, &op.ah, &op.aw)
	return y
}

func (op *Interpolate[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.New(op.shape...)
	interpolateAdjoint(dx.Data(), dy.Data(), op.shape[0]*op.shape[1], op.shape[2], op.shape[3], &op.ah, &op.aw)
	return []*tensor.Tensor[T]{dx}
}

func (*Interpolate[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Backward as an op: InterpolateBackward of dy with the same
// settings.
func (op *Interpolate[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&InterpolateBackward[T]{Size: op.Size, ScaleFactor: op.ScaleFactor, Mode: op.Mode,
		AlignCorners: op.AlignCorners, InputSize: [2]int{op.shape[2], op.shape[3]}}, dy)}
}

// InterpolateBackward is Interpolate's input gradient as an op of its own,
// as PyTorch's upsample_nearest2d_backward and upsample_bilinear2d_backward:
// with Interpolate's settings from an H×W plane, InputSize = (H, W), it
// maps an N×C×Hout×Wout input to N×C×H×W, adding every value into the
// inputs of its taps with their weights:
//
//	y[n,c,a,b]  = Σ wH(o,a)·wW(p,b)·x[n,c,o,p] over (o,p)      N×C×Hout×Wout → N×C×H×W
//	dx[n,c,o,p] = Σ wH(o,a)·wW(p,b)·dy[n,c,a,b]                Interpolate
//
// It keeps only the taps.
//
// It panics on Interpolate's settings errors, or unless the input is 4-d
// with the Hout×Wout plane those settings give from InputSize.
type InterpolateBackward[T tensor.Float] struct {
	arena[T]
	Size         [2]int
	ScaleFactor  [2]float64
	Mode         InterpMode
	AlignCorners bool
	InputSize    [2]int

	shape  []int
	ah, aw interpAxis
}

func (*InterpolateBackward[T]) Name() string { return "InterpolateBackward" }

func (op *InterpolateBackward[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("InterpolateBackward", in, 1)
	x := in[0]
	s := x.Shape()
	op.ah, op.aw = interpGeom[T]("InterpolateBackward", s, op.InputSize[0], op.InputSize[1], op.Size, op.ScaleFactor, op.Mode, op.AlignCorners)
	if s[2] != len(op.ah.i0) || s[3] != len(op.aw.i0) {
		panic(fmt.Sprintf(errInterp, "InterpolateBackward", s, op.Size, op.ScaleFactor, op.Mode, op.AlignCorners,
			fmt.Sprintf("the input must be N×C×%d×%d, the output plane from %v", len(op.ah.i0), len(op.aw.i0), op.InputSize)))
	}
	op.shape = s
	y := op.ar.New(s[0], s[1], op.InputSize[0], op.InputSize[1])
	interpolateAdjoint(y.Data(), x.Data(), s[0]*s[1], op.InputSize[0], op.InputSize[1], &op.ah, &op.aw)
	return y
}

func (op *InterpolateBackward[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(op.shape...)
	interpolate(dx.Data(), dy.Data(), op.shape[0]*op.shape[1], op.InputSize[0], op.InputSize[1], &op.ah, &op.aw)
	return []*tensor.Tensor[T]{dx}
}

func (*InterpolateBackward[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is Backward as an op: Interpolate of dy with the same
// settings.
func (op *InterpolateBackward[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&Interpolate[T]{Size: op.Size, ScaleFactor: op.ScaleFactor, Mode: op.Mode,
		AlignCorners: op.AlignCorners}, dy)}
}
