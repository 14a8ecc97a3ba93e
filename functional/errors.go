package functional

// Panic messages of the package.
const (
	errBNRank   = "functional: %s needs an input of shape N×C or N×C×…, got %v"
	errBNValues = "functional: %s: expected more than 1 value per channel when training, got input shape %v"
)
