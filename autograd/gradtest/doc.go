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
// The function must return a fresh result for fresh inputs each time it is
// called: Check runs it once on a tape and twice per input element without.
package gradtest
