package tensor

import (
	"fmt"

	"github.com/tapegrad/tapegrad/internal/parallel"
)

// Sum returns the sum of t's elements over the given axes; no axes means every
// axis. With keepDims the reduced axes stay with size 1, which keeps the
// result broadcastable against t; without, they are removed (summing every
// axis then gives a scalar of shape ()). Negative axes count from the end.
func Sum[T Float](t *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	return heap[T]().Sum(t, keepDims, axes...)
}

// Sum is the package-level Sum with the result's storage from the arena.
func (ar *Arena[T]) Sum(t *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	ax := normAxes(axes, len(t.shape))
	out := t
	// Adjacent axes are reduced in one pass; groups go from the last inward so
	// that the axis numbers of the remaining groups stay valid.
	for end := len(ax); end > 0; {
		start := end - 1
		for start > 0 && ax[start-1] == ax[start]-1 {
			start--
		}
		out = ar.sumAxes(out, ax[start], ax[end-1]+1)
		end = start
	}
	if out == t {
		out = ar.Clone(t)
	}
	return out.Reshape(ReducedShape(t.shape, keepDims, axes...)...)
}

// Mean returns the arithmetic mean of t's elements over the given axes, with
// the same axis rules as Sum. The mean of no elements is NaN.
func Mean[T Float](t *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	return heap[T]().Mean(t, keepDims, axes...)
}

// Mean is the package-level Mean with the result's storage from the arena.
func (ar *Arena[T]) Mean(t *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	s := ar.Sum(t, keepDims, axes...)
	n := 1
	for _, a := range normAxes(axes, len(t.shape)) {
		n *= t.shape[a]
	}
	for i := range s.data {
		s.data[i] /= T(n)
	}
	return s
}

// sumAxes sums t over the contiguous range of axes [from, to), keeping them
// with size 1.
func (ar *Arena[T]) sumAxes(t *Tensor[T], from, to int) *Tensor[T] {
	outer, n, inner := split3(t.shape, from, to)
	shape := cloneInts(t.shape)
	for i := from; i < to; i++ {
		shape[i] = 1
	}
	dst := ar.New(shape...)
	src := t.data
	if inner == 1 {
		parallel.Chunks(outer, max(parallel.Grain/max(n, 1), 1), func(lo, hi int) {
			for o := lo; o < hi; o++ {
				dst.data[o] = SumSlice(src[o*n : (o+1)*n])
			}
		})
		return dst
	}
	// Sum rows of inner values into dst, in row order for every element, so
	// that splitting the work — over outer blocks, or over columns when there
	// are few blocks — does not change the result.
	sumRows := func(o, jlo, jhi int) {
		d := dst.data[o*inner+jlo : o*inner+jhi]
		base := o * n * inner
		copy(d, src[base+jlo:base+jhi])
		for i := 1; i < n; i++ {
			row := src[base+i*inner+jlo : base+i*inner+jhi]
			for j := range d {
				d[j] += row[j]
			}
		}
	}
	if n == 0 {
		return dst
	}
	if outer > 1 {
		parallel.Chunks(outer, max(parallel.Grain/(n*inner), 1), func(lo, hi int) {
			for o := lo; o < hi; o++ {
				sumRows(o, 0, inner)
			}
		})
		return dst
	}
	parallel.Chunks(inner, max(parallel.Grain/n, 1), func(lo, hi int) { sumRows(0, lo, hi) })
	return dst
}

// split3 views shape as (outer, n, inner) around the axes [from, to).
func split3(shape []int, from, to int) (outer, n, inner int) {
	return numel(shape[:from]), numel(shape[from:to]), numel(shape[to:])
}

// SumSlice returns the sum of x by pairwise summation, as NumPy does: slices
// longer than sumBlock are split in halves summed recursively, and each block
// is accumulated in four interleaved partial sums. The rounding error grows
// with the logarithm of len(x) rather than with len(x), at the speed of a
// plain loop; the partition depends only on len(x), so the result is the same
// on every run.
func SumSlice[T Float](x []T) T {
	if len(x) > sumBlock {
		h := len(x) / 2
		h -= h % 4
		return SumSlice(x[:h]) + SumSlice(x[h:])
	}
	var s0, s1, s2, s3 T
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i]
		s1 += x[i+1]
		s2 += x[i+2]
		s3 += x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// sumBlock is the longest slice SumSlice adds up without splitting it.
const sumBlock = 128

// Max returns the largest element of t along axis. With keepDims the axis
// stays with size 1. NaN propagates: a slice containing NaN has maximum NaN.
// Max panics if the axis has size 0.
func Max[T Float](t *Tensor[T], axis int, keepDims bool) *Tensor[T] {
	m, _ := MaxWithIndex(t, axis, keepDims)
	return m
}

// Max is the package-level Max with the result's storage from the arena.
func (ar *Arena[T]) Max(t *Tensor[T], axis int, keepDims bool) *Tensor[T] {
	m, _ := ar.MaxWithIndex(t, axis, keepDims)
	return m
}

// ArgMax returns, for every position of the other axes in row-major order,
// the index along axis of the largest element of t; ties go to the first.
func ArgMax[T Float](t *Tensor[T], axis int) []int {
	_, idx := MaxWithIndex(t, axis, false)
	return idx
}

// MaxWithIndex returns Max(t, axis, keepDims) together with the index along
// axis at which each maximum was found (the first, on ties), laid out like the
// result's elements.
func MaxWithIndex[T Float](t *Tensor[T], axis int, keepDims bool) (*Tensor[T], []int) {
	return heap[T]().MaxWithIndex(t, axis, keepDims)
}

// MaxWithIndex is the package-level MaxWithIndex with the maxima's storage
// from the arena.
func (ar *Arena[T]) MaxWithIndex(t *Tensor[T], axis int, keepDims bool) (*Tensor[T], []int) {
	axis = NormAxis(axis, len(t.shape))
	outer, n, inner := split3(t.shape, axis, axis+1)
	if n == 0 {
		panic(fmt.Sprintf(errEmptyAxis, "Max", axis, t.shape))
	}
	dst := ar.NewUninit(ReducedShape(t.shape, keepDims, axis)...)
	idx := make([]int, outer*inner)
	src, d := t.data, dst.data
	for o := range outer {
		base := o * n * inner
		best, at := d[o*inner:(o+1)*inner], idx[o*inner:(o+1)*inner]
		copy(best, src[base:base+inner])
		for i := 1; i < n; i++ {
			row := src[base+i*inner : base+(i+1)*inner]
			for j, v := range row {
				if b := best[j]; v > b || (v != v && b == b) {
					best[j], at[j] = v, i
				}
			}
		}
	}
	return dst, idx
}
