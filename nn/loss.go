package nn

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// The loss modules, as PyTorch's nn.MSELoss, nn.CrossEntropyLoss, …: each
// holds the options it was made with (functional.LossReduction,
// functional.LossWeight, …, over PyTorch's defaults) and its Forward calls
// the functional of the same name. They take an input and a target, so they
// are not Modules (whose Forward takes one Var), and they have no
// parameters. An option the loss does not take panics at the first
// Forward, naming the loss and the option.

// MSELoss is PyTorch's nn.MSELoss: functional.MSELoss with its options.
type MSELoss[T tensor.Float] struct{ Options []functional.LossOption }

// NewMSELoss returns an MSELoss with the options given (LossReduction).
func NewMSELoss[T tensor.Float](opts ...functional.LossOption) *MSELoss[T] {
	return &MSELoss[T]{Options: opts}
}

// Forward returns the loss of input against target.
func (l *MSELoss[T]) Forward(input, target *autograd.Var[T]) *autograd.Var[T] {
	return functional.MSELoss(input, target, l.Options...)
}

// L1Loss is PyTorch's nn.L1Loss: functional.L1Loss with its options.
type L1Loss[T tensor.Float] struct{ Options []functional.LossOption }

// NewL1Loss returns an L1Loss with the options given (LossReduction).
func NewL1Loss[T tensor.Float](opts ...functional.LossOption) *L1Loss[T] {
	return &L1Loss[T]{Options: opts}
}

// Forward returns the loss of input against target.
func (l *L1Loss[T]) Forward(input, target *autograd.Var[T]) *autograd.Var[T] {
	return functional.L1Loss(input, target, l.Options...)
}

// SmoothL1Loss is PyTorch's nn.SmoothL1Loss: functional.SmoothL1Loss with
// its options.
type SmoothL1Loss[T tensor.Float] struct{ Options []functional.LossOption }

// NewSmoothL1Loss returns a SmoothL1Loss with the options given
// (LossReduction, LossBeta; beta 1 by default).
func NewSmoothL1Loss[T tensor.Float](opts ...functional.LossOption) *SmoothL1Loss[T] {
	return &SmoothL1Loss[T]{Options: opts}
}

// Forward returns the loss of input against target.
func (l *SmoothL1Loss[T]) Forward(input, target *autograd.Var[T]) *autograd.Var[T] {
	return functional.SmoothL1Loss(input, target, l.Options...)
}

// HuberLoss is PyTorch's nn.HuberLoss: functional.HuberLoss with its
// options.
type HuberLoss[T tensor.Float] struct{ Options []functional.LossOption }

// NewHuberLoss returns a HuberLoss with the options given (LossReduction,
// LossDelta; delta 1 by default).
func NewHuberLoss[T tensor.Float](opts ...functional.LossOption) *HuberLoss[T] {
	return &HuberLoss[T]{Options: opts}
}

// Forward returns the loss of input against target.
func (l *HuberLoss[T]) Forward(input, target *autograd.Var[T]) *autograd.Var[T] {
	return functional.HuberLoss(input, target, l.Options...)
}

// BCELoss is PyTorch's nn.BCELoss: functional.BCELoss with its options.
type BCELoss[T tensor.Float] struct{ Options []functional.LossOption }

// NewBCELoss returns a BCELoss with the options given (LossReduction,
// LossWeight).
func NewBCELoss[T tensor.Float](opts ...functional.LossOption) *BCELoss[T] {
	return &BCELoss[T]{Options: opts}
}

// Forward returns the loss of the probabilities input against target.
func (l *BCELoss[T]) Forward(input, target *autograd.Var[T]) *autograd.Var[T] {
	return functional.BCELoss(input, target, l.Options...)
}

// BCEWithLogitsLoss is PyTorch's nn.BCEWithLogitsLoss:
// functional.BCEWithLogitsLoss with its options.
type BCEWithLogitsLoss[T tensor.Float] struct{ Options []functional.LossOption }

// NewBCEWithLogitsLoss returns a BCEWithLogitsLoss with the options given
// (LossReduction, LossWeight, LossPosWeight).
func NewBCEWithLogitsLoss[T tensor.Float](opts ...functional.LossOption) *BCEWithLogitsLoss[T] {
	return &BCEWithLogitsLoss[T]{Options: opts}
}

// Forward returns the loss of the logits input against target.
func (l *BCEWithLogitsLoss[T]) Forward(input, target *autograd.Var[T]) *autograd.Var[T] {
	return functional.BCEWithLogitsLoss(input, target, l.Options...)
}

// NLLLoss is PyTorch's nn.NLLLoss: functional.NLLLoss with its options.
type NLLLoss[T tensor.Float] struct{ Options []functional.LossOption }

// NewNLLLoss returns an NLLLoss with the options given (LossReduction,
// LossWeight, LossIgnoreIndex; −100 by default).
func NewNLLLoss[T tensor.Float](opts ...functional.LossOption) *NLLLoss[T] {
	return &NLLLoss[T]{Options: opts}
}

// Forward returns the loss of the log-probabilities input against the
// class indices target.
func (l *NLLLoss[T]) Forward(input *autograd.Var[T], target []int) *autograd.Var[T] {
	return functional.NLLLoss(input, target, l.Options...)
}

// CrossEntropyLoss is PyTorch's nn.CrossEntropyLoss: functional.CrossEntropy
// (class indices) and functional.CrossEntropyProbs (probabilities) with its
// options.
type CrossEntropyLoss[T tensor.Float] struct{ Options []functional.LossOption }

// NewCrossEntropyLoss returns a CrossEntropyLoss with the options given
// (LossReduction, LossWeight, LossIgnoreIndex, LossLabelSmoothing).
func NewCrossEntropyLoss[T tensor.Float](opts ...functional.LossOption) *CrossEntropyLoss[T] {
	return &CrossEntropyLoss[T]{Options: opts}
}

// Forward returns the loss of the logits input against the class indices
// target.
func (l *CrossEntropyLoss[T]) Forward(input *autograd.Var[T], target []int) *autograd.Var[T] {
	return functional.CrossEntropy(input, target, l.Options...)
}

// ForwardProbs returns the loss of the logits input against the class
// probabilities target (PyTorch's floating-point target); a non-negative
// ignore_index does not apply to them and panics, as in PyTorch.
func (l *CrossEntropyLoss[T]) ForwardProbs(input, target *autograd.Var[T]) *autograd.Var[T] {
	return functional.CrossEntropyProbs(input, target, l.Options...)
}

// KLDivLoss is PyTorch's nn.KLDivLoss: functional.KLDivLoss with its
// options.
type KLDivLoss[T tensor.Float] struct{ Options []functional.LossOption }

// NewKLDivLoss returns a KLDivLoss with the options given (LossReduction,
// ReductionBatchMean included, and LossLogTarget).
func NewKLDivLoss[T tensor.Float](opts ...functional.LossOption) *KLDivLoss[T] {
	return &KLDivLoss[T]{Options: opts}
}

// Forward returns the divergence of target from the log-probabilities
// input.
func (l *KLDivLoss[T]) Forward(input, target *autograd.Var[T]) *autograd.Var[T] {
	return functional.KLDivLoss(input, target, l.Options...)
}
