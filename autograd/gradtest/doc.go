// Package gradtest checks the gradients of differentiable functions — a single
// op or a composition — against central finite differences, in float64.
//
// It is exported so that users test their own ops the way tapegrad tests its
// own, in the spirit of gonum's testblas and testlapack:
//
//	err := gradtest.Check(func(x []*autograd.Var[float64]) *autograd.Var[float64] {
//		return autograd.Apply(&Softplus{}, x[0])
//	}, []*tensor.Tensor[float64]{x}, nil)
//
// GradGradCheck does the same one order up, as PyTorch's gradgradcheck, for
// ops that implement autograd.DifferentiableOp (a BackwardVar that computes
// the gradient with differentiable ops, so that Tape.Grad with CreateGraph
// can differentiate it again): it checks that BackwardVar gives Backward's
// values, and that the derivative of the recorded backward pass, with
// respect to every input and to the output gradient, matches central
// differences of first-order gradients. It names the op that has no
// BackwardVar, and catches a backward that cuts the graph by wrapping a
// differentiable quantity as a constant.
//
// The function must return a fresh result for fresh inputs each time it is
// called: Check runs it once on a tape and twice per input element without;
// GradGradCheck runs it on a tape and, on fresh tapes, twice per element of
// every input and of the output gradient.
package gradtest
