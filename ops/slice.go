package ops

import (
	"fmt"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// End, as a Range's Stop, is the end of the axis, whatever its size:
// Python's omitted stop, x[a:].
const End = math.MaxInt

// Range is the slice Start:Stop:Step of one axis, under Python's and
// PyTorch's rules of basic indexing: a negative Start or Stop counts from
// the end of the axis (−1 is its last position), and both are then
// clamped to [0, n] for an axis of size n, so that a range reaching past
// either end is cut rather than refused; a Stop at or before Start gives
// an empty axis. Step must be at least 1: PyTorch refuses negative steps,
// and a zero step is an error in Python. The whole axis, Python's ":", is
// Range{0, End, 1}.
type Range struct{ Start, Stop, Step int }

// resolve returns the first position and the number of positions r picks
// on an axis of size n; the step must be at least 1.
func (r Range) resolve(n int) (start, length int) {
	clamp := func(i int) int {
		if i < 0 {
			i = max(i+n, 0)
		}
		return min(i, n)
	}
	start, stop := clamp(r.Start), clamp(r.Stop)
	if stop <= start {
		return start, 0
	}
	return start, (stop-start-1)/r.Step + 1
}

// sliceMaps checks ranges against shape and returns the index maps of the
// slice (see gatherMaps): maps[a][o] is the position along axis a of x
// that position o of the slice reads. Axes beyond the ranges are whole.
func sliceMaps(name string, shape []int, ranges []Range) [][]int {
	if len(ranges) > len(shape) {
		panic(fmt.Sprintf(errSliceRank, name, len(ranges), ranges, shape))
	}
	maps := make([][]int, len(shape))
	for a, n := range shape {
		r := Range{0, End, 1}
		if a < len(ranges) {
			r = ranges[a]
		}
		if r.Step < 1 {
			panic(fmt.Sprintf(errSliceStep, name, r.Step, a, ranges, shape))
		}
		start, length := r.resolve(n)
		m := make([]int, length)
		for o := range m {
			m[o] = start + o*r.Step
		}
		maps[a] = m
	}
	return maps
}

// mapsShape is the shape of the tensor maps index: one axis per map.
func mapsShape(maps [][]int) []int {
	shape := make([]int, len(maps))
	for a, m := range maps {
		shape[a] = len(m)
	}
	return shape
}

// rowMajorStrides returns the strides, in elements, of a contiguous tensor
// of the given shape.
func rowMajorStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// contiguousRun returns m[0] if m is the run m[0], m[0]+1, … of valid
// positions, and −1 otherwise.
func contiguousRun(m []int) int {
	if len(m) == 0 || m[0] < 0 {
		return -1
	}
	for o, i := range m {
		if i != m[0]+o {
			return -1
		}
	}
	return m[0]
}

// blockOf returns the last axis of maps that is not the whole of its axis
// of shape in order (m[o] = o for every o < shape[a]), or −1 if there is
// none, and the number of elements of the axes after it: the block of
// contiguous elements that each position of that axis moves as a whole.
func blockOf(shape []int, maps [][]int) (last, blk int) {
	blk = 1
	for last = len(maps) - 1; last >= 0; last-- {
		m := maps[last]
		if len(m) != shape[last] || (len(m) > 0 && contiguousRun(m) != 0) {
			break
		}
		blk *= len(m)
	}
	return last, blk
}

// gatherMaps fills dst, a contiguous tensor of shape mapsShape(maps), from
// src, of shape srcShape, through per-axis index maps: the element of dst
// at position (o₀, o₁, …) is that of src at (maps[0][o₀], maps[1][o₁], …),
// or fill where a map holds −1. Slicing, padding and Concat's backward
// pass are this map with different maps; scatterMaps is its adjoint.
// Trailing axes that the maps take whole move as blocks, so that
// concatenating N×C×H×W tensors along C copies whole planes.
func gatherMaps[T tensor.Float](dst, src []T, srcShape []int, maps [][]int, fill T) {
	if len(dst) == 0 {
		return
	}
	last, blk := blockOf(srcShape, maps)
	if last < 0 {
		copy(dst, src)
		return
	}
	st := rowMajorStrides(srcShape)
	run := contiguousRun(maps[last])
	n := len(maps[last]) * blk
	do := 0
	var walk func(a, so int, valid bool)
	walk = func(a, so int, valid bool) {
		if a == last {
			row := dst[do : do+n]
			do += n
			switch {
			case !valid:
				for o := range row {
					row[o] = fill
				}
			case run >= 0:
				copy(row, src[so+run*blk:so+run*blk+n])
			default:
				for o, i := range maps[last] {
					b := row[o*blk : (o+1)*blk]
					if i < 0 {
						for k := range b {
							b[k] = fill
						}
					} else {
						copy(b, src[so+i*blk:])
					}
				}
			}
			return
		}
		for _, i := range maps[a] {
			walk(a+1, so+i*st[a], valid && i >= 0)
		}
	}
	walk(0, 0, true)
}

// scatterMaps is gatherMaps' adjoint: it writes src, a contiguous tensor
// of shape mapsShape(maps), into dst, of shape dstShape, at the positions
// the maps give, skipping those where a map holds −1. With add it adds
// into dst, so that positions several elements map to receive their sum
// (padding's folds); without, it overwrites them.
func scatterMaps[T tensor.Float](dst []T, dstShape []int, src []T, maps [][]int, add bool) {
	if len(src) == 0 {
		return
	}
	put := func(d, s []T) {
		if !add {
			copy(d, s)
			return
		}
		for k, g := range s {
			d[k] += g
		}
	}
	last, blk := blockOf(dstShape, maps)
	if last < 0 {
		put(dst, src)
		return
	}
	st := rowMajorStrides(dstShape)
	run := contiguousRun(maps[last])
	n := len(maps[last]) * blk
	so := 0
	var walk func(a, do int, valid bool)
	walk = func(a, do int, valid bool) {
		if a == last {
			row := src[so : so+n]
			so += n
			switch {
			case !valid:
			case run >= 0:
				put(dst[do+run*blk:do+run*blk+n], row)
			default:
				for o, i := range maps[last] {
					if i >= 0 {
						put(dst[do+i*blk:do+(i+1)*blk], row[o*blk:(o+1)*blk])
					}
				}
			}
			return
		}
		for _, i := range maps[a] {
			walk(a+1, do+i*st[a], valid && i >= 0)
		}
	}
	walk(0, 0, true)
}

// Slice takes the part of x that Ranges pick, as PyTorch's basic indexing
// x[r₀, r₁, …] with a slice start:stop:step on each of the leading axes
// (axes beyond the ranges are whole): see Range for the rules of negative
// and out-of-range bounds. Unlike PyTorch's view, the output is a copy. It
// keeps the input's shape and the ranges.
//
//	y[o₀, o₁, …]              = x[s₀ + o₀·t₀, s₁ + o₁·t₁, …]     ⌈(eᵢ − sᵢ)/tᵢ⌉ on axis i
//	dx                        = SliceBackward(dy): dy at the picked positions, 0 elsewhere
//
// where sᵢ and eᵢ are the clamped start and stop of axis i and tᵢ its
// step. Its backward pass is SliceBackward, whose backward pass is Slice:
// every order of derivative is exact.
//
// It panics if there are more ranges than the input has axes, or if a step
// is less than 1.
type Slice[T tensor.Float] struct {
	arena[T]
	Ranges []Range
	shape  []int
	maps   [][]int
}

func (*Slice[T]) Name() string { return "Slice" }

func (op *Slice[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Slice", in, 1)
	x := in[0]
	op.Ranges = slices.Clone(op.Ranges) // the caller may reuse its slice before backward
	op.shape = x.Shape()
	op.maps = sliceMaps("Slice", op.shape, op.Ranges)
	y := op.ar.NewUninit(mapsShape(op.maps)...)
	gatherMaps(y.Data(), x.Data(), op.shape, op.maps, 0)
	return y
}

func (op *Slice[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.New(op.shape...)
	scatterMaps(dx.Data(), op.shape, dy.Data(), op.maps, false)
	return []*tensor.Tensor[T]{dx}
}

func (*Slice[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar places dy into zeros of x's shape with SliceBackward,
// Slice's adjoint.
func (op *Slice[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vSliceBackward(dy, op.Ranges, op.shape)}
}

// SliceBackward places its input into a tensor of zeros of shape Shape, at
// the positions that Ranges pick from it (see Slice): the backward pass of
// Slice, as PyTorch's slice_backward on several axes at once, or
// torch.zeros(Shape) with z[r₀, r₁, …] = x. Its backward pass is Slice, so
// that Slice's backward pass differentiates to any order. It keeps the
// ranges.
//
//	y                         = zeros(Shape) with y[r₀, r₁, …] = x
//	dx                        = Slice(dy) = dy[r₀, r₁, …]
//
// It panics if there are more ranges than Shape has axes, if a step is less
// than 1, or if the input's shape is not that of the slice of a tensor of
// shape Shape.
type SliceBackward[T tensor.Float] struct {
	arena[T]
	Ranges []Range
	Shape  []int
	maps   [][]int
}

func (*SliceBackward[T]) Name() string { return "SliceBackward" }

func (op *SliceBackward[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("SliceBackward", in, 1)
	x := in[0]
	op.Ranges, op.Shape = slices.Clone(op.Ranges), slices.Clone(op.Shape)
	for _, d := range op.Shape {
		if d < 0 {
			panic(fmt.Sprintf(errSliceBackShape, op.Shape, x.Shape()))
		}
	}
	op.maps = sliceMaps("SliceBackward", op.Shape, op.Ranges)
	if want := mapsShape(op.maps); !tensor.EqualShapes(x.Shape(), want) {
		panic(fmt.Sprintf(errSliceBack, x.Shape(), want, op.Ranges, op.Shape))
	}
	y := op.ar.New(op.Shape...)
	scatterMaps(y.Data(), op.Shape, x.Data(), op.maps, false)
	return y
}

func (op *SliceBackward[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(mapsShape(op.maps)...)
	gatherMaps(dx.Data(), dy.Data(), op.Shape, op.maps, 0)
	return []*tensor.Tensor[T]{dx}
}

func (*SliceBackward[T]) Saved() []*tensor.Tensor[T] { return nil }

// BackwardVar picks dy's part with Slice.
func (op *SliceBackward[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vSlice(dy, op.Ranges)}
}

// vSlice is Slice applied to a Var.
func vSlice[T tensor.Float](x *v[T], ranges []Range) *v[T] {
	return autograd.Apply[T](&Slice[T]{Ranges: ranges}, x)
}

// vSliceBackward is SliceBackward applied to a Var.
func vSliceBackward[T tensor.Float](x *v[T], ranges []Range, shape []int) *v[T] {
	return autograd.Apply[T](&SliceBackward[T]{Ranges: ranges, Shape: shape}, x)
}
