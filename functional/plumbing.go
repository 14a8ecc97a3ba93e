package functional

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The tensor plumbing of PyTorch: joining, splitting, slicing, padding and
// the reshapes that add or remove axes. Concat, Slice and Pad are ops; the
// rest are composites of them and of Reshape, which shares its input's data.

// Range is the slice start:stop:step of one axis; see ops.Range.
type Range = ops.Range

// End, as a Range's Stop, is the end of the axis: Python's x[a:].
const End = ops.End

// All is the whole axis, Python's ":".
func All() Range { return Range{Start: 0, Stop: End, Step: 1} }

// Span is start:stop with step 1.
func Span(start, stop int) Range { return Range{Start: start, Stop: stop, Step: 1} }

// PadMode is Pad's mode; see ops.PadMode.
type PadMode = ops.PadMode

// Pad's modes, as PyTorch's F.pad's mode.
const (
	PadConstant  = ops.PadConstant
	PadReflect   = ops.PadReflect
	PadReplicate = ops.PadReplicate
)

// checkDim returns dim as an axis of a tensor of rank dims, counting a
// negative dim from the end, or panics naming the function and the shape.
func checkDim(name string, dim, dims int, shape []int) int {
	a, err := tensor.CheckAxis(dim, dims)
	if err != nil {
		panic(fmt.Sprintf(errPlumbDim, name, dim, -dims, dims-1, shape))
	}
	return a
}

// Concat joins xs along dim, as PyTorch's torch.cat(xs, dim): the inputs
// have the same sizes on every axis but dim; see ops.Concat.
func Concat[T tensor.Float](xs []*autograd.Var[T], dim int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Concat[T]{Axis: dim}, xs...)
}

// Stack joins xs, which all have the same shape, along a new axis dim, as
// PyTorch's torch.stack(xs, dim): dim counts from the end when negative,
// from −(r+1) to r for inputs of rank r. It is Concat of the inputs with a
// size-1 axis inserted at dim.
//
// It panics if xs is empty, if the shapes differ or if dim is out of range.
func Stack[T tensor.Float](xs []*autograd.Var[T], dim int) *autograd.Var[T] {
	if len(xs) == 0 {
		panic(errStackNone)
	}
	shape := xs[0].Shape()
	for i, x := range xs {
		if !tensor.EqualShapes(x.Shape(), shape) {
			panic(fmt.Sprintf(errStackShapes, shape, x.Shape(), i))
		}
	}
	dim = checkDim("Stack", dim, len(shape)+1, shape)
	us := make([]*autograd.Var[T], len(xs))
	for i, x := range xs {
		us[i] = Unsqueeze(x, dim)
	}
	return Concat(us, dim)
}

// Slice is x[r₀, r₁, …]: the ranges start:stop:step of x's leading axes,
// the other axes whole, under PyTorch's rules of basic indexing (negative
// bounds count from the end, bounds are clamped to the axis, steps are at
// least 1); see ops.Slice. The output is a copy, not a view.
func Slice[T tensor.Float](x *autograd.Var[T], ranges ...Range) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Slice[T]{Ranges: ranges}, x)
}

// Narrow is positions start to start+length−1 of axis dim of x, as
// PyTorch's torch.narrow(x, dim, start, length): a negative dim or start
// counts from the end. Unlike Slice's bounds, start and length are not
// clamped. It is Slice on one axis.
//
// It panics if x is 0-d, if dim is out of range, if start is outside
// [−n, n] for an axis of size n, or if length is negative or reaches past
// the axis.
func Narrow[T tensor.Float](x *autograd.Var[T], dim, start, length int) *autograd.Var[T] {
	shape := x.Shape()
	if len(shape) == 0 {
		panic(fmt.Sprintf(errNarrow0D, shape))
	}
	dim = checkDim("Narrow", dim, len(shape), shape)
	n := shape[dim]
	if start < -n || start > n {
		panic(fmt.Sprintf(errNarrowStart, start, -n, n, dim, shape))
	}
	if start < 0 {
		start += n
	}
	if length < 0 || start+length > n {
		panic(fmt.Sprintf(errNarrowLength, start, length, n, dim, shape))
	}
	return Slice(x, narrowRanges(dim, start, start+length)...)
}

