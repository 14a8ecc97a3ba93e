package ops

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// The indexing ops come in adjoint pairs, each the other's backward pass:
// IndexSelect ⇄ IndexAdd picks and adds whole slices along one dim at a
// list of indices, GatherAxis ⇄ ScatterAdd one element at a time at the
// positions of an index tensor. The indices are constants of every backward
// pass, so each pair closes under differentiation, to any order.

// IndexSelect picks slices of x along Dim at Index, as
// torch.index_select(x, dim, index): with x viewed as outer×n×inner around
// Dim and k = len(Index),
//
//	y[o, i, j]          = x[o, Index[i], j]                  outer×k×inner
//	dx[o, Index[i], j] += dy[o, i, j], 0 where no index      outer×n×inner
//
// An index may repeat: its gradients add up. Dim may be negative, counting
// from the end. A 0-d x takes Dim 0 (or −1) and the single index 0, and
// gives a 0-d y. The backward pass is IndexAdd into zeros, whose backward
// is IndexSelect again. It keeps the indices and x's shape.
//
// It panics unless it is given one input, with Dim in range, every index
// in [0, n) and, for a 0-d input, exactly one index.
type IndexSelect[T tensor.Float] struct {
	arena[T]
	Dim   int
	Index []int
	shape []int
}

func (*IndexSelect[T]) Name() string { return "IndexSelect" }

