package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// LogSoftmax returns the log-probabilities of a softmax along axis, as
// PyTorch's log_softmax, with m = maxⱼ xⱼ:
//
//	log softmax(x)ᵢ = (xᵢ − m) − log Σⱼ exp(xⱼ − m)
//
// It is one op, ops.LogSoftmax, never log(softmax(x)): it stays finite for
// any finite logits, however large, and the log-probabilities near 0 keep
// their relative precision even for logits near exp's overflow threshold.
// A slice that is entirely −Inf gives NaN, as in PyTorch.
func LogSoftmax[T tensor.Float](x *autograd.Var[T], axis int) *autograd.Var[T] {
	return autograd.Apply[T](&ops.LogSoftmax[T]{Axis: axis}, x)
}

// Softmax returns exp(xᵢ) / Σⱼ exp(xⱼ) along axis, computed as
// exp(LogSoftmax(x, axis)) so that large logits do not overflow.
func Softmax[T tensor.Float](x *autograd.Var[T], axis int) *autograd.Var[T] {
	return Exp(LogSoftmax(x, axis))
}

// CrossEntropy, with PyTorch's options, is in loss.go.
