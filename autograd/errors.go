package autograd

// Panic messages of the package.
const (
	errTwoTapes     = "autograd: %s mixes Vars of two different tapes"
	errStaleVar     = "autograd: %s uses a Var recorded before its tape was Reset"
	errForeignVar   = "autograd: Backward of a Var that is not on this tape"
	errNoGrad       = "autograd: Backward of a Var that does not require a gradient (no input of its computation does)"
	errNotScalar    = "autograd: Backward needs a scalar loss, got shape %v; use BackwardWithGrad to give the gradient of a non-scalar output"
	errSeedShape    = "autograd: BackwardWithGrad: seed gradient of shape %v for a Var of shape %v"
	errGradCount    = "autograd: op %s returned %d gradients for %d inputs"
	errGradShape    = "autograd: op %s returned a gradient of shape %v for input %d of shape %v"
	errNilOutput    = "autograd: op %s returned a nil output"
	errSetGradShape = "autograd: SetGrad with shape %v on a Var of shape %v"
	errHookShape    = "autograd: a hook returned a gradient of shape %v for one of shape %v"
)
