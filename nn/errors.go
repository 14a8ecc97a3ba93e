package nn

// Panic messages of the package.
const (
	errLinearSizes = "nn: NewLinear(%d, %d): sizes must be positive"
	errLinearInput = "nn: Linear(%d→%d): input of shape %v, want …×%d"
	errDropoutP    = "nn: Dropout probability %v is not in [0, 1]"
	errMLPSizes    = "nn: an MLP needs positive sizes, got inputs %d, hidden %v, classes %d"
	errFanIn       = "nn: cannot compute the fan-in of a tensor of shape %v: it needs at least 2 dimensions"
	errFlatten     = "nn: Flatten of shape %v: it needs at least 2 dimensions"
	errConvSizes   = "nn: NewConv2d(%d, %d, kernel %v, groups %d): sizes must be positive and groups must divide both channel counts"
	errBNChannels  = "nn: batch norm needs a positive number of channels, got %d"
	errBNInput     = "nn: batch norm expects a %s input with %d channels on axis 1, got shape %v"
)

// Panic messages of batch norm's options.
const errBNBuffers = "nn: batch norm: RunningMean, RunningVar and NumBatchesTracked must be all set (track_running_stats) or all nil, got set: %t, %t, %t"

// Panic message of PReLU (activation2.go).
const errPReLUParams = "nn: NewPReLU(%d): num_parameters must be positive"

// Panic messages of the padding modules (padding.go).
const (
	errPadCount    = "nn: New%s: padding %v: want 1 value (every side) or %d (left, right, top, bottom, front, back)"
	errPadRank     = "nn: %s%v: input of shape %v: want %s"
	errPadEmpty    = "nn: %s%v: input of shape %v: every axis but the first must be non-empty"
	errPadOutEmpty = "nn: %s%v: input of shape %v: the padding leaves every padded axis empty"
)

// Panic messages of the initializers (init.go).
const (
	errInitMode         = "nn: %s: mode %q: want \"fan_in\" or \"fan_out\""
	errGainParams       = "nn: CalculateGain(%q): at most one param, got %v"
	errGainNonlinearity = "nn: CalculateGain: unsupported nonlinearity %q"
	errTruncNormal      = "nn: TruncNormal(mean %v, std %v, a %v, b %v): want std > 0 and a ≤ b"
	errEye              = "nn: Eye: tensor of shape %v: want 2 dimensions"
	errDirac            = "nn: Dirac: tensor of shape %v with %d groups: want 3, 4 or 5 dimensions and positive groups dividing the first size"
	errOrthogonal       = "nn: Orthogonal: tensor of shape %v: it needs at least 2 dimensions"
)

// Panic messages of Embedding (embedding.go) and Dropout2d (dropout2d.go).
const (
	errEmbeddingSizes   = "nn: NewEmbedding(%d, %d): num_embeddings and embedding_dim must be positive"
	errEmbeddingPadding = "nn: NewEmbedding(%d, %d): padding_idx %d is out of range"
	errEmbeddingInput   = "nn: Embedding(%d, %d): input value %v at %d is not an integer index (input of shape %v)"
	errDropout2dP       = "nn: Dropout2d probability %v is not in [0, 1]"
	errDropout2dRank    = "nn: Dropout2d: input of shape %v: want N×C×… (at least 2 dimensions)"
)

// Panic messages of the resizing modules (issue 19).
const (
	errConvTSizes = "nn: NewConvTranspose2d(%d, %d, kernel %v, groups %d): sizes must be positive and groups must divide both channel counts"
)

// Panic messages of LayerNorm and RMSNorm (layernorm.go).
const (
	errLNShape = "nn: New%s(%v): normalized_shape must be non-empty with positive sizes"
	errLNInput = "nn: %s%v: input of shape %v does not end in the normalized shape"
)

