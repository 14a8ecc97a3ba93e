package manual

// Panic messages of the package.
const (
	errNoForward   = "manual: %s.Backward called before Forward"
	errInputShape  = "manual: %s.Forward: input of shape %v, want B×%d"
	errGradShape   = "manual: %s.Backward: gradient of shape %v, want %v"
	errLabels      = "manual: %d labels for a batch of %d"
	errLabel       = "manual: label %d of example %d is out of range for %d classes"
	errProbsRank   = "manual: %s needs B×C probabilities, got shape %v"
	errLayerSizes  = "manual: an MLP needs positive sizes, got inputs %d, hidden %v, classes %d"
	errLinearSizes = "manual: NewLinear(%d, %d): sizes must be positive"
)