func (op *IndexSelect[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("IndexSelect", in, 1)
	x := in[0]
	op.shape = x.Shape()
	dim := checkDim("IndexSelect", op.Dim, x.Shape())
	n := sizeAlong(x.Shape(), dim)
	if x.NDim() == 0 && len(op.Index) != 1 {
		panic(fmt.Sprintf(errIndexScalar, "IndexSelect", x.Shape(), len(op.Index)))
	}
	checkIndices("IndexSelect", op.Index, op.Dim, n, x.Shape())
	op.Index = slices.Clone(op.Index) // the caller may reuse its buffer before backward
	y := op.ar.NewUninit(selectShape(x.Shape(), dim, len(op.Index))...)
	outer, inner := splitAt(x.Shape(), dim)
	indexSelect(y.Data(), x.Data(), outer, n, inner, op.Index)
	return y
}

func (op *IndexSelect[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.New(op.shape...)
	dim := tensor.NormAxis(op.Dim, max(len(op.shape), 1))
	outer, inner := splitAt(op.shape, dim)
	indexAdd(dx.Data(), dy.Data(), outer, sizeAlong(op.shape, dim), inner, op.Index)
	return []*tensor.Tensor[T]{dx}
}

func (*IndexSelect[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the indices.
func (op *IndexSelect[T]) ExtraSavedBytes() int { return len(op.Index) * strconv.IntSize / 8 }

// BackwardVar adds dy into zeros of x's shape with IndexAdd, IndexSelect's
// adjoint.
func (op *IndexSelect[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	zero := vConst(tensor.New[T](op.shape...))
	return []*v[T]{autograd.Apply[T](&IndexAdd[T]{Dim: op.Dim, Index: op.Index}, zero, dy)}
}

// IndexAdd adds the slices of source into self along Dim at Index, as
// torch.index_add(self, dim, index, source) (with alpha 1): with self viewed
// as outer×n×inner around Dim, source outer×k×inner and k = len(Index),
//
//	y                  = self, then y[o, Index[i], j] += source[o, i, j]
//	dself              = dy                                outer×n×inner
//	dsource[o, i, j]   = dy[o, Index[i], j]                outer×k×inner
//
// Indices may repeat: their sources add up, in the order of Index. Dim may
// be negative. A 0-d self takes Dim 0 (or −1), the one index 0 and a 0-d
// source. It is IndexSelect's adjoint: the backward pass with respect to
// source is IndexSelect, whose backward is IndexAdd again. It keeps the
// indices.
//
// It panics unless it is given two inputs (self, source), with Dim in
// range, every index in [0, n), one index for a 0-d self, and source of self's shape with Dim's size
// len(Index) (PyTorch 1.13 also takes some sources that broadcast to it).
type IndexAdd[T tensor.Float] struct {
	arena[T]
	Dim   int
	Index []int
}

func (*IndexAdd[T]) Name() string { return "IndexAdd" }

func (op *IndexAdd[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("IndexAdd", in, 2)
	self, src := in[0], in[1]
	dim := checkDim("IndexAdd", op.Dim, self.Shape())
	n := sizeAlong(self.Shape(), dim)
	if self.NDim() == 0 && len(op.Index) != 1 {
		panic(fmt.Sprintf(errIndexScalar, "IndexAdd", self.Shape(), len(op.Index)))
	}
	want := selectShape(self.Shape(), dim, len(op.Index))
	if !tensor.EqualShapes(src.Shape(), want) {
		panic(fmt.Sprintf(errIndexAddSource, src.Shape(), self.Shape(), len(op.Index), op.Dim, want))
	}
	checkIndices("IndexAdd", op.Index, op.Dim, n, self.Shape())
	op.Index = slices.Clone(op.Index)
	y := op.ar.Clone(self)
	outer, inner := splitAt(self.Shape(), dim)
	indexAdd(y.Data(), src.Data(), outer, n, inner, op.Index)
	return y
}

func (op *IndexAdd[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := make([]*tensor.Tensor[T], 2)
	g[0] = pick(needs[0], dy)
	if needs[1] {
		shape := dy.Shape()
		dim := tensor.NormAxis(op.Dim, max(len(shape), 1))
		g[1] = op.ar.NewUninit(selectShape(shape, dim, len(op.Index))...)
		outer, inner := splitAt(shape, dim)
		indexSelect(g[1].Data(), dy.Data(), outer, sizeAlong(shape, dim), inner, op.Index)
	}
	return g
}

func (*IndexAdd[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the indices.
func (op *IndexAdd[T]) ExtraSavedBytes() int { return len(op.Index) * strconv.IntSize / 8 }

// BackwardVar passes dy to self and picks its slices for source with
// IndexSelect.
func (op *IndexAdd[T]) BackwardVar(_ []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	g := make([]*v[T], 2)
	g[0] = pickVar(needs[0], dy)
	if needs[1] {
		g[1] = autograd.Apply[T](&IndexSelect[T]{Dim: op.Dim, Index: op.Index}, dy)
	}
	return g
}

// checkDim returns dim normalized for shape, where a 0-d shape takes dim 0
// or −1 as PyTorch's indexing functions do, or panics naming the op.
func checkDim(name string, dim int, shape []int) int {
	d, err := tensor.CheckAxis(dim, max(len(shape), 1))
	if err != nil {
		panic(fmt.Sprintf(errIndexDim, name, dim, shape))
	}
	return d
}

// sizeAlong is the size of shape along dim: 1 for a 0-d shape.
func sizeAlong(shape []int, dim int) int {
	if len(shape) == 0 {
		return 1
	}
	return shape[dim]
}

// splitAt returns the number of elements before and after dim of shape
// (1 and 1 for a 0-d shape).
func splitAt(shape []int, dim int) (outer, inner int) {
	if len(shape) == 0 {
		return 1, 1
	}
	return tensor.NumElems(shape[:dim]), tensor.NumElems(shape[dim+1:])
}

// selectShape is shape with dim's size k (a 0-d shape stays 0-d).
func selectShape(shape []int, dim, k int) []int {
	out := slices.Clone(shape)
	if len(out) > 0 {
		out[dim] = k
	}
	return out
}

// checkIndices panics, naming the op, unless every index is in [0, n).
func checkIndices(name string, index []int, dim, n int, shape []int) {
	for i, k := range index {
		if k < 0 || k >= n {
			panic(fmt.Sprintf(errIndexRange, name, k, i, dim, n, shape))
		}
	}
}

// indexSelect writes y[o, i, j] = x[o, index[i], j] for x outer×n×inner.
func indexSelect[T tensor.Float](y, x []T, outer, n, inner int, index []int) {
	k := len(index)
	for o := range outer {
		for i, s := range index {
			copy(y[(o*k+i)*inner:(o*k+i+1)*inner], x[(o*n+s)*inner:(o*n+s+1)*inner])
		}
	}
}

// indexAdd adds src[o, i, j] into y[o, index[i], j] for y outer×n×inner,
// in the order of index.
func indexAdd[T tensor.Float](y, src []T, outer, n, inner int, index []int) {
	k := len(index)
	for o := range outer {
		for i, s := range index {
			dst := y[(o*n+s)*inner : (o*n+s+1)*inner]
			for j, g := range src[(o*k+i)*inner : (o*k+i+1)*inner] {
				dst[j] += g
			}
		}
	}
}

// GatherAxis picks one element of x per position of an index tensor, as
// torch.gather(x, dim, index): Index holds the index tensor's values in
// row-major order and IndexShape its shape, of x's rank, no larger than x
// along every dim but Dim. For every position p of the index,
//
//	y[p]                       = x[p with p[Dim] = Index[p]]      IndexShape
//	dx[p with p[Dim] = Index[p]] += dy[p], 0 elsewhere            x's shape
//
// Positions that pick the same element add their gradients. Dim may be
// negative; a 0-d x or index counts as a vector of one element, as in
// PyTorch, and y has IndexShape. The backward pass is ScatterAdd into zeros,
// whose backward is GatherAxis again. It keeps the indices and x's shape.
//
// Gather is the special case of one index per row of a matrix (Dim 1,
// IndexShape n×1, the output flattened), kept for cross-entropy.
//
// It panics unless it is given one input, with Dim in range, as many
// indices as IndexShape holds, IndexShape of x's rank and no larger than
// x but along Dim, and every index in [0, x's size along Dim).
type GatherAxis[T tensor.Float] struct {
	arena[T]
	Dim        int
	Index      []int
	IndexShape []int
	shape      []int
}

func (*GatherAxis[T]) Name() string { return "GatherAxis" }

func (op *GatherAxis[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("GatherAxis", in, 1)
	x := in[0]
	op.shape = x.Shape()
	dim := checkIndexTensor("GatherAxis", op.Dim, op.Index, op.IndexShape, x.Shape(), nil)
	op.Index, op.IndexShape = slices.Clone(op.Index), slices.Clone(op.IndexShape)
	y := op.ar.NewUninit(op.IndexShape...)
	yd, xd := y.Data(), x.Data()
	eachIndexed(x.Shape(), op.IndexShape, dim, op.Index, func(p, xo int) { yd[p] = xd[xo] })
	return y
}

func (op *GatherAxis[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dx := op.ar.New(op.shape...)
	d, g := dx.Data(), dy.Data()
	dim := tensor.NormAxis(op.Dim, max(len(op.shape), 1))
	eachIndexed(op.shape, op.IndexShape, dim, op.Index, func(p, xo int) { d[xo] += g[p] })
	return []*tensor.Tensor[T]{dx}
}

func (*GatherAxis[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the indices.
func (op *GatherAxis[T]) ExtraSavedBytes() int { return len(op.Index) * strconv.IntSize / 8 }

// BackwardVar adds dy into zeros of x's shape with ScatterAdd, GatherAxis's
// adjoint.
func (op *GatherAxis[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	zero := vConst(tensor.New[T](op.shape...))
	return []*v[T]{autograd.Apply[T](&ScatterAdd[T]{Dim: op.Dim, Index: op.Index, IndexShape: op.IndexShape}, zero, dy)}
}

// ScatterAdd adds the elements of src into self at the positions of an
// index tensor, as torch.scatter_add(self, dim, index, src): Index holds the
// index tensor's values in row-major order and IndexShape its shape, of
// self's rank, no larger than src along every dim and than self along every
// dim but Dim. For every position p of the index,
//
//	y                            = self, then y[p with p[Dim] = Index[p]] += src[p]
//	dself                        = dy                                  self's shape
//	dsrc[p]                      = dy[p with p[Dim] = Index[p]]        src's shape,
//	                               0 where src lies outside IndexShape
//
// Elements of src beyond IndexShape are not read, and their gradient is 0
// (PyTorch 1.13 raises an error in the backward pass of such a src: its
// gradient has the index's shape). Dim may be negative; a 0-d tensor
// counts as a vector of one element. It is GatherAxis's adjoint: the
// backward pass with respect to src is GatherAxis (padded with zeros to
// src's shape by another ScatterAdd), whose backward is ScatterAdd again.
// It keeps the indices and src's shape.
//
// It panics unless it is given two inputs (self, src), with Dim in range,
// as many indices as IndexShape holds, IndexShape, self and src of one
// rank, IndexShape no larger than src and than self but along Dim, and
// every index in [0, self's size along Dim).
type ScatterAdd[T tensor.Float] struct {
	arena[T]
	Dim        int
	Index      []int
	IndexShape []int
	self, src  []int
}

func (*ScatterAdd[T]) Name() string { return "ScatterAdd" }

func (op *ScatterAdd[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("ScatterAdd", in, 2)
	self, src := in[0], in[1]
	dim := checkIndexTensor("ScatterAdd", op.Dim, op.Index, op.IndexShape, self.Shape(), src.Shape())
	op.self, op.src = self.Shape(), src.Shape()
	op.Index, op.IndexShape = slices.Clone(op.Index), slices.Clone(op.IndexShape)
	y := op.ar.Clone(self)
	yd, sd := y.Data(), src.Data()
	srcOff := indexOffsets(op.src, op.IndexShape)
	eachIndexed(op.self, op.IndexShape, dim, op.Index, func(p, yo int) { yd[yo] += sd[srcOff(p)] })
	return y
}

func (op *ScatterAdd[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := make([]*tensor.Tensor[T], 2)
	g[0] = pick(needs[0], dy)
	if needs[1] {
		g[1] = op.ar.New(op.src...)
		d, gy := g[1].Data(), dy.Data()
		dim := tensor.NormAxis(op.Dim, max(len(op.self), 1))
		srcOff := indexOffsets(op.src, op.IndexShape)
		eachIndexed(op.self, op.IndexShape, dim, op.Index, func(p, yo int) { d[srcOff(p)] = gy[yo] })
	}
	return g
}

func (*ScatterAdd[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the indices.
func (op *ScatterAdd[T]) ExtraSavedBytes() int { return len(op.Index) * strconv.IntSize / 8 }

// BackwardVar passes dy to self and gathers it for src with GatherAxis,
// padded with zeros to src's shape when src is larger than the index.
func (op *ScatterAdd[T]) BackwardVar(_ []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	g := make([]*v[T], 2)
	g[0] = pickVar(needs[0], dy)
	if needs[1] {
		gs := autograd.Apply[T](&GatherAxis[T]{Dim: op.Dim, Index: op.Index, IndexShape: op.IndexShape}, dy)
		if !tensor.EqualShapes(op.src, op.IndexShape) {
			// Position p of the index shape goes to position p of src: a
			// ScatterAdd along dim 0 whose index is each position's first
			// coordinate.
			id := make([]int, len(op.Index))
			inner := max(tensor.NumElems(op.IndexShape[min(1, len(op.IndexShape)):]), 1)
			for p := range id {
				id[p] = p / inner
			}
			zero := vConst(tensor.New[T](op.src...))
			gs = autograd.Apply[T](&ScatterAdd[T]{Index: id, IndexShape: op.IndexShape}, zero, gs)
		}
		g[1] = gs
	}
	return g
}

// checkIndexTensor checks GatherAxis's and ScatterAdd's index against x
// (gather's input, scatter's self) and src (nil for gather), as PyTorch
// does, and returns dim normalized. A 0-d shape counts as [1].
func checkIndexTensor(name string, dim int, index, indexShape, x, src []int) int {
	d := checkDim(name, dim, x)
	if n := tensor.NumElems(indexShape); len(index) != n {
		panic(fmt.Sprintf(errIndexCount, name, len(index), indexShape, n))
	}
	ix, xs := asVector(indexShape), asVector(x)
	var ss []int
	if src != nil {
		ss = asVector(src)
	}
	if len(ix) != len(xs) || (src != nil && len(ss) != len(xs)) {
		if src == nil {
			panic(fmt.Sprintf(errGatherAxisRank, indexShape, x))
		}
		panic(fmt.Sprintf(errScatterAddRank, indexShape, x, src))
	}
	for a := range ix {
		if (a != d && ix[a] > xs[a]) || (src != nil && ix[a] > ss[a]) {
			if src == nil {
				panic(fmt.Sprintf(errGatherAxisSize, indexShape, x, dim))
			}
			panic(fmt.Sprintf(errScatterAddSize, indexShape, src, x, dim))
		}
	}
	checkIndices(name, index, dim, xs[d], x)
	return d
}

// asVector is shape, or [1] for the 0-d shape (empty or nil).
func asVector(shape []int) []int {
	if len(shape) == 0 {
		return []int{1}
	}
	return shape
}

// eachIndexed calls f(p, xo) for every flat position p of an index of
// shape indexShape (no larger than x's shape but along dim), with xo the
// flat offset in x of p with its coordinate along dim replaced by index[p].
func eachIndexed(x, indexShape []int, dim int, index []int, f func(p, xo int)) {
	xs, ix := asVector(x), asVector(indexShape)
	stride := make([]int, len(xs))
	s := 1
	for a := len(xs) - 1; a >= 0; a-- {
		stride[a] = s
		s *= xs[a]
	}
	coord := make([]int, len(ix))
	base := 0 // x's offset of coord, without the coordinate along dim
	for p, k := range index {
		f(p, base+k*stride[dim])
		for a := len(ix) - 1; a >= 0; a-- {
			coord[a]++
			if a != dim {
				base += stride[a]
			}
			if coord[a] < ix[a] {
				break
			}
			if a != dim {
				base -= stride[a] * coord[a]
			}
			coord[a] = 0
		}
	}
}

// indexOffsets returns the function that maps a flat position of an index
// of shape indexShape to the flat offset of the same position in a tensor
// of shape src, no smaller along any dim.
func indexOffsets(src, indexShape []int) func(p int) int {
	if tensor.EqualShapes(src, indexShape) {
		return func(p int) int { return p }
	}
	ss, ix := asVector(src), asVector(indexShape)
	return func(p int) int {
		off, stride := 0, 1
		for a := len(ix) - 1; a >= 0; a-- {
			off += (p % ix[a]) * stride
			p /= ix[a]
			stride *= ss[a]
		}
		return off
	}
}
