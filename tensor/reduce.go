package tensor

import (
	"fmt"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
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
	var ab, sb [planRank]int // on the stack up to planRank axes
	ax := normAxesInto(ab[:0], axes, len(t.shape))
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
	return ar.Reshape(out, reducedInto(sb[:0], t.shape, keepDims, ax)...)
}

// Mean returns the arithmetic mean of t's elements over the given axes, with
// the same axis rules as Sum. The mean of no elements is NaN.
func Mean[T Float](t *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	return heap[T]().Mean(t, keepDims, axes...)
}

// Mean is the package-level Mean with the result's storage from the arena.
func (ar *Arena[T]) Mean(t *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	s := ar.Sum(t, keepDims, axes...)
	n := len(t.data) / max(len(s.data), 1) // the values each sum took
	for i := range s.data {
		s.data[i] /= T(n)
	}
	return s
}

// sumAxes sums t over the contiguous range of axes [from, to), keeping them
// with size 1.
func (ar *Arena[T]) sumAxes(t *Tensor[T], from, to int) *Tensor[T] {
	outer, n, inner := split3(t.shape, from, to)
	var sb [planRank]int // NewUninit copies the shape if it keeps it
	shape := append(sb[:0], t.shape...)
	for i := from; i < to; i++ {
		shape[i] = 1
	}
	dst := ar.New(shape...)
	src := t.data
	// Each branch runs its loop alone, without the closure it would hand
	// to parallel.Chunks (which escapes), when Chunks would not split it.
	if inner == 1 {
		// Rows of n values, summed four at a time (sumSlices4), the last
		// ones alone: the same bits either way.
		grain := max(parallel.Grain/max(n, 1), 1)
		if parallel.Serial(outer, grain) {
			sumRowsOf(dst.data, src, 0, outer, n)
			return dst
		}
		parallel.Chunks(outer, grain, func(lo, hi int) { sumRowsOf(dst.data, src, lo, hi, n) })
		return dst
	}
	// Sum rows of inner values into dst, in row order for every element, so
	// that splitting the work — over outer blocks, or over columns when there
	// are few blocks — does not change the result.
	if n == 0 || outer == 0 || inner == 0 { // nothing to sum, or nothing to sum into
		return dst
	}
	if outer > 1 {
		grain := max(parallel.Grain/(n*inner), 1)
		if parallel.Serial(outer, grain) {
			for o := range outer {
				sumColumns(dst.data, src, o, n, inner, 0, inner)
			}
			return dst
		}
		parallel.Chunks(outer, grain, func(lo, hi int) {
			for o := lo; o < hi; o++ {
				sumColumns(dst.data, src, o, n, inner, 0, inner)
			}
		})
		return dst
	}
	grain := max(parallel.Grain/n, 1)
	if parallel.Serial(inner, grain) {
		sumColumns(dst.data, src, 0, n, inner, 0, inner)
		return dst
	}
	parallel.Chunks(inner, grain, func(lo, hi int) { sumColumns(dst.data, src, 0, n, inner, lo, hi) })
	return dst
}

// sumRowsOf sets dst[o] to the sum of row o of src, rows of n values, for
// o in [lo, hi): four rows at a time (sumSlices4), the last ones alone, with
// the same bits either way.
func sumRowsOf[T Float](dst, src []T, lo, hi, n int) {
	o := lo
	for ; o+4 <= hi && n > 0; o += 4 {
		s := sumSlices4(src[o*n:], n, n)
		copy(dst[o:o+4], s[:])
	}
	for ; o < hi; o++ {
		dst[o] = SumSlice(src[o*n : (o+1)*n])
	}
}

