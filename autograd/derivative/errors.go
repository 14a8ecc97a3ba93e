package derivative

// Panic messages of the package; the first %s names the function.
const (
	errNoInputs     = "derivative: %s needs at least one input"
	errCreateGraph  = "derivative: %s returns tensors and cannot record its computation: CreateGraph is for HVPAt, JVPAt and VJPAt"
	errVecCount     = "derivative: %s: %d vectors for %d inputs"
	errVecShape     = "derivative: %s: vector %d has shape %v for input %d of shape %v"
	errVecNil       = "derivative: %s: vector %d is nil"
	errVecsNil      = "derivative: %s: the vectors may be omitted only for one input of one element, not %d inputs of shapes %v"
	errOutVecShape  = "derivative: %s: v has shape %v for an output of shape %v"
	errOutVecNil    = "derivative: %s: v may be omitted only for an output of one element, not one of shape %v"
	errNotScalar    = "derivative: %s: the function must return one element, got shape %v"
	errNoTape       = "derivative: %s: nil tape"
	errStrictOutput = "derivative: %s: the output requires no gradient: it does not depend on the inputs (Strict)"
	errStrictInput  = "derivative: %s: the output does not depend on input %d (Strict)"
	errStrictLinear = "derivative: %s: the gradient with respect to input %d does not depend on the inputs: the function is linear in it, its Hessian is zero (Strict)"
	errStrictBlock  = "derivative: %s: the gradient with respect to input %d does not depend on input %d: that block of the Hessian is zero (Strict)"
)
