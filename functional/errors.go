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