// sumColumns sets columns [jlo, jhi) of block o of dst, blocks of inner
// values, to the sums of the n rows of block o of src, adding the rows in
// order, so that how the work is split does not change the result.
func sumColumns[T Float](dst, src []T, o, n, inner, jlo, jhi int) {
	d := dst[o*inner+jlo : o*inner+jhi]
	base := o * n * inner
	copy(d, src[base+jlo:base+jhi])
	for i := 1; i < n; i++ {
		vec.Binary(vec.OpAdd, d, d, src[base+i*inner+jlo:base+i*inner+jhi])
	}
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

// sumSlices4 returns SumSlice of the four slices x[r·stride:][:n], r < 4,
// with SumSlice's bits: the same halving, and the same four partial sums at
// each leaf, the leaves' inner loop running on the four slices at once
// (vec.SumQuad), which keeps four independent chains of additions busy.
func sumSlices4[T Float](x []T, stride, n int) [4]T {
	if n > sumBlock {
		h := n / 2
		h -= h % 4
		a, b := sumSlices4(x, stride, h), sumSlices4(x[h:], stride, n-h)
		for r := range a {
			a[r] += b[r]
		}
		return a
	}
	var p [16]T
	vec.SumQuad(&p, x, stride, n)
	var out [4]T
	for r := range out {
		s := p[4*r : 4*r+4]
		for _, v := range x[r*stride+n-n%4 : r*stride+n] {
			s[0] += v
		}
		out[r] = (s[0] + s[1]) + (s[2] + s[3])
	}
	return out
}

// sumBlock is the longest slice SumSlice adds up without splitting it.
const sumBlock = 128

// Max returns the largest element of t along axis. With keepDims the axis
// stays with size 1. NaN propagates: a slice containing NaN has maximum NaN.
// Max panics if the axis is out of range or has size 0.
func Max[T Float](t *Tensor[T], axis int, keepDims bool) *Tensor[T] {
	return heap[T]().Max(t, axis, keepDims)
}

// Max is the package-level Max with the result's storage from the arena.
func (ar *Arena[T]) Max(t *Tensor[T], axis int, keepDims bool) *Tensor[T] {
	m, _ := ar.pickAlong(t, axis, keepDims, "Max", false, false)
	return m
}

// Min returns the smallest element of t along axis, with the rules of Max:
// NaN propagates, and Min panics if the axis is out of range or has size 0.
func Min[T Float](t *Tensor[T], axis int, keepDims bool) *Tensor[T] {
	return heap[T]().Min(t, axis, keepDims)
}

// Min is the package-level Min with the result's storage from the arena.
func (ar *Arena[T]) Min(t *Tensor[T], axis int, keepDims bool) *Tensor[T] {
	m, _ := ar.pickAlong(t, axis, keepDims, "Min", true, false)
	return m
}

// ArgMax returns, for every position of the other axes in row-major order,
// the index along axis of the largest element of t: the first on ties, the
// first NaN if there is one (NaN counts as the maximum), as PyTorch's argmax.
// The indices are laid out as the elements of ReducedShape(t.Shape(),
// keepDims, axis), whichever keepDims. It panics if the axis is out of range
// or has size 0.
func ArgMax[T Float](t *Tensor[T], axis int) []int {
	_, idx := MaxWithIndex(t, axis, false)
	return idx
}

// ArgMin is ArgMax for the smallest element; NaN counts as the minimum.
func ArgMin[T Float](t *Tensor[T], axis int) []int {
	_, idx := MinWithIndex(t, axis, false)
	return idx
}

// ArgMaxFlat returns the index in t.Data() (row-major, the flattened tensor)
// of the largest element of t, by ArgMax's rules: the first on ties, the
// first NaN if there is one. It panics if t has no elements.
func ArgMaxFlat[T Float](t *Tensor[T]) int { return argFlat(t, "ArgMaxFlat", false) }

// ArgMinFlat is ArgMaxFlat for the smallest element.
func ArgMinFlat[T Float](t *Tensor[T]) int { return argFlat(t, "ArgMinFlat", true) }

func argFlat[T Float](t *Tensor[T], name string, min bool) int {
	if len(t.data) == 0 {
		panic(fmt.Sprintf(errEmptyReduce, name, t.shape))
	}
	return argSlice(t.data, min)
}

// ArgMaxSlice returns the index of the largest element of x by ArgMax's
// rules (the first on ties, the first NaN if there is one), or 0 for an
// empty x: ArgMaxFlat for a slice, such as a row of a matrix, without a
// tensor around it.
func ArgMaxSlice[T Float](x []T) int { return argSlice(x, false) }

// argSlice is ArgMaxSlice, or its ArgMin twin when min.
func argSlice[T Float](x []T, min bool) int {
	at := 0
	for i, v := range x {
		if beats(v, x[at], min) {
			at = i
		}
	}
	return at
}

// beats reports whether v replaces b as the running maximum (minimum when
// min): it is larger (smaller), or NaN where b is not, so that the first NaN
// wins and stays.
func beats[T Float](v, b T, min bool) bool {
	if min {
		return v < b || (v != v && b == b)
	}
	return v > b || (v != v && b == b)
}

// MaxWithIndex returns Max(t, axis, keepDims) together with the index along
// axis at which each maximum was found (the first, on ties; the first NaN,
// if any), laid out like the result's elements: torch.max(t, axis).
func MaxWithIndex[T Float](t *Tensor[T], axis int, keepDims bool) (*Tensor[T], []int) {
	return heap[T]().MaxWithIndex(t, axis, keepDims)
}

// MaxWithIndex is the package-level MaxWithIndex with the maxima's storage
// from the arena.
func (ar *Arena[T]) MaxWithIndex(t *Tensor[T], axis int, keepDims bool) (*Tensor[T], []int) {
	return ar.pickAlong(t, axis, keepDims, "Max", false, true)
}

// MinWithIndex is MaxWithIndex for the minima: torch.min(t, axis).
func MinWithIndex[T Float](t *Tensor[T], axis int, keepDims bool) (*Tensor[T], []int) {
	return heap[T]().MinWithIndex(t, axis, keepDims)
}

// MinWithIndex is the package-level MinWithIndex with the minima's storage
// from the arena.
func (ar *Arena[T]) MinWithIndex(t *Tensor[T], axis int, keepDims bool) (*Tensor[T], []int) {
	return ar.pickAlong(t, axis, keepDims, "Min", true, true)
}

// pickAlong finds the maximum (minimum when min) along axis and, withIdx,
// its index, walking the axis row by row so that the inner positions are
// read in order; the outer blocks are split among goroutines.
func (ar *Arena[T]) pickAlong(t *Tensor[T], axis int, keepDims bool, name string, min, withIdx bool) (*Tensor[T], []int) {
	axis = NormAxis(axis, len(t.shape))
	outer, n, inner := split3(t.shape, axis, axis+1)
	if n == 0 {
		panic(fmt.Sprintf(errEmptyAxis, name, axis, t.shape))
	}
	dst := ar.NewUninit(ReducedShape(t.shape, keepDims, axis)...)
	var idx []int
	if withIdx {
		idx = make([]int, outer*inner)
	}
	src, d := t.data, dst.data
	if inner == 1 { // the last axis (a row of logits): one contiguous run per output
		parallel.Chunks(outer, max(parallel.Grain/n, 1), func(lo, hi int) {
			for o := lo; o < hi; o++ {
				row := src[o*n : (o+1)*n]
				best, at := row[0], 0
				for i, v := range row {
					if beats(v, best, min) {
						best, at = v, i
					}
				}
				d[o] = best
				if withIdx {
					idx[o] = at
				}
			}
		})
		return dst, idx
	}
	parallel.Chunks(outer, max(parallel.Grain/max(n*inner, 1), 1), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			base := o * n * inner
			best := d[o*inner : (o+1)*inner]
			var at []int
			if withIdx {
				at = idx[o*inner : (o+1)*inner]
				clear(at)
			}
			copy(best, src[base:base+inner])
			for i := 1; i < n; i++ {
				row := src[base+i*inner : base+(i+1)*inner]
				for j, v := range row {
					if beats(v, best[j], min) {
						best[j] = v
						if at != nil {
							at[j] = i
						}
					}
				}
			}
		}
	})
	return dst, idx
}

