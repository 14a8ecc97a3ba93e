package train

// Panic messages of the package. Errors that come from the outside world
// (files, a loss that became NaN, a checkpoint from another run) are
// returned instead.
const (
	errNoModel     = "train: Classifier needs a Model and an Optimizer"
	errCorrectRows = "train: Correct: scores of shape %v for %d labels, want %d×classes"
)

const errEmptyEval = "train: Evaluate: the data set is empty"
