package functional

import (
	"fmt"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// EmbeddingOptions are the settings of Embedding, as the keyword arguments
// of torch.nn.functional.embedding; the zero value is PyTorch's defaults.
type EmbeddingOptions struct {
	// PaddingIdx, when set, is the row that receives no gradient
	// (padding_idx); a negative value counts from the end. Nil is
	// PyTorch's None.
	PaddingIdx *int
	// MaxNorm, when positive, renormalizes every looked-up row whose
	// NormType-norm exceeds it (max_norm); 0 is PyTorch's None.
	MaxNorm float64
	// NormType is the p of the p-norm MaxNorm uses (norm_type), +Inf for
	// the largest magnitude; 0 means PyTorch's default 2.
	NormType float64
	// ScaleGradByFreq divides each row's gradient by the number of times
	// its index occurs in the input (scale_grad_by_freq).
	ScaleGradByFreq bool
}

// PaddingIdx returns a pointer to i, for EmbeddingOptions.PaddingIdx.
func PaddingIdx(i int) *int { return &i }

// Embedding looks up the rows of weight (N×D) at the indices of input, as
// torch.nn.functional.embedding(input, weight, …): input holds the indices
// in row-major order and inputShape their shape (any rank), and
//
//	y[p, :]   = weight[input[p], :]                          inputShape×D
//	dw[k, :] += s[k]·dy[p, :]  over p with input[p] = k ≠ PaddingIdx
//
// with s[k] = 1, or 1/(occurrences of k) with ScaleGradByFreq (see
// ops.Embedding). The padding row is looked up as any other but gets no
// gradient.
//
// With MaxNorm > 0, before the lookup every distinct looked-up row whose
// p-norm ‖w_k‖ exceeds MaxNorm is scaled in place by MaxNorm/(‖w_k‖+1e−7),
// as PyTorch's embedding_renorm_: that modifies weight's value itself, not
// recorded and not differentiated (a no-grad update, as torch.no_grad), so
// the gradient is that of the lookup of the renormalized weight.
//
// It panics unless weight is 2-d, inputShape holds len(input) elements,
// every index is in [0, N), PaddingIdx is in [−N, N) and MaxNorm and
// NormType are not negative or NaN.
func Embedding[T tensor.Float](input, inputShape []int, weight *autograd.Var[T], o EmbeddingOptions) *autograd.Var[T] {
	return EmbeddingOn(nil, input, inputShape, weight, o)
}

// EmbeddingOn is Embedding computed on tape t (autograd.ApplyOn): the
// indices are ints, not Vars, so without t a lookup in a parameter is
// pending until it meets a Var on a tape. nn.Embedding's Forward passes the
// tape of the Var that holds its indices. A nil t makes it Embedding.
func EmbeddingOn[T tensor.Float](t *autograd.Tape[T], input, inputShape []int, weight *autograd.Var[T], o EmbeddingOptions) *autograd.Var[T] {
	ws := weight.Shape()
	if len(ws) != 2 {
		panic(fmt.Sprintf(errEmbeddingWeight, ws))
	}
	n := ws[0]
	var pad *int
	if o.PaddingIdx != nil {
		p := *o.PaddingIdx
		if p < -n || p >= n {
			panic(fmt.Sprintf(errEmbeddingPadding, p, n, ws))
		}
		if p < 0 {
			p += n
		}
		pad = &p
	}
	if !(o.MaxNorm >= 0) || !(o.NormType >= 0) {
		panic(fmt.Sprintf(errEmbeddingNorm, o.MaxNorm, o.NormType, ws))
	}
	op := &ops.Embedding[T]{Index: input, IndexShape: inputShape, PaddingIdx: pad, ScaleGradByFreq: o.ScaleGradByFreq}
	if o.MaxNorm > 0 {
		p := o.NormType
		if p == 0 {
			p = 2
		}
		EmbeddingRenorm(weight.Value(), input, o.MaxNorm, p)
	}
	return autograd.ApplyOn[T](t, op, weight)
}

// EmbeddingRenorm scales in place every row k of w (N×D) named in index
// whose p-norm exceeds maxNorm, by maxNorm/(‖w_k‖_p + 1e−7), each distinct
// row once, as torch.embedding_renorm_. p = +Inf takes the largest
// magnitude. It is Embedding's MaxNorm; it records nothing.
//
// It panics unless w is 2-d and every index is in [0, N).
func EmbeddingRenorm[T tensor.Float](w *tensor.Tensor[T], index []int, maxNorm, p float64) {
	if w.NDim() != 2 {
		panic(fmt.Sprintf(errEmbeddingWeight, w.Shape()))
	}
	n, d := w.Shape()[0], w.Shape()[1]
	for i, k := range index {
		if k < 0 || k >= n {
			panic(fmt.Sprintf(errEmbeddingIndex, k, i, n, w.Shape()))
		}
	}
	rows := slices.Clone(index)
	slices.Sort(rows)
	rows = slices.Compact(rows)
	data := w.Data()
	for _, k := range rows {
		row := data[k*d : (k+1)*d]
		if norm := pNorm(row, p); norm > maxNorm {
			s := maxNorm / (norm + 1e-7)
			for j := range row {
				row[j] = T(float64(row[j]) * s)
			}
		}
	}
}

// pNorm is the p-norm of x, accumulated in float64: the largest magnitude
// for p = +Inf.
func pNorm[T tensor.Float](x []T, p float64) float64 {
	var s float64
	switch {
	case math.IsInf(p, 1):
		for _, v := range x {
			s = max(s, math.Abs(float64(v)))
		}
		return s
	case p == 2:
		for _, v := range x {
			s += float64(v) * float64(v)
		}
		return math.Sqrt(s)
	case p == 1:
		for _, v := range x {
			s += math.Abs(float64(v))
		}
		return s
	}
	for _, v := range x {
		s += math.Pow(math.Abs(float64(v)), p)
	}
	return math.Pow(s, 1/p)
}