// narrowRanges is the ranges of start:stop on axis dim, the axes before it
// whole.
func narrowRanges(dim, start, stop int) []Range {
	rs := make([]Range, dim+1)
	for a := range rs {
		rs[a] = All()
	}
	rs[dim] = Span(start, stop)
	return rs
}

// Split cuts x along dim into pieces of splitSize positions, the last one
// smaller if splitSize does not divide the axis, as PyTorch's
// torch.split(x, splitSize, dim). A split size of 0 is allowed only for an
// empty axis; an empty axis gives one empty piece. Each piece is a Slice
// of x.
//
// It panics if x is 0-d, if dim is out of range, or if splitSize is
// negative, or 0 for a non-empty axis.
func Split[T tensor.Float](x *autograd.Var[T], splitSize, dim int) []*autograd.Var[T] {
	shape := x.Shape()
	if len(shape) == 0 {
		panic(fmt.Sprintf(errSplit0D, "Split", shape))
	}
	dim = checkDim("Split", dim, len(shape), shape)
	n := shape[dim]
	if splitSize < 0 || (splitSize == 0 && n != 0) {
		panic(fmt.Sprintf(errSplitSize, splitSize, n, dim, shape))
	}
	var sizes []int
	for start := 0; start < n; start += splitSize {
		sizes = append(sizes, min(splitSize, n-start))
	}
	if len(sizes) == 0 {
		sizes = []int{0}
	}
	return splitSizes(x, sizes, dim)
}

// SplitSizes cuts x along dim into pieces of the given sizes, which must
// add up to the axis's size, as PyTorch's torch.split(x, sizes, dim) with a
// list of sizes. Each piece is a Slice of x.
//
// It panics if x is 0-d, if dim is out of range, or if a size is negative
// or the sizes do not add up to the axis's size.
func SplitSizes[T tensor.Float](x *autograd.Var[T], sizes []int, dim int) []*autograd.Var[T] {
	shape := x.Shape()
	if len(shape) == 0 {
		panic(fmt.Sprintf(errSplit0D, "SplitSizes", shape))
	}
	dim = checkDim("SplitSizes", dim, len(shape), shape)
	total := 0
	for _, s := range sizes {
		if s < 0 {
			panic(fmt.Sprintf(errSplitNegative, sizes, dim, shape))
		}
		total += s
	}
	if total != shape[dim] {
		panic(fmt.Sprintf(errSplitSum, sizes, total, shape[dim], dim, shape))
	}
	return splitSizes(x, slices.Clone(sizes), dim)
}

// splitSizes slices x into consecutive pieces of the given sizes along
// the normalized axis dim.
func splitSizes[T tensor.Float](x *autograd.Var[T], sizes []int, dim int) []*autograd.Var[T] {
	out := make([]*autograd.Var[T], len(sizes))
	start := 0
	for i, s := range sizes {
		out[i] = Slice(x, narrowRanges(dim, start, start+s)...)
		start += s
	}
	return out
}

// Chunk cuts x along dim into at most chunks pieces of equal size, the last
// one smaller, as PyTorch's torch.chunk(x, chunks, dim): the pieces have
// ⌈n/chunks⌉ positions for an axis of size n, so there may be fewer than
// chunks of them (an axis of 5 in 4 chunks gives sizes 2, 2, 1); an empty
// axis gives chunks empty pieces. Each piece is a Slice of x.
//
// It panics if x is 0-d, if dim is out of range, or if chunks is less
// than 1.
func Chunk[T tensor.Float](x *autograd.Var[T], chunks, dim int) []*autograd.Var[T] {
	shape := x.Shape()
	if len(shape) == 0 {
		panic(fmt.Sprintf(errSplit0D, "Chunk", shape))
	}
	if chunks < 1 {
		panic(fmt.Sprintf(errChunks, chunks, shape))
	}
	dim = checkDim("Chunk", dim, len(shape), shape)
	n := shape[dim]
	if n == 0 {
		return splitSizes(x, make([]int, chunks), dim)
	}
	return Split(x, (n+chunks-1)/chunks, dim)
}

// Pad pads x as PyTorch's F.pad(x, pads, mode, value): pads are the pads
// before and after the last axis, then those of the axis before it, and so
// on; mode is PadConstant (filling with value; negative pads crop),
// PadReflect or PadReplicate (which ignore value). See ops.Pad, which also
// says where it reaches beyond PyTorch: reflection and replication of any
// number of axes.
func Pad[T tensor.Float](x *autograd.Var[T], pads []int, mode PadMode, value T) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Pad[T]{Pads: pads, Mode: mode, Value: value}, x)
}

