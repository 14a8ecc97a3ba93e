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
