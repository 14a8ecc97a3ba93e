package gonumx

// Panic messages of the package.
const (
	errRank = "gonumx: %s needs a %d-d tensor, got shape %v"
	errNil  = "gonumx: %s of a nil %s"
)
