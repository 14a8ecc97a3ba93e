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
			// A copy in the message, so that shape does not escape: the
			// variadic shapes of New and Arena.NewUninit stay on the
			// caller's stack.
			panic(fmt.Sprintf(errNegativeDim, slices.Clone(shape)))
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

// A ShapeError is the error of the shape-inference functions ReshapeShape,
// MatMulShape, BroadcastShapes, CheckAxis and CheckAxes. Its message, which
// starts with "tensor:", is what tensor's own functions panic with; Reason is
// the cause alone, for a caller that panics with a message of its own:
//
//	ops: Reshape: cannot reshape [2 3] into [-1 -1]: at most one dimension may be -1
type ShapeError struct {
	Reason string // why the shapes do not fit, e.g. "inner dimensions 3 and 4 differ"
	msg    string
}

func (e *ShapeError) Error() string { return e.msg }

// shapeError returns a ShapeError with the given reason and message.
func shapeError(reason, format string, args ...any) *ShapeError {
	return &ShapeError{Reason: reason, msg: fmt.Sprintf(format, args...)}
}

// CheckAxis returns axis as an index into a shape of rank dims, counting a
// negative axis from the end (-1 is the last axis), or an error if the axis
// is out of range, that is outside −dims … dims−1.
func CheckAxis(axis, dims int) (int, error) {
	if axis < -dims || axis >= dims {
		why := fmt.Sprintf(errAxisWhy, axis, dims)
		return 0, shapeError(why, "tensor: %s", why)
	}
	if axis < 0 {
		axis += dims
	}
	return axis, nil
}

// NormAxis is CheckAxis that panics, with the error's message, on an
// out-of-range axis.
func NormAxis(axis, dims int) int {
	a, err := CheckAxis(axis, dims)
	if err != nil {
		panic(err.Error())
	}
	return a
}

// CheckAxes returns the given axes of a shape of rank dims normalized as
// CheckAxis does and sorted ascending; no axes means every axis. It returns
// an error if an axis is out of range or given twice (as 1 and −1 of a
// matrix are).
func CheckAxes(axes []int, dims int) ([]int, error) {
	n := len(axes)
	if n == 0 {
		n = dims
	}
	return checkAxes(make([]int, 0, n), axes, dims)
}

// checkAxes is CheckAxes appending the axes to out[:0], so that a caller
// can keep them on its stack.
func checkAxes(out, axes []int, dims int) ([]int, error) {
	out = out[:0]
	if len(axes) == 0 {
		for i := range dims {
			out = append(out, i)
		}
		return out, nil
	}
	for _, a := range axes {
		a, err := CheckAxis(a, dims)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	slices.Sort(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			why := fmt.Sprintf(errDupAxisWhy, out[i])
			return nil, shapeError(why, "tensor: %s", why)
		}
	}
	return out, nil
}

// normAxesInto is checkAxes that panics with the error's message; out may
// be nil.
func normAxesInto(out, axes []int, dims int) []int {
	out, err := checkAxes(out, axes, dims)
	if err != nil {
		panic(err.Error())
	}
	return out
}

// ReshapeShape returns the shape that reshaping a tensor of shape from into
// shape gives: shape itself, with its one −1, if any, replaced by the size
// that makes the element counts equal. It returns an error if shape has
// more than one −1 or another negative dimension, if from has a negative
// dimension, or if no such size exists: the counts differ, the count of from
// is not a multiple of the product of shape's other dimensions, or that
// product is 0 (the −1 is then ambiguous or cannot be met).
func ReshapeShape(from, shape []int) ([]int, error) {
	return reshapeInto(make([]int, 0, len(shape)), from, shape)
}

// reshapeInto is ReshapeShape appending the shape to out[:0], so that a
// caller can keep it on its stack.
func reshapeInto(out, from, shape []int) ([]int, error) {
	for _, d := range from {
		if d < 0 {
			why := fmt.Sprintf(errReshapeFromNeg, slices.Clone(from))
			return nil, shapeError(why, "tensor: %s", why)
		}
	}
	n := numel(from)
	fail := func(why string) ([]int, error) {
		// Copies here and above, so that from and shape stay on their
		// callers' stacks.
		return nil, shapeError(why, errReshapeWhat, slices.Clone(from), n, slices.Clone(shape), why)
	}
	out = append(out[:0], shape...)
	infer := -1
	known := 1
	for i, d := range out {
		switch {
		case d == -1 && infer >= 0:
			return fail(errReshapeTwoInfer)
		case d == -1:
			infer = i
		case d < 0:
			return fail(fmt.Sprintf(errReshapeNegDim, d))
		default:
			known *= d
		}
	}
	switch {
	case infer < 0 && known != n:
		return fail(fmt.Sprintf(errReshapeCount, n, known))
	case infer < 0:
	case known == 0 && n == 0:
		return fail(errReshapeZero)
	case known == 0:
		return fail(fmt.Sprintf(errReshapeZeroN, slices.Clone(shape)))
	case n%known != 0:
		return fail(fmt.Sprintf(errReshapeMultiple, n, known))
	default:
		out[infer] = n / known
	}
	return out, nil
}

// CheckReshape returns ReshapeShape(from, shape)'s error, nil when a tensor
// of shape from can be reshaped into shape, without building the shape when
// it can.
func CheckReshape(from, shape []int) error {
	var buf [planRank]int
	_, err := reshapeInto(buf[:0], from, shape)
	return err
}

// inferInto is reshapeInto that panics with the error's message.
func inferInto(out, from, shape []int) []int {
	out, err := reshapeInto(out, from, shape)
	if err != nil {
		panic(err.Error())
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
	return AppendReducedShape(make([]int, 0, len(shape)), shape, keepDims, axes...)
}

// AppendReducedShape appends ReducedShape(shape, keepDims, axes...) to dst
// and returns the extended slice, so that a caller can keep the shape in an
// array on its stack.
func AppendReducedShape(dst, shape []int, keepDims bool, axes ...int) []int {
	var ab [planRank]int
	ax := normAxesInto(ab[:0], axes, len(shape))
	return reducedInto(dst, shape, keepDims, ax)
}

// reducedInto is ReducedShape appending the shape to out, with the axes
// ax already normalized and sorted (normAxes).
func reducedInto(out, shape []int, keepDims bool, ax []int) []int {
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