// Reduction lays out a reduction of some axes of a shape as groups of input
// offsets: output element o, in row-major order of the reduced shape, gathers
// the input elements at offsets Base[o] + Offs[i], for i in [0, len(Offs)),
// which are the positions of the reduced axes in row-major order. The groups
// are disjoint and cover the input, so a kernel that handles each group on
// its own can split the groups among goroutines without changing a result.
type Reduction struct {
	Base []int // one offset per output element
	Offs []int // one offset per reduced element, relative to Base[o]
}

// NewReduction returns the layout of reducing the given axes of shape (no
// axes means every axis; negative axes count from the end). It panics on an
// axis out of range or given twice.
func NewReduction(shape []int, axes ...int) Reduction {
	ax := normAxesInto(nil, axes, len(shape))
	strides := stridesOf(shape)
	var keptDims, keptStrides, redDims, redStrides []int
	for i, d := range shape {
		if _, found := slices.BinarySearch(ax, i); found {
			redDims, redStrides = append(redDims, d), append(redStrides, strides[i])
		} else {
			keptDims, keptStrides = append(keptDims, d), append(keptStrides, strides[i])
		}
	}
	return Reduction{Base: offsets(keptDims, keptStrides), Offs: offsets(redDims, redStrides)}
}

// offsets returns the offsets k₀·s₀ + k₁·s₁ + … of every index (k₀, k₁, …)
// of dims, in row-major order.
func offsets(dims, strides []int) []int {
	out := make([]int, 1, max(numel(dims), 1))
	for i, d := range dims {
		next := make([]int, 0, len(out)*d)
		for _, p := range out {
			for k := range d {
				next = append(next, p+k*strides[i])
			}
		}
		out = next
	}
	return out
}

// checkReducedNonEmpty panics, naming the function, if one of the given axes
// of shape (every axis when none) has size 0: the maximum of no elements is
// undefined.
func checkReducedNonEmpty(name string, shape, axes []int) {
	var ab [planRank]int
	for _, a := range normAxesInto(ab[:0], axes, len(shape)) {
		if shape[a] == 0 {
			panic(fmt.Sprintf(errEmptyAxis, name, a, shape))
		}
	}
}

// MaxAxes returns the largest element of t over the given axes, as
// torch.amax: no axes means every axis, negative axes count from the end, and
// with keepDims the reduced axes stay with size 1. NaN propagates. It panics
// on an axis out of range or given twice, and if a reduced axis has size 0.
func MaxAxes[T Float](t *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	return heap[T]().MaxAxes(t, keepDims, axes...)
}