// Squeeze removes axes of size 1 from x, as PyTorch's x.squeeze(dims): the
// given dims (counting from the end when negative), or every axis of size
// 1 when none is given. A given axis whose size is not 1 is kept, as in
// PyTorch. A 0-d x takes dim 0 or −1 and stays 0-d. It is a Reshape.
//
// It panics if a dim is out of range or given twice.
func Squeeze[T tensor.Float](x *autograd.Var[T], dims ...int) *autograd.Var[T] {
	shape := x.Shape()
	drop := make([]bool, len(shape))
	if len(dims) == 0 {
		for a, d := range shape {
			drop[a] = d == 1
		}
	}
	seen := make(map[int]bool, len(dims))
	for _, dim := range dims {
		a := checkDim("Squeeze", dim, max(len(shape), 1), shape)
		if seen[a] {
			panic(fmt.Sprintf(errSqueezeTwice, dims, a, shape))
		}
		seen[a] = true
		if len(shape) > 0 {
			drop[a] = shape[a] == 1
		}
	}
	out := make([]int, 0, len(shape))
	for a, d := range shape {
		if !drop[a] {
			out = append(out, d)
		}
	}
	return reshapeTo(x, out)
}

// reshapeTo is Reshape, or x itself when it has the shape already.
func reshapeTo[T tensor.Float](x *autograd.Var[T], shape []int) *autograd.Var[T] {
	if tensor.EqualShapes(x.Shape(), shape) {
		return x
	}
	return Reshape(x, shape...)
}

// Unsqueeze inserts an axis of size 1 at dim, as PyTorch's
// x.unsqueeze(dim): dim is an axis of the output, from −(r+1) to r for x of
// rank r, counting from the end when negative. It is a Reshape.
//
// It panics if dim is out of range.
func Unsqueeze[T tensor.Float](x *autograd.Var[T], dim int) *autograd.Var[T] {
	shape := x.Shape()
	a := checkDim("Unsqueeze", dim, len(shape)+1, shape)
	return Reshape(x, slices.Insert(slices.Clone(shape), a, 1)...)
}

// Flatten merges axes startDim to endDim of x (both included, counting
// from the end when negative) into one, as PyTorch's x.flatten(start_dim,
// end_dim); Flatten(x, 0, -1) is the 1-d x, and a 0-d x becomes 1-d. It is
// a Reshape, and x itself when startDim and endDim are the same axis.
//
// It panics if a dim is out of range or startDim comes after endDim.
func Flatten[T tensor.Float](x *autograd.Var[T], startDim, endDim int) *autograd.Var[T] {
	shape := x.Shape()
	rank := max(len(shape), 1)
	s := checkDim("Flatten", startDim, rank, shape)
	e := checkDim("Flatten", endDim, rank, shape)
	if s > e {
		panic(fmt.Sprintf(errFlattenOrder, startDim, endDim, shape))
	}
	if len(shape) == 0 {
		return Reshape(x, 1)
	}
	out := slices.Clone(shape[:s])
	out = append(out, tensor.NumElems(shape[s:e+1]))
	out = append(out, shape[e+1:]...)
	return reshapeTo(x, out)
}

// Unflatten splits axis dim of x into axes of the given sizes, as
// PyTorch's x.unflatten(dim, sizes): one size may be −1, inferred from the
// others, and their product must be the axis's size. It is a Reshape.
//
// It panics if x is 0-d, if dim is out of range, if sizes is empty, has
// more than one −1 or another negative size, or does not multiply up to
// the axis's size.
func Unflatten[T tensor.Float](x *autograd.Var[T], dim int, sizes ...int) *autograd.Var[T] {
	shape := x.Shape()
	if len(shape) == 0 {
		panic(fmt.Sprintf(errUnflatten0D, shape))
	}
	a := checkDim("Unflatten", dim, len(shape), shape)
	if len(sizes) == 0 {
		panic(fmt.Sprintf(errUnflattenEmpty, a, shape))
	}
	inner, err := tensor.ReshapeShape([]int{shape[a]}, sizes)
	if err != nil {
		panic(fmt.Sprintf(errUnflattenSizes, sizes, a, shape[a], shape))
	}
	out := slices.Concat(shape[:a], inner, shape[a+1:])
	return Reshape(x, out...)
}