// Panic messages of group norm and instance norm (nn/groupnorm.go).
const (
	errGNGroups = "nn: GroupNorm: num_channels %d must be divisible by num_groups %d, both positive"
	errGNInput  = "nn: GroupNorm expects an input of shape N×%d×…, got %v"
	errINCount  = "nn: InstanceNorm2d needs a positive number of features, got %d"
	errGNOption = "nn: GroupNorm takes no momentum nor track_running_stats"
)

// Panic messages of the modules that take unbatched inputs (nn/unbatched.go).
const (
	errUnbatchedRank = "nn: %s: input of shape %v: want %s"
	errINUnbatched   = "nn: InstanceNorm2d expects a C×H×W (unbatched) or N×C×H×W input with C = %d, got shape %v"
)

// Panic messages of the recurrent layers (issue 20, nn/rnn.go).
const (
	errRNNSizes     = "nn: %s: input_size %d and hidden_size %d must be positive"
	errRNNLayers    = "nn: %s: num_layers must be positive, got %d"
	errRNNDropout   = "nn: %s: dropout must be in [0, 1], got %v"
	errRNNCellInput = "nn: %s: input of shape %v: want N×%d or %d (unbatched)"
	errRNNCellState = "nn: %s: state of shape %v: want %v for the input of shape %v"
	errRNNInput     = "nn: %s: input of shape %v: want L×N×%d (N×L×%d with batch_first) or L×%d (unbatched)"
	errRNNState     = "nn: %s: %s of shape %v: want %v for the input of shape %v"
	errRNNEmpty     = "nn: %s: input of shape %v: the sequence length must be positive"
)

// Panic messages of MultiheadAttention and the Transformer encoder
// (nn/attention.go, nn/transformer.go; issue 20, helper mha).
const (
	errMHASizes        = "nn: NewMultiheadAttention(%d, %d): embed_dim and num_heads must be positive and num_heads must divide embed_dim"
	errMHAKVDim        = "nn: NewMultiheadAttention(%d, %d): kdim %d and vdim %d must be positive"
	errMHADropout      = "nn: NewMultiheadAttention(%d, %d): dropout %v is not in [0, 1]"
	errMHARank         = "nn: MultiheadAttention: query, key and value of shapes %v, %v, %v: want all 2-d (unbatched) or all 3-d"
	errMHAShapes       = "nn: MultiheadAttention(embed_dim %d, num_heads %d, kdim %d, vdim %d, batch_first %v): query, key and value of shapes %v, %v, %v do not fit"
	errMHATwoMasks     = "nn: MultiheadAttention: AttnMask and AttnMaskBool both given"
	errMHAMaskType     = "nn: MultiheadAttention: a float mask is a %T, want an *autograd.Var of the module's type %T"
	errMHAAttnMask     = "nn: MultiheadAttention: attn_mask of shape %v: want %v or %v"
	errMHAAttnMaskBool = "nn: MultiheadAttention: boolean attn_mask of %d values and shape %v: want shape %v or %v"
	errMHAKeyPadding   = "nn: MultiheadAttention: key_padding_mask has %d values, want shape %v"
	errMHAKeyPadFloat  = "nn: MultiheadAttention: float key_padding_mask of shape %v: want %v"
	errMHATwoPadding   = "nn: MultiheadAttention: KeyPaddingMask and KeyPaddingMaskFloat both given"
	errEncWeights      = "nn: %s: NeedWeights and AverageAttnWeights apply to MultiheadAttention.Attend only"
	errEncSizes        = "nn: NewTransformerEncoderLayer(%d, %d): dim_feedforward %d must be positive"
	errEncDropout      = "nn: NewTransformerEncoderLayer(%d, %d): dropout %v is not in [0, 1]"
	errEncActivation   = "nn: NewTransformerEncoderLayer(%d, %d): activation %q: want \"relu\" or \"gelu\""
	errEncLayers       = "nn: NewTransformerEncoder: num_layers %d must be positive and the layer not nil"
)
