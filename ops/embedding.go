package ops

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// Embedding looks up rows of a weight table, as torch.nn.functional.embedding
// (the table lookup itself; max_norm's renormalization of the weight is
// functional.Embedding's). Index holds the indices in row-major order and
// IndexShape their shape (any rank, 0-d included); the weight w is N×D. For
// every position p of the index, with k = Index[p],
//
//	y[p, :]   = w[k, :]                                      IndexShape×D
//	dw[k, :] += s[k]·dy[p, :]  for k ≠ PaddingIdx            N×D
//
// where s[k] is 1, or with ScaleGradByFreq 1/(the number of times k occurs
// in Index). Repeated indices add up; the row PaddingIdx (nil for none, as
// PyTorch's None) receives no gradient, though it is looked up like any
// other row. The backward pass is a scatter-add of dy's rows, without a
// one-hot matrix; it is linear in dy and does not depend on w, so its
// BackwardVar is IndexSelect (dropping the padding positions) and IndexAdd,
// and every higher derivative with respect to w is 0. It keeps the indices.
//
// It panics unless it is given one 2-d input, with as many indices as
// IndexShape holds, every index in [0, N) and PaddingIdx, if set, in [0, N).
type Embedding[T tensor.Float] struct {
	arena[T]
	Index           []int
	IndexShape      []int
	PaddingIdx      *int
	ScaleGradByFreq bool
	n, d            int
}

func (*Embedding[T]) Name() string { return "Embedding" }

func (op *Embedding[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Embedding", in, 1)
	w := in[0]
	if w.NDim() != 2 {
		panic(fmt.Sprintf(errEmbeddingWeight, w.Shape()))
	}
	op.n, op.d = w.Shape()[0], w.Shape()[1]
	if m := tensor.NumElems(op.IndexShape); len(op.Index) != m {
		panic(fmt.Sprintf(errIndexCount, "Embedding", len(op.Index), op.IndexShape, m))
	}
	for p, k := range op.Index {
		if k < 0 || k >= op.n {
			panic(fmt.Sprintf(errEmbeddingIndex, k, p, op.n, w.Shape()))
		}
	}
	if op.PaddingIdx != nil && (*op.PaddingIdx < 0 || *op.PaddingIdx >= op.n) {
		panic(fmt.Sprintf(errEmbeddingPadding, *op.PaddingIdx, op.n, w.Shape()))
	}
	// The caller may reuse its buffers before the backward pass.
	op.Index, op.IndexShape = slices.Clone(op.Index), slices.Clone(op.IndexShape)
	if op.PaddingIdx != nil {
		p := *op.PaddingIdx
		op.PaddingIdx = &p
	}
	y := op.ar.NewUninit(append(slices.Clone(op.IndexShape), op.d)...)
	indexSelect(y.Data(), w.Data(), 1, op.n, op.d, op.Index)
	return y
}

// rows returns the positions of Index whose rows receive a gradient (all
// but the padding row's), their indices, and each one's scale (nil when all
// are 1).
func (op *Embedding[T]) rows() (pos, index []int, scale []T) {
	pos, index = make([]int, 0, len(op.Index)), make([]int, 0, len(op.Index))
	for p, k := range op.Index {
		if op.PaddingIdx == nil || k != *op.PaddingIdx {
			pos, index = append(pos, p), append(index, k)
		}
	}
	if op.ScaleGradByFreq {
		count := make([]int, op.n)
		for _, k := range op.Index {
			count[k]++
		}
		scale = make([]T, len(index))
		for i, k := range index {
			scale[i] = 1 / T(count[k])
		}
	}
	return pos, index, scale
}

func (op *Embedding[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	dw := op.ar.New(op.n, op.d)
	w, g, d := dw.Data(), dy.Data(), op.d
	var count []int
	if op.ScaleGradByFreq {
		count = make([]int, op.n)
		for _, k := range op.Index {
			count[k]++
		}
	}
	for p, k := range op.Index {
		if op.PaddingIdx != nil && k == *op.PaddingIdx {
			continue
		}
		dst, src := w[k*d:(k+1)*d], g[p*d:(p+1)*d]
		if count == nil {
			for j, x := range src {
				dst[j] += x
			}
			continue
		}
		s := 1 / T(count[k])
		for j, x := range src {
			dst[j] += s * x
		}
	}
	return []*tensor.Tensor[T]{dw}
}

func (*Embedding[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the indices.
func (op *Embedding[T]) ExtraSavedBytes() int { return len(op.Index) * strconv.IntSize / 8 }

// BackwardVar views dy as one row per index, drops the padding positions
// with IndexSelect, scales the rows by a constant column with
// ScaleGradByFreq, and adds them into zeros of w's shape with IndexAdd.
func (op *Embedding[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	pos, index, scale := op.rows()
	rows := vReshape(dy, len(op.Index), op.d)
	if len(pos) < len(op.Index) {
		rows = autograd.Apply[T](&IndexSelect[T]{Dim: 0, Index: pos}, rows)
	}
	if scale != nil {
		rows = vMul(rows, vConst(tensor.FromSlice(scale, len(scale), 1)))
	}
	zero := vConst(tensor.New[T](op.n, op.d))
	return []*v[T]{autograd.Apply[T](&IndexAdd[T]{Dim: 0, Index: index}, zero, rows)}
}
