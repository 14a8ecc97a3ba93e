package tensor

import (
	"fmt"
	"slices"
)

// EqualShapes reports whether two shapes are equal.
func EqualShapes(a, b []int) bool { return slices.Equal(a, b) }

// NumElems returns the number of elements a tensor of the given shape holds:
// the product of its dimensions, 1 for the scalar shape (). It panics on a
// negative dimension.
func NumElems(shape []int) int { return numel(shape) }

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf(errNegativeDim, shape))
		}
		n *= d
	}
	return n
}

func cloneInts(s []int) []int {
	if s == nil {
		return []int{}
	}
	return slices.Clone(s)
}

// NormAxis returns axis as an index into a shape of rank dims, counting a
// negative axis from the end (-1 is the last axis). It panics if the axis is
// out of range.
func NormAxis(axis, dims int) int {
	if axis < -dims || axis >= dims {
		panic(fmt.Sprintf(errAxis, axis, dims))
	}
	if axis < 0 {
		axis += dims
	}
	return axis
}

// normAxes returns the given axes normalized and sorted ascending; no axes
// means every axis. It panics on an out-of-range or repeated axis.
func normAxes(axes []int, dims int) []int {
	if len(axes) == 0 {
		out := make([]int, dims)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, len(axes))
	for i, a := range axes {
		out[i] = NormAxis(a, dims)
	}
	slices.Sort(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			panic(fmt.Sprintf(errDupAxis, out[i]))
		}
	}
	return out
}

// inferShape resolves a -1 in shape against the element count of from.
func inferShape(from, shape []int) []int {
	n := numel(from)
	out := cloneInts(shape)
	infer := -1
	known := 1
	for i, d := range out {
		switch {
		case d == -1 && infer >= 0:
			panic(fmt.Sprintf(errReshapeInfer, shape))
		case d == -1:
			infer = i
		case d < 0:
			panic(fmt.Sprintf(errNegativeDim, shape))
		default:
			known *= d
		}
	}
	if infer >= 0 && known > 0 && n%known == 0 {
		out[infer] = n / known
		known = n
	}
	if known != n || (infer >= 0 && out[infer] < 0) {
		panic(fmt.Sprintf(errReshape, from, n, shape))
	}
	return out
}

// stridesOf returns the row-major strides of a contiguous tensor of the given
// shape, in elements.
func stridesOf(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// ReducedShape returns the shape that reducing the given axes of shape leaves:
// with keepDims the reduced axes stay with size 1, without they are removed.
// No axes means every axis.
func ReducedShape(shape []int, keepDims bool, axes ...int) []int {
	ax := normAxes(axes, len(shape))
	out := make([]int, 0, len(shape))
	for i, d := range shape {
		if _, found := slices.BinarySearch(ax, i); found {
			if keepDims {
				out = append(out, 1)
			}
			continue
		}
		out = append(out, d)
	}
	return out
}
