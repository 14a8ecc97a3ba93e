package autograd

// Panic messages of the package.
const (
	errTwoTapes        = "autograd: %s mixes Vars of two different tapes"
	errStaleVar        = "autograd: %s uses a Var recorded before its tape was Reset"
	errForeignVar      = "autograd: Backward of a Var that is not on this tape"
	errReleaseForeign  = "autograd: ReleaseValue of a Var that is not on this tape"
	errSpent           = "autograd: %s on a tape whose graph a Backward has freed (SetRetainGraph(false)): Reset it, or keep the graph"
	errFreedOp         = "autograd: a freed node's op ran (the tape's graph was freed by Backward)"
	errFreeCreateGraph = "autograd: Grad with CreateGraph on a tape that does not retain its graph (SetRetainGraph(false)): it reads the recorded inputs' values, which the tape may have released"
	errNoGrad          = "autograd: Backward of a Var that does not require a gradient (no input of its computation does)"
	errNotScalar       = "autograd: Backward needs a scalar loss, got shape %v; use BackwardWithGrad to give the gradient of a non-scalar output"
	errSeedShape       = "autograd: BackwardWithGrad: seed gradient of shape %v for a Var of shape %v"
	errGradCount       = "autograd: op %s returned %d gradients for %d inputs"
	errGradShape       = "autograd: op %s returned a gradient of shape %v for input %d of shape %v"
	errNilOutput       = "autograd: op %s returned a nil output"
	errSetGradShape    = "autograd: SetGrad with shape %v on a Var of shape %v"
	errHookShape       = "autograd: a hook returned a gradient of shape %v for one of shape %v"
)

// Panic messages of Tape.Grad.
const (
	errGradNoOutputs   = "autograd: Grad needs at least one output and one input"
	errGradSeedCount   = "autograd: Grad: %d GradOutputs for %d outputs"
	errGradOutput      = "autograd: Grad: output %d does not require a gradient (no input of its computation does)"
	errGradForeign     = "autograd: Grad: output %d is not on this tape"
	errGradInput       = "autograd: Grad: input %d does not require a gradient"
	errGradInputTape   = "autograd: Grad: input %d lives on another tape"
	errGradSeedShape   = "autograd: Grad: GradOutputs[%d] has shape %v for an output of shape %v"
	errGradNotScalar   = "autograd: Grad: output %d has shape %v; give its gradient in GradOutputs (only one-element outputs are seeded with 1)"
	errGradUnused      = "autograd: Grad: input %d is not used by the outputs' computation (set AllowUnused to get nil, or MaterializeGrads for zeros)"
	errNotDiffOp       = "autograd: Grad with CreateGraph reached op %s (node %d), which has no differentiable backward (autograd.DifferentiableOp): its gradient cannot be differentiated again"
	errDiffGradShape   = "autograd: op %s: BackwardVar returned a gradient of shape %v for input %d of shape %v (it must sum broadcast gradients itself)"
	errDiffGradCount   = "autograd: op %s: BackwardVar returned %d gradients for %d inputs"
	errAccumulateShape = "autograd: accumulate: gradients of shapes %v and %v"
)
