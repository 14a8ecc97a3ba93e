package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// IndexSelect picks the slices of input along dim at index, as
// torch.index_select(input, dim, index); repeated indices add their
// gradients. See ops.IndexSelect.
func IndexSelect[T tensor.Float](input *autograd.Var[T], dim int, index []int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.IndexSelect[T]{Dim: dim, Index: index}, input)
}

// IndexAdd adds the slices of source into input along dim at index, as
// torch.index_add(input, dim, index, source) with alpha 1 (scale source
// for another alpha); differentiable with respect to both. See
// ops.IndexAdd.
func IndexAdd[T tensor.Float](input *autograd.Var[T], dim int, index []int, source *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.IndexAdd[T]{Dim: dim, Index: index}, input, source)
}

// GatherAxis is torch.gather(input, dim, index): the index tensor is given
// as its values, row-major, and its shape, which is the output's. It is
// not named Gather because Gather, one entry per row of a matrix, is
// cross-entropy's. See ops.GatherAxis.
func GatherAxis[T tensor.Float](input *autograd.Var[T], dim int, index, indexShape []int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.GatherAxis[T]{Dim: dim, Index: index, IndexShape: indexShape}, input)
}

// ScatterAdd is torch.scatter_add(input, dim, index, src), the index
// tensor given as its values, row-major, and its shape; differentiable
// with respect to input and src. See ops.ScatterAdd.
func ScatterAdd[T tensor.Float](input *autograd.Var[T], dim int, index, indexShape []int, src *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.ScatterAdd[T]{Dim: dim, Index: index, IndexShape: indexShape}, input, src)
}

// Where is torch.where(condition, input, other): input where the condition
// holds, other elsewhere, the three broadcasting together. The condition
// (torch's boolean tensor) is given as its values, row-major, and its
// shape; WhereMask takes it as a tensor. The gradient goes to the chosen
// side alone. See ops.Where.
func Where[T tensor.Float](condition []bool, conditionShape []int, input, other *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Where[T]{Cond: condition, CondShape: conditionShape}, input, other)
}

// WhereMask is Where with the condition a tensor mask, true where it is
// nonzero (a NaN counts as nonzero): the 1/0 masks of padded batches.
func WhereMask[T tensor.Float](mask *tensor.Tensor[T], input, other *autograd.Var[T]) *autograd.Var[T] {
	return Where(maskOf(mask), mask.Shape(), input, other)
}

// MaskedFill is torch.masked_fill(input, mask, value): value where the
// mask holds, input elsewhere, the two broadcasting together; the mask
// given as its values, row-major, and its shape. The gradient is 0 where
// filled. See ops.MaskedFill.
func MaskedFill[T tensor.Float](input *autograd.Var[T], mask []bool, maskShape []int, value T) *autograd.Var[T] {
	return autograd.Apply[T](&ops.MaskedFill[T]{Mask: mask, MaskShape: maskShape, Value: value}, input)
}

// Cumsum is torch.cumsum(input, dim), the cumulative sum along dim (which
// may be negative). See ops.Cumsum.
func Cumsum[T tensor.Float](input *autograd.Var[T], dim int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Cumsum[T]{Dim: dim}, input)
}

// maskOf returns whether each element of t is nonzero.
func maskOf[T tensor.Float](t *tensor.Tensor[T]) []bool {
	m := make([]bool, t.Size())
	for i, v := range t.Data() {
		m[i] = v != 0
	}
	return m
}
