// Package functional is tapegrad's Var-level API: one function per primitive
// op of package ops, and the composites built from them — Softmax,
// LogSoftmax, CrossEntropy, Linear — and PyTorch's loss functions (MSELoss,
// L1Loss, SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, NLLLoss,
// KLDivLoss, CrossEntropy and CrossEntropyProbs) with their keyword
// arguments as LossOptions.
//
// Every function takes and returns *autograd.Var. Whether a call is recorded
// follows autograd's rule: when an argument lives on a tape and one requires
// a gradient, the call is recorded and Backward will differentiate through
// it; otherwise it only computes.
//
//	tape := autograd.NewTape[float64]()
//	x := tape.Input(batch)
//	loss := functional.CrossEntropy(functional.Linear(x, w, b), labels)
//	tape.Backward(loss)
//
// Composites are written only with primitives, so their backward passes are
// derived by the tape; LogSoftmax is itself an op (ops.LogSoftmax), stable
// for any finite logits, and Softmax and CrossEntropy are built on it.
package functional
