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

// Panic messages of group norm and instance norm (nn/groupnorm.go).
const (
	errGNGroups = "nn: GroupNorm: num_channels %d must be divisible by num_groups %d, both positive"
	errGNInput  = "nn: GroupNorm expects an input of shape N×%d×…, got %v"
	errINCount  = "nn: InstanceNorm2d needs a positive number of features, got %d"
	errINInput  = "nn: InstanceNorm2d expects a 4-d input with %d channels on axis 1, got shape %v"
	errGNOption = "nn: GroupNorm takes no momentum nor track_running_stats"
)
