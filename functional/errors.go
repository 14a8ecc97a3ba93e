package functional

// Panic messages of the package.
const (
	errBNRank   = "functional: %s needs an input of shape N×C or N×C×…, got %v"
	errBNValues = "functional: %s: expected more than 1 value per channel when training, got input shape %v"
)

// Panic messages of batch norm's options.
const (
	errBNPerChannel = "functional: %s: %s of shape %v does not match input %v with %d channels"
	errBNEval       = "functional: %s: %s must be given in evaluation mode (training false)"
	errBNCount      = "functional: UpdateRunningStats: %d value(s) per channel, need at least 2 for the unbiased variance"
	errBNUpdate     = "functional: UpdateRunningStats: %s of shape %v does not match the batch statistic of shape %v"
)

// Panic messages of the loss functions (functional/loss.go).
const (
	errLossOption      = "functional: %s does not take %s"
	errLossReduction   = "functional: %s: reduction %v is not one of none, mean, sum"
	errLossDType       = "functional: %s: %s is a %T, want a *tensor.Tensor of %T"
	errLossBeta        = "functional: SmoothL1Loss: beta %v must be at least 0"
	errLossDelta       = "functional: HuberLoss: delta %v must be positive"
	errLossSmoothing   = "functional: CrossEntropy: label_smoothing %v must be in [0, 1]"
	errLossCERank      = "functional: %s needs logits of shape N×C or N×C×d₁×…, got %v"
	errLossProbs       = "functional: CrossEntropyProbs: target of shape %v does not match logits of shape %v"
	errLossProbsIgnore = "functional: CrossEntropyProbs: ignore_index %d is not supported for probability targets"
	errLossCEWeight    = "functional: CrossEntropyProbs: weight of shape %v, want %d elements, one per class (logits of shape %v)"
)

// Panic messages of the plumbing functions (issue 18): Stack, Narrow,
// Split, SplitSizes, Chunk, Squeeze, Unsqueeze, Flatten, Unflatten.
const (
	errPlumbDim       = "functional: %s: dim %d out of range [%d, %d] for shape %v"
	errStackNone      = "functional: Stack needs at least one input, got none"
	errStackShapes    = "functional: Stack: inputs must have the same shape, got %v at entry 0 and %v at entry %d"
	errNarrow0D       = "functional: Narrow: cannot narrow a 0-d tensor (shape %v)"
	errNarrowStart    = "functional: Narrow: start %d out of range [%d, %d] for axis %d of shape %v"
	errNarrowLength   = "functional: Narrow: start %d and length %d do not fit an axis of size %d (axis %d of shape %v)"
	errSplit0D        = "functional: %s: cannot split a 0-d tensor (shape %v)"
	errSplitSize      = "functional: Split: split size %d for an axis of size %d (axis %d of shape %v): it must be at least 1, or 0 for an empty axis"
	errSplitNegative  = "functional: SplitSizes: sizes %v must not be negative (axis %d of shape %v)"
	errSplitSum       = "functional: SplitSizes: sizes %v add up to %d, not to the size %d of axis %d of shape %v"
	errChunks         = "functional: Chunk: %d chunks, want at least 1 (shape %v)"
	errSqueezeTwice   = "functional: Squeeze: dims %v name axis %d twice (shape %v)"
	errFlattenOrder   = "functional: Flatten: start dim %d comes after end dim %d (shape %v)"
	errUnflatten0D    = "functional: Unflatten: cannot unflatten a 0-d tensor (shape %v)"
	errUnflattenEmpty = "functional: Unflatten: no sizes for axis %d of shape %v"
	errUnflattenSizes = "functional: Unflatten: sizes %v do not multiply up to the size of axis %d (%d) of shape %v"
)

// Panic messages of Embedding (functional/embedding.go).
const (
	errEmbeddingWeight  = "functional: Embedding: weight of shape %v, want a 2-d num_embeddings×embedding_dim table"
	errEmbeddingPadding = "functional: Embedding: padding_idx %d is out of range for %d embeddings (weight of shape %v)"
	errEmbeddingNorm    = "functional: Embedding: max_norm %v and norm_type %v must not be negative (weight of shape %v)"
	errEmbeddingIndex   = "functional: Embedding: index %d (position %d) is out of range for %d embeddings (weight of shape %v)"
)

// Panic messages of EmbeddingBag (functional/embeddingbag.go).
const (
	errBagMode      = "functional: EmbeddingBag: mode %q is not one of sum, mean, max"
	errBagInput     = "functional: EmbeddingBag: %d indices for an input of shape %v"
	errBagRank      = "functional: EmbeddingBag: input of shape %v, want 1-d (with offsets) or 2-d (B×L)"
	errBagOffsets2D = "functional: EmbeddingBag: a 2-d input (shape %v) takes no offsets, got %v"
	errBagOffsets   = "functional: EmbeddingBag: offsets %v must start at 0 and not decrease, and not exceed the %d indices"
	errBagPSW       = "functional: EmbeddingBag: per_sample_weights need mode sum, got %s"
	errBagPSWShape  = "functional: EmbeddingBag: per_sample_weights of shape %v, want the input's shape %v"
)

// Panic messages of layer norm and RMS norm (functional/layernorm.go).
const (
	errLNShape = "functional: %s: input of shape %v does not end in normalized_shape %v (which must not be empty)"
	errLNParam = "functional: %s: %s of shape %v, want normalized_shape %v (input %v)"
)

// Panic messages of group norm and instance norm (functional/groupnorm.go).
const (
	errGNGroups  = "functional: %s: %d channels of input %v are not divisible into %d groups"
	errINSpatial = "functional: InstanceNorm: expected more than 1 spatial value when using the input's statistics, got input shape %v"
	errINEval    = "functional: InstanceNorm: %s must be given when not using the input's statistics (use_input_stats false)"
)

// Panic message of Interpolate's options (functional/upsample.go).
const (
	errInterpRecompute = "functional: Interpolate: input of shape %v, size %v, scale_factor %v: recompute_scale_factor needs a scale factor and no size"
)

// Panic messages of scaled dot-product attention (issue 20,
// functional/attention.go).
const (
	errSDPAShapes     = "functional: %s: q of shape %v, k of shape %v and v of shape %v: want …×L×E, …×S×E and …×S×Ev with the same batch axes …"
	errSDPADropout    = "functional: %s: DropoutP %v is not in [0, 1]"
	errSDPATwoMasks   = "functional: %s: AttnMask of shape %v and BoolMask of shape %v: give one attn_mask, float or boolean"
	errSDPABoolMask   = "functional: %s: %d BoolMask values for BoolMaskShape %v"
	errSDPACausalMask = "functional: %s: attn_mask of shape %v given with IsCausal: set one or the other, as PyTorch"
)
