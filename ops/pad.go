package ops

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// PadMode is how Pad fills the positions it adds, as PyTorch's F.pad's
// mode. Its text form is PyTorch's name ("constant", "reflect",
// "replicate"), which it marshals to and from.
type PadMode int

const (
	// PadConstant fills with a constant value; negative pads crop.
	PadConstant PadMode = iota
	// PadReflect mirrors the axis about its edge positions, which are not
	// repeated: 1 2 3 padded by 2 on the left is 3 2 1 2 3.
	PadReflect
	// PadReplicate repeats the edge positions: 1 2 3 padded by 2 on the
	// left is 1 1 1 2 3.
	PadReplicate
)

var padModeNames = []string{"constant", "reflect", "replicate"}

// String returns PyTorch's name of the mode.
func (m PadMode) String() string {
	if m >= 0 && int(m) < len(padModeNames) {
		return padModeNames[m]
	}
	return fmt.Sprintf("PadMode(%d)", int(m))
}

// MarshalText returns PyTorch's name of the mode.
func (m PadMode) MarshalText() ([]byte, error) {
	if m < 0 || int(m) >= len(padModeNames) {
		return nil, fmt.Errorf("ops: unknown padding mode %d", int(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads PyTorch's name of a mode.
func (m *PadMode) UnmarshalText(b []byte) error {
	i := slices.Index(padModeNames, string(b))
	if i < 0 {
		return fmt.Errorf("ops: unknown padding mode %q; want constant, reflect or replicate", b)
	}
	*m = PadMode(i)
	return nil
}

// padMaps checks a padding of an input of shape x and returns the index
// maps of the padded tensor (see gatherMaps): maps[a][o] is the position of
// x that position o of axis a reads, −1 for a constant. Pads is PyTorch's
// tuple: the left and right pads of the last axis, then of the one before,
// and so on.
func padMaps(name string, x, pads []int, mode PadMode) [][]int {
	if len(pads)%2 != 0 {
		panic(fmt.Sprintf(errPadOdd, name, pads, x))
	}
	if len(pads) > 2*len(x) {
		panic(fmt.Sprintf(errPadLong, name, pads, len(pads), x, len(x)))
	}
	if mode < PadConstant || mode > PadReplicate {
		panic(fmt.Sprintf(errPadMode, name, int(mode), x))
	}
	maps := make([][]int, len(x))
	for a, n := range x {
		left, right := 0, 0
		if k := 2 * (len(x) - 1 - a); k < len(pads) {
			left, right = pads[k], pads[k+1]
		}
		size := n + left + right
		if size < 0 {
			panic(fmt.Sprintf(errPadNegative, name, pads, a, n, left, right, x))
		}
		padded := left != 0 || right != 0
		switch {
		case !padded:
		case mode == PadReflect && (left >= n || right >= n):
			panic(fmt.Sprintf(errPadReflect, name, pads, a, left, right, n, x))
		case mode == PadReplicate && n == 0:
			panic(fmt.Sprintf(errPadReplicate, name, pads, a, x))
		}
		m := make([]int, size)
		for o := range m {
			i := o - left
			switch {
			case i >= 0 && i < n:
			case mode == PadConstant:
				i = -1
			case mode == PadReflect && i < 0:
				i = -i
			case mode == PadReflect:
				i = 2*(n-1) - i
			case i < 0: // replicate
				i = 0
			default:
				i = n - 1
			}
			m[o] = i
		}
		maps[a] = m
	}
	return maps
}

// Pad pads its input, as PyTorch's F.pad(x, Pads, Mode, Value). Pads is
// PyTorch's tuple: the pads before and after the last axis, then those of
// the axis before it, and so on, for as many axes as it has pairs. The
// modes:
//
//   - PadConstant (the default) fills the new positions with Value; a
//     negative pad removes positions instead, as in PyTorch.
//   - PadReflect mirrors each axis about its first and last positions,
//     which are not repeated; each pad must be less than the axis's size,
//     as in PyTorch.
//   - PadReplicate repeats the first and last positions; a padded axis
//     must not be empty.
//
// With PadReflect and PadReplicate a negative pad crops too, as in
// PyTorch. Unlike PyTorch, which reflects and replicates only the last one,
// two or three axes of inputs of one or two more axes (a batch and a
// channel axis), Pad pads any number of axes of inputs of any rank in
// every mode. It keeps the input's shape and the maps of the padding.
//
//	y[o]   = x[m(o)], or Value where m(o) is outside x      padded shape
//	dx[i]  = Σ dy[o] over the o with m(o) = i               x's shape
//
// where m maps each output position to the input position it reads, on
// each axis separately. In constant mode dx is dy with the pads removed,
// the constant padding with the pads negated, and Pad's backward pass is
// Pad again; in the other modes, dx folds the pads back onto the positions
// they copy, and Pad's backward pass is PadBackward, whose own backward is
// Pad. Every order of derivative is exact. Value gets no gradient: it is a
// setting, not an input.
//
// It panics if Pads has an odd length or more than two pads per axis of
// the input, if the mode is unknown, if a padded size is negative, if a
// reflected pad is not less than its axis's size, or if an axis to
// replicate is empty.
type Pad[T tensor.Float] struct {
	arena[T]
	Pads  []int
	Mode  PadMode
	Value T
	shape []int
	maps  [][]int
}

func (*Pad[T]) Name() string { return "Pad" }

func (op *Pad[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Pad", in, 1)
	x := in[0]
	op.Pads = slices.Clone(op.Pads) // the caller may reuse its slice before backward
	op.shape = x.Shape()
	op.maps = padMaps("Pad", op.shape, op.Pads, op.Mode)
	y := op.ar.NewUninit(mapsShape(op.maps)...)
	gatherMaps(y.Data(), x.Data(), op.shape, op.maps, op.Value)
	return y
}

func (op *Pad[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.New(op.shape...)
	scatterMaps(dx.Data(), op.shape, dy.Data(), op.maps, op.Mode != PadConstant)
	return []*tensor.Tensor[T]{dx}
}

func (*Pad[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar is the constant padding of dy with the pads negated in
// constant mode, and PadBackward, Pad's adjoint, in the other modes.
func (op *Pad[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	if op.Mode == PadConstant {
		neg := make([]int, len(op.Pads))
		for i, p := range op.Pads {
			neg[i] = -p
		}
		return []*v[T]{autograd.Apply[T](&Pad[T]{Pads: neg}, dy)}
	}
	return []*v[T]{autograd.Apply[T](&PadBackward[T]{Pads: op.Pads, Mode: op.Mode, Shape: op.shape}, dy)}
}

// PadBackward is Pad's backward pass as an op: given the gradient of a
// padded tensor, it returns the gradient of the tensor of shape Shape that
// Pads and Mode padded (see Pad), adding each padded position's gradient
// into the position it copies, as PyTorch's reflection_pad2d_backward and
// replication_pad2d_backward do for their ranks (in constant mode it crops
// the pads). Its backward pass is Pad with the same pads and mode (and
// Value 0), so that Pad's backward pass differentiates to any order. It
// keeps the maps of the padding.
//
//	y[i]   = Σ x[o] over the o with m(o) = i      Shape
//	dx     = Pad(dy)                              the padded shape
//
// It panics when Pad would for an input of shape Shape, if Shape has a
// negative size, or if the input does not have the padded shape.
type PadBackward[T tensor.Float] struct {
	arena[T]
	Pads  []int
	Mode  PadMode
	Shape []int
	maps  [][]int
}

func (*PadBackward[T]) Name() string { return "PadBackward" }

func (op *PadBackward[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("PadBackward", in, 1)
	x := in[0]
	op.Pads, op.Shape = slices.Clone(op.Pads), slices.Clone(op.Shape)
	for _, d := range op.Shape {
		if d < 0 {
			panic(fmt.Sprintf(errPadBackShape, op.Shape, x.Shape()))
		}
	}
	op.maps = padMaps("PadBackward", op.Shape, op.Pads, op.Mode)
	if want := mapsShape(op.maps); !tensor.EqualShapes(x.Shape(), want) {
		panic(fmt.Sprintf(errPadBack, x.Shape(), want, op.Shape, op.Pads, op.Mode))
	}
	y := op.ar.New(op.Shape...)
	scatterMaps(y.Data(), op.Shape, x.Data(), op.maps, op.Mode != PadConstant)
	return y
}

func (op *PadBackward[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(mapsShape(op.maps)...)
	gatherMaps(dx.Data(), dy.Data(), op.Shape, op.maps, 0)
	return []*tensor.Tensor[T]{dx}
}

func (*PadBackward[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar pads dy with Pad, PadBackward's adjoint.
func (op *PadBackward[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&Pad[T]{Pads: op.Pads, Mode: op.Mode}, dy)}
}