// MaxAxes is the package-level MaxAxes with the result's storage from the
// arena.
func (ar *Arena[T]) MaxAxes(t *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	return ar.extremeAxes(t, keepDims, axes, "MaxAxes", false)
}

// MinAxes is MaxAxes for the smallest element, as torch.amin.
func MinAxes[T Float](t *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	return heap[T]().MinAxes(t, keepDims, axes...)
}

// MinAxes is the package-level MinAxes with the result's storage from the
// arena.
func (ar *Arena[T]) MinAxes(t *Tensor[T], keepDims bool, axes ...int) *Tensor[T] {
	return ar.extremeAxes(t, keepDims, axes, "MinAxes", true)
}

func (ar *Arena[T]) extremeAxes(t *Tensor[T], keepDims bool, axes []int, name string, min bool) *Tensor[T] {
	shape := ReducedShape(t.shape, keepDims, axes...)
	checkReducedNonEmpty(name, t.shape, axes)
	r := NewReduction(t.shape, axes...)
	dst := ar.NewUninit(shape...)
	n := len(r.Offs)
	parallel.Chunks(len(r.Base), max(parallel.Grain/n, 1), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			src := t.data[r.Base[o]:]
			best := src[r.Offs[0]]
			for _, off := range r.Offs[1:] {
				if v := src[off]; beats(v, best, min) {
					best = v
				}
			}
			dst.data[o] = best
		}
	})
	return dst
}

// Var returns the variance of t's elements over the given axes, with the
// axis rules of Sum, and correction c (Bessel's correction is c = 1, the
// unbiased estimate; c = 0 is the population variance). With N the number
// of elements reduced into each output,
//
//	μ   = (1/N)·Σ x
//	var = Σ (x − μ)² / max(N − c, 0)
//
// as torch.var(t, axes, correction=c): N − c ≤ 0 gives +Inf, or NaN when the
// sum of squares is 0 (a single element with c = 1, or no elements). Sums
// run in float64 whatever T; the mean is refined by a second pass over the
// deviations, so that equal elements have a variance of exactly 0. It panics
// on an axis out of range or given twice.
func Var[T Float](t *Tensor[T], correction int, keepDims bool, axes ...int) *Tensor[T] {
	v, _ := heap[T]().VarMean(t, correction, keepDims, axes...)
	return v
}

// Std returns the standard deviation √Var(t, correction, keepDims, axes…),
// as torch.std, with Var's rules.
func Std[T Float](t *Tensor[T], correction int, keepDims bool, axes ...int) *Tensor[T] {
	v, _ := heap[T]().VarMean(t, correction, keepDims, axes...)
	for i, x := range v.data {
		v.data[i] = T(math.Sqrt(float64(x)))
	}
	return v
}

// VarMean returns Var(t, correction, keepDims, axes…) and the mean of the
// same elements, both of the reduced shape, as torch.var_mean.
func VarMean[T Float](t *Tensor[T], correction int, keepDims bool, axes ...int) (v, mean *Tensor[T]) {
	return heap[T]().VarMean(t, correction, keepDims, axes...)
}

// VarMean is the package-level VarMean with the results' storage from the
// arena.
func (ar *Arena[T]) VarMean(t *Tensor[T], correction int, keepDims bool, axes ...int) (v, mean *Tensor[T]) {
	shape := ReducedShape(t.shape, keepDims, axes...)
	r := NewReduction(t.shape, axes...)
	v, mean = ar.NewUninit(shape...), ar.NewUninit(shape...)
	n := len(r.Offs)
	dof := float64(max(n-correction, 0))
	parallel.Chunks(len(r.Base), max(parallel.Grain/max(3*n, 1), 1), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			src := t.data[r.Base[o]:]
			mu := gatherSum(src, r.Offs, 0, false) / float64(n)
			if !math.IsInf(mu, 0) { // Inf − Inf would turn an infinite mean into NaN
				mu += gatherSum(src, r.Offs, mu, false) / float64(n)
			}
			v.data[o] = T(gatherSum(src, r.Offs, mu, true) / dof)
			mean.data[o] = T(mu)
		}
	})
	return v, mean
}

// gatherSum returns Σ (x − c) (Σ (x − c)² when squared) over the elements
// src[off] for off in offs, in float64, by pairwise summation like
// SumSlice's.
func gatherSum[T Float](src []T, offs []int, c float64, squared bool) float64 {
	if len(offs) > sumBlock {
		h := len(offs) / 2
		return gatherSum(src, offs[:h], c, squared) + gatherSum(src, offs[h:], c, squared)
	}
	var s [4]float64
	for i, off := range offs {
		d := float64(src[off]) - c
		if squared {
			d *= d
		}
		s[i%4] += d
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}
