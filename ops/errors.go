package ops

import (
	"errors"
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// Panic messages of the package.
const (
	errArity      = "ops: %s takes %d input(s), got %d"
	errConv       = "ops: Conv2d of input %v with weights %v (stride %v, padding %v, dilation %v, groups %d): %s"
	errConvBias   = "ops: Conv2d: bias of shape %v, want [%d] (input %v, weights %v)"
	errBroadcast  = "ops: %s: shapes %v and %v cannot be broadcast together"
	errMatMul     = "ops: MatMul: cannot multiply shapes %v and %v%s: %s"
	errReshape    = "ops: Reshape: cannot reshape %v into %v: %s"
	errPermute    = "ops: Permute: cannot permute shape %v: %s"
	errBNRank     = "ops: %s needs an input of shape N×C or N×C×…, got %v"
	errBNParams   = "ops: %s: γ of shape %v and β of shape %v do not match input %v with %d channels"
	errGatherRank = "ops: Gather needs a 2-d input (rows×classes), got shape %v"
	errGatherLen  = "ops: Gather: %d indices for %d rows (input of shape %v)"
	errGatherIdx  = "ops: Gather: index %d of row %d is out of range for %d columns (input of shape %v)"

	errPoolRank     = "ops: %s needs a 4-d input N×C×H×W with H, W ≥ 1, got shape %v"
	errPoolSettings = "ops: %s: kernel %v must be at least 1, stride %v and padding %v at least 0 (input shape %v)"
	errPoolPad      = "ops: %s: padding %v must be at most half of kernel %v (input shape %v)"
	errPoolOutput   = "ops: %s: input shape %v with kernel %v, stride %v, padding %v, dilation %v and ceil_mode %t gives an output of %d×%d"
	errPoolDilation = "ops: %s: dilation %v must be at least 0 (input shape %v)"

	errReduceAxis    = "ops: %s: axis %d out of range for an input of shape %v"
	errReduceDupAxis = "ops: %s: axis %d given twice for an input of shape %v"
	errReduceEmpty   = "ops: %s: reducing axis %d of size 0 in an input of shape %v"
)

// checkArity panics unless in holds exactly n tensors.
func checkArity[T tensor.Float](name string, in []*tensor.Tensor[T], n int) {
	if len(in) != n {
		panic(fmt.Sprintf(errArity, name, n, len(in)))
	}
}

// checkBroadcast panics, naming the op, unless a and b broadcast together.
func checkBroadcast[T tensor.Float](name string, a, b *tensor.Tensor[T]) {
	if err := tensor.CheckBroadcast(a.Shape(), b.Shape()); err != nil {
		panic(fmt.Sprintf(errBroadcast, name, a.Shape(), b.Shape()) + ": " + reason(err))
	}
}

// reason returns the cause of a shape error from package tensor (its Reason,
// without tensor's own words), for a message that names the op.
func reason(err error) string {
	if se := (*tensor.ShapeError)(nil); errors.As(err, &se) {
		return se.Reason
	}
	return err.Error()
}

// Panic messages of batch norm's options.
const errBNArity = "ops: BatchNorm takes 1 input (x) or 3 (x, γ, β), got %d"

// Panic messages of Expand and SumTo.
const (
	errExpand = "ops: Expand: cannot expand shape %v to %v: %s"
	errSumTo  = "ops: SumTo: cannot sum shape %v to %v: it does not broadcast to the input's shape"
)

// Panic message of branchScale, the piecewise activations' derivative in
// their differentiable backward passes.
const errBranchScale = "ops: branchScale: input of shape %v for a mask of %d elements"

// Panic messages of Scatter.
const (
	errScatterRank = "ops: Scatter needs a 1-d input (one value per row), got shape %v"
	errScatterCols = "ops: Scatter: C = %d columns, want at least 0 (input of shape %v)"
	errScatterLen  = "ops: Scatter: %d indices for %d values (input of shape %v)"
	errScatterIdx  = "ops: Scatter: index %d of row %d is out of range for %d columns (input of shape %v)"
)

// Panic messages of ConvTranspose2d and Conv2dWeightGrad.
const (
	errConvT     = "ops: ConvTranspose2d of input %v with weights %v (stride %v, padding %v, output_padding %v, dilation %v, groups %d): %s"
	errConvTBias = "ops: ConvTranspose2d: bias of shape %v, want [%d] (input %v, weights %v)"
	errConvWGrad = "ops: Conv2dWeightGrad of input %v and output gradient %v for weights %v (stride %v, padding %v, dilation %v, groups %d): %s"
)

// Panic messages of the pooling ops' backward maps.
const (
	errMaxPoolIdx  = "ops: %s: input of shape %v, %d indices, planes of %v pooled to %v: %s"
	errAvgPoolGrad = "ops: AvgPool2dBackward: output gradient of shape %v does not fit an input plane of %v, which pools to %d×%d"
)

// Panic messages of the element-wise ops and activations of issue 18
// (unary.go, activation2.go).
const (
	errClampNone   = "ops: Clamp: at least one of Min and Max must be set (input of shape %v)"
	errWeightScale = "ops: weightScale: input of shape %v for %d weights"
	errGELUApprox  = "ops: GELU: approximate must be \"none\" or \"tanh\", got %q (input of shape %v)"
	errPReLUWeight = "ops: PReLU: weight of shape %v for input of shape %v: %s"
)

// Panic messages of the indexing ops (IndexSelect, IndexAdd, GatherAxis,
// ScatterAdd), Where, MaskedFill and Cumsum.
const (
	errIndexDim       = "ops: %s: dim %d out of range for an input of shape %v"
	errIndexRange     = "ops: %s: index %d (position %d) is out of range for dim %d of size %d (input of shape %v)"
	errIndexScalar    = "ops: %s: a 0-d input (shape %v) takes exactly one index, got %d"
	errIndexAddSource = "ops: IndexAdd: source of shape %v does not fit self of shape %v with %d indices along dim %d: want %v"
	errIndexCount     = "ops: %s: %d indices for an index of shape %v, which holds %d"
	errGatherAxisRank = "ops: GatherAxis: index of shape %v and input of shape %v differ in rank"
	errGatherAxisSize = "ops: GatherAxis: index of shape %v is larger than input of shape %v along a dim other than dim %d"
	errScatterAddRank = "ops: ScatterAdd: index of shape %v, self of shape %v and src of shape %v differ in rank"
	errScatterAddSize = "ops: ScatterAdd: index of shape %v must be no larger than src of shape %v along every dim, and than self of shape %v along every dim but dim %d"
	errMaskLen        = "ops: %s: %d mask values for a mask of shape %v"
	errMaskBroadcast  = "ops: %s: %s"
)

// Panic messages of the loss ops (ops/loss.go).
const (
	errLossShapes    = "ops: %s: target of shape %v does not match input of shape %v"
	errLossBroadcast = "ops: %s: %s of shape %v does not broadcast to the input's shape %v"
	errBCERange      = "ops: BCELoss: input %v at element %d is not in [0, 1] (input of shape %v)"
	errNLLRank       = "ops: %s needs an input of shape N×C or N×C×d₁×…, got %v"
	errNLLLen        = "ops: %s: %d targets for %d elements of N×d₁×… (input of shape %v)"
	errNLLWeight     = "ops: %s: weight of shape %v, want %d elements, one per class (input of shape %v)"
	errNLLTarget     = "ops: %s: target %d at element %d is out of range for %d classes (input of shape %v)"
	errSmoothL1Beta  = "ops: SmoothL1: beta %v must be at least 0 (input of shape %v)"
)

// Panic messages of the plumbing ops (issue 18): Concat, Slice,
// SliceBackward, Pad and PadBackward.
const (
	errConcatNone     = "ops: Concat needs at least one input, got none"
	errConcat0D       = "ops: Concat: input %d is 0-d, which cannot be concatenated (shapes %v)"
	errConcatAxis     = "ops: Concat: inputs of shapes %v: %s"
	errConcatRank     = "ops: Concat: input %d has %d dimensions but input %d has %d (shapes %v)"
	errConcatSize     = "ops: Concat: input %d has size %d on axis %d but input %d has %d: sizes must match except on axis %d (shapes %v)"
	errSliceRank      = "ops: %s: %d ranges %v for a tensor of shape %v: too many indices"
	errSliceStep      = "ops: %s: step %d of axis %d must be at least 1 (ranges %v, shape %v)"
	errSliceBack      = "ops: SliceBackward: input of shape %v, want %v: the slice %v of shape %v"
	errSliceBackShape = "ops: SliceBackward: Shape %v has a negative size (input of shape %v)"
	errPadOdd         = "ops: %s: pads %v have an odd length (shape %v)"
	errPadLong        = "ops: %s: pads %v: %d pads for a tensor of shape %v, at most 2 per axis of its %d"
	errPadMode        = "ops: %s: unknown mode %d (shape %v)"
	errPadNegative    = "ops: %s: pads %v leave axis %d of size %d with a negative size (pads %d and %d; shape %v)"
	errPadReflect     = "ops: %s: pads %v: reflect padding of axis %d by %d and %d must be less than its size %d (shape %v)"
	errPadReplicate   = "ops: %s: pads %v: cannot replicate the empty axis %d (shape %v)"
	errPadBack        = "ops: PadBackward: input of shape %v, want %v: shape %v padded by %v in mode %v"
	errPadBackShape   = "ops: PadBackward: Shape %v has a negative size (input of shape %v)"
)

// Panic messages of Embedding (ops/embedding.go, issue 19).
const (
	errEmbeddingWeight  = "ops: Embedding: weight of shape %v, want a 2-d num_embeddings×embedding_dim table"
	errEmbeddingIndex   = "ops: Embedding: index %d (position %d) is out of range for %d embeddings (weight of shape %v)"
	errEmbeddingPadding = "ops: Embedding: PaddingIdx %d is out of range for %d embeddings (weight of shape %v)"
)

// Panic messages of the adaptive pooling ops (issue 19).
const (
	errAdaptiveSize   = "ops: %s: output size %v must not be negative (input shape %v)"
	errAdaptiveInSize = "ops: AdaptiveAvgPool2dBackward: InputSize %v must be at least 1×1 (input shape %v)"
)

// Panic messages of the adaptive pooling ops on unbatched inputs (issue 19).
const (
	errAdaptiveRank = "ops: %s needs a 3-d input C×H×W or a 4-d input N×C×H×W with H, W ≥ 1, got shape %v"
)

// Panic messages of Interpolate and InterpolateBackward (issue 19).
const (
	errInterp = "ops: %s: input of shape %v, size %v, scale_factor %v, mode %v, align_corners %t: %s"
)

// Panic messages of LayerNorm and RMSNorm.
const (
	errLNArity = "ops: %s takes %s, got %d inputs"
	errLNShape = "ops: %s: input of shape %v does not end in the normalized shape %v (which must not be empty)"
	errLNParam = "ops: %s: %s of shape %v, want the normalized shape %v (input %v)"
)

// Panic messages of group norm.
const (
	errGNArity  = "ops: GroupNorm takes 1 input (x) or 3 (x, γ, β), got %d"
	errGNRank   = "ops: GroupNorm needs an input of shape N×C or N×C×…, got %v"
	errGNGroups = "ops: GroupNorm: %d channels of input %v are not divisible into %d groups"
	errGNParams = "ops: GroupNorm: γ of shape %v and β of shape %v do not match input %v with %d channels"
)

// Panic messages of forward-only passes (nograd.go).
const errForwardOnly = "ops: %s: %s after a forward-only pass (ForwardOnly), which kept nothing for it"

// Panic messages of ChannelAffine (batchnorm_eval.go).
const errChannelAffine = "ops: ChannelAffine: scale of shape %v and shift of shape %v do not match input %v with %d channels"

// Panic messages of the recurrent cells (issue 20, lstm.go and gru.go).
const (
	errLSTMCell = "ops: LSTMCell: gates of shape %v and cell state of shape %v: want gates N×4H and a state N×H with H ≥ 1"
	errGRUCell  = "ops: GRUCell: input gates of shape %v, hidden gates of shape %v and hidden state of shape %v: want N×3H, N×3H and N×H with H ≥ 1"
)

// Panic messages of ScaledDotProductAttention (issue 20, attention.go).
const (
	errAttnArity        = "ops: ScaledDotProductAttention takes 3 inputs (q, k, v) or 4 (q, k, v, attn_mask), got %d"
	errAttnShapes       = "ops: ScaledDotProductAttention: q of shape %v, k of shape %v and v of shape %v: want …×L×E, …×S×E and …×S×Ev with the same batch axes …"
	errAttnMask         = "ops: ScaledDotProductAttention: attn_mask of shape %v does not broadcast to the scores' shape %v"
	errAttnCausalMask   = "ops: ScaledDotProductAttention: attn_mask of shape %v given with IsCausal: set one or the other, as PyTorch"
	errAttnDropout      = "ops: ScaledDotProductAttention: DropoutP %v is not in [0, 1]"
	errAttnDropoutShape = "ops: AttentionDropoutMask: shape %v has fewer than 2 axes"
)

// Panic messages of PackedAttention (attention_packed.go).
const (
	errPackedArity      = "ops: PackedAttention takes 1 input (x) or 2 (x, attn_mask), got %d"
	errPackedShape      = "ops: PackedAttention: x of shape %v with %d heads: want N×L×3E (L×N×3E with SeqFirst), E a multiple of the heads, at least 1"
	errPackedMask       = "ops: PackedAttention: attn_mask of shape %v does not broadcast to the scores' shape %v"
	errPackedCausalMask = "ops: PackedAttention: attn_mask of shape %v given with IsCausal: set one or the other, as PyTorch"
	errPackedDropout    = "ops: PackedAttention: DropoutP %v is not in [0, 1]"
)
