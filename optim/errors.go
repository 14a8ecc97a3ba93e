package optim

// Panic messages of the package. Each names the function or optimizer that
// panics; the %s verbs receive it.
const (
	errNoParams     = "optim: %s: empty parameter list"
	errNilParam     = "optim: %s: parameter %d is nil"
	errNotLeaf      = "optim: %s: parameter %d is not a leaf (it was computed by an op on a tape): %v"
	errDupParam     = "optim: %s: parameter %d is parameter %d again"
	errHyper        = "optim: %s: invalid %s %v (must be finite and ≥ 0)"
	errFinite       = "optim: %s: invalid %s %v (must be finite)"
	errBeta         = "optim: %s: invalid beta%d %v (must be in [0, 1))"
	errNilOption    = "optim: %s: option %d is nil or a zero Option (options come from functions such as LR)"
	errNesterov     = "optim: SGD: Nesterov momentum requires Momentum > 0 and Dampening = 0, got Momentum %v and Dampening %v"
	errMaxNorm      = "optim: ClipGradNorm: invalid maxNorm %v (must be ≥ 0)"
	errStepSize     = "optim: StepLR: stepSize %d must be > 0"
	errTMax         = "optim: CosineAnnealingLR: tMax %d must be > 0"
	errWarmup       = "optim: LinearWarmup: warmup %d must be > 0"
	errStartFactor  = "optim: LinearWarmup: startFactor %v must be in (0, 1]"
	errNegativeStep = "optim: %s: negative step %d"
)

// Messages of the errors LoadState returns. Each begins with the optimizer's
// name and the offending entry: its position in the list and its name.
const (
	errStateName       = "optim: %s.LoadState: entry %d %q: the name is not <parameter index>.<key>"
	errStateIndex      = "optim: %s.LoadState: entry %d %q: parameter %d does not exist: the optimizer has %d parameters"
	errStateKey        = "optim: %s.LoadState: entry %d %q: unknown key %q: this optimizer keeps %v"
	errStateNoState    = "optim: %s.LoadState: entry %d %q: this optimizer keeps no state (it has no momentum)"
	errStateDup        = "optim: %s.LoadState: entry %d %q: the name appears twice"
	errStateNil        = "optim: %s.LoadState: entry %d %q: nil tensor"
	errStateShape      = "optim: %s.LoadState: entry %d %q: shape %v, want %v"
	errStateStep       = "optim: %s.LoadState: entry %d %q: step %v is not a whole number ≥ 0"
	errStateIncomplete = "optim: %s.LoadState: parameter %d has %q but no %q"
)
