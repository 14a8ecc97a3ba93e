package functional

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// Reduction is how a loss reduces its element-wise values to its result,
// PyTorch's reduction= argument. Its zero value is ReductionMean, PyTorch's
// default.
type Reduction int

const (
	ReductionMean      Reduction = iota // "mean": the average (each loss says over what)
	ReductionSum                        // "sum": the sum
	ReductionNone                       // "none": the element-wise losses, unreduced
	ReductionBatchMean                  // "batchmean": the sum over the batch size (KLDivLoss only)
)

// String returns PyTorch's name of r.
func (r Reduction) String() string {
	switch r {
	case ReductionMean:
		return "mean"
	case ReductionSum:
		return "sum"
	case ReductionNone:
		return "none"
	case ReductionBatchMean:
		return "batchmean"
	}
	return fmt.Sprintf("Reduction(%d)", int(r))
}

// LossOption is a keyword argument of PyTorch's loss functions beyond the
// input and the target. The losses start from PyTorch's defaults
// (reduction "mean", no weights, ignore_index −100, label_smoothing 0,
// beta and delta 1, log_target false) and apply the options in order, so
// that every value an option sets, zero included, is used as given. A loss
// given an option that its PyTorch function does not take panics.
type LossOption func(*lossConfig)

// lossFlag marks which options were given.
type lossFlag uint

const (
	optReduction lossFlag = 1 << iota
	optWeight
	optPosWeight
	optIgnoreIndex
	optLabelSmoothing
	optBeta
	optDelta
	optLogTarget
)

var optNames = map[lossFlag]string{
	optReduction: "reduction", optWeight: "weight", optPosWeight: "pos_weight",
	optIgnoreIndex: "ignore_index", optLabelSmoothing: "label_smoothing",
	optBeta: "beta", optDelta: "delta", optLogTarget: "log_target",
}

type lossConfig struct {
	set                         lossFlag
	reduction                   Reduction
	weight, posWeight           any // *tensor.Tensor[T]
	ignoreIndex                 int
	labelSmoothing, beta, delta float64
	logTarget                   bool
}

// LossReduction sets the reduction (PyTorch's reduction=).
func LossReduction(r Reduction) LossOption {
	return func(c *lossConfig) { c.set |= optReduction; c.reduction = r }
}

// LossWeight sets the per-class weight of NLLLoss and CrossEntropy (shape
// [C]), or the per-element weight of BCELoss and BCEWithLogitsLoss, which
// broadcasts to the input (PyTorch's weight=). It is a constant.
func LossWeight[T tensor.Float](w *tensor.Tensor[T]) LossOption {
	return func(c *lossConfig) { c.set |= optWeight; c.weight = w }
}

// LossPosWeight sets BCEWithLogitsLoss's weight of positive examples,
// broadcast along the last (class) axis (PyTorch's pos_weight=). It is a
// constant.
func LossPosWeight[T tensor.Float](w *tensor.Tensor[T]) LossOption {
	return func(c *lossConfig) { c.set |= optPosWeight; c.posWeight = w }
}

// LossIgnoreIndex sets the class index whose targets contribute neither to
// the loss nor to the gradient (PyTorch's ignore_index=; −100 by default).
func LossIgnoreIndex(i int) LossOption {
	return func(c *lossConfig) { c.set |= optIgnoreIndex; c.ignoreIndex = i }
}

// LossLabelSmoothing sets CrossEntropy's label smoothing ε in [0, 1]
// (PyTorch's label_smoothing=).
func LossLabelSmoothing(eps float64) LossOption {
	return func(c *lossConfig) { c.set |= optLabelSmoothing; c.labelSmoothing = eps }
}

// LossBeta sets SmoothL1Loss's beta ≥ 0, where it turns from quadratic to
// linear (PyTorch's beta=; 1 by default).
func LossBeta(beta float64) LossOption {
	return func(c *lossConfig) { c.set |= optBeta; c.beta = beta }
}

// LossDelta sets HuberLoss's delta > 0 (PyTorch's delta=; 1 by default).
func LossDelta(delta float64) LossOption {
	return func(c *lossConfig) { c.set |= optDelta; c.delta = delta }
}

// LossLogTarget says whether KLDivLoss's target holds log-probabilities
// (PyTorch's log_target=; false by default).
func LossLogTarget(logTarget bool) LossOption {
	return func(c *lossConfig) { c.set |= optLogTarget; c.logTarget = logTarget }
}

// lossOptions applies opts over PyTorch's defaults, panicking for loss name
// at an option outside allowed or a reduction it does not take.
func lossOptions(name string, allowed lossFlag, opts []LossOption) lossConfig {
	c := lossConfig{ignoreIndex: -100, beta: 1, delta: 1}
	for _, o := range opts {
		o(&c)
	}
	for f := lossFlag(1); f <= optLogTarget; f <<= 1 {
		if c.set&f != 0 && (allowed|optReduction)&f == 0 {
			panic(fmt.Sprintf(errLossOption, name, optNames[f]))
		}
	}
	switch c.reduction {
	case ReductionMean, ReductionSum, ReductionNone:
	case ReductionBatchMean:
		if name != "KLDivLoss" {
			panic(fmt.Sprintf(errLossReduction, name, c.reduction))
		}
	default:
		panic(fmt.Sprintf(errLossReduction, name, c.reduction))
	}
	return c
}

// lossTensor returns an option's tensor as a *tensor.Tensor[T] (nil when
// unset), panicking when its element type is not T.
func lossTensor[T tensor.Float](name, what string, v any) *tensor.Tensor[T] {
	if v == nil {
		return nil
	}
	t, ok := v.(*tensor.Tensor[T])
	if !ok {
		panic(fmt.Sprintf(errLossDType, name, what, v, *new(T)))
	}
	return t
}

// reduce applies r to element-wise losses l: their mean, sum, or l itself.
func reduce[T tensor.Float](l *autograd.Var[T], r Reduction) *autograd.Var[T] {
	switch r {
	case ReductionSum:
		return Sum(l)
	case ReductionNone:
		return l
	}
	return Mean(l)
}

// scalar is a 0-d constant.
func scalar[T tensor.Float](v T) *autograd.Var[T] {
	t := tensor.New[T]()
	t.Data()[0] = v
	return autograd.NewConst(t)
}

// MSELoss returns the squared error between input and target, as PyTorch's
// F.mse_loss, element by element (input and target broadcast together)
// and then reduced (mean by default):
//
//	lᵢ = (inputᵢ − targetᵢ)²
//	∂lᵢ/∂inputᵢ = 2(inputᵢ − targetᵢ) = −∂lᵢ/∂targetᵢ
//
// It takes LossReduction. It panics if the shapes do not broadcast together.
func MSELoss[T tensor.Float](input, target *autograd.Var[T], opts ...LossOption) *autograd.Var[T] {
	c := lossOptions("MSELoss", 0, opts)
	d := Sub(input, target)
	return reduce(Mul(d, d), c.reduction)
}

// L1Loss returns the absolute error between input and target, as PyTorch's
// F.l1_loss, reduced (mean by default):
//
//	lᵢ = |inputᵢ − targetᵢ|
//	∂lᵢ/∂inputᵢ = sign(inputᵢ − targetᵢ), 0 where they are equal
//
// It is ops.SmoothL1 with Beta 0 of the difference. It takes
// LossReduction. It panics if the shapes do not broadcast together.
func L1Loss[T tensor.Float](input, target *autograd.Var[T], opts ...LossOption) *autograd.Var[T] {
	c := lossOptions("L1Loss", 0, opts)
	return reduce(autograd.Apply[T](&ops.SmoothL1[T]{}, Sub(input, target)), c.reduction)
}

// SmoothL1Loss returns PyTorch's F.smooth_l1_loss of input and target, with
// d = input − target, reduced (mean by default):
//
//	lᵢ = 0.5·dᵢ²/β  if |dᵢ| < β,   |dᵢ| − 0.5·β otherwise
//
// β = 0 gives L1Loss. It takes LossReduction and LossBeta (1 by default). It
// panics if β < 0 or the shapes do not broadcast together.
func SmoothL1Loss[T tensor.Float](input, target *autograd.Var[T], opts ...LossOption) *autograd.Var[T] {
	c := lossOptions("SmoothL1Loss", optBeta, opts)
	if !(c.beta >= 0) {
		panic(fmt.Sprintf(errLossBeta, c.beta))
	}
	return reduce(autograd.Apply[T](&ops.SmoothL1[T]{Beta: T(c.beta)}, Sub(input, target)), c.reduction)
}

// HuberLoss returns PyTorch's F.huber_loss of input and target, with
// d = input − target, reduced (mean by default):
//
//	lᵢ = 0.5·dᵢ²  if |dᵢ| < δ,   δ·(|dᵢ| − 0.5·δ) otherwise
//
// which is δ times SmoothL1Loss with β = δ, and is computed so. It takes
// LossReduction and LossDelta (1 by default). It panics if δ ≤ 0 or the
// shapes do not broadcast together.
func HuberLoss[T tensor.Float](input, target *autograd.Var[T], opts ...LossOption) *autograd.Var[T] {
	c := lossOptions("HuberLoss", optDelta, opts)
	if !(c.delta > 0) {
		panic(fmt.Sprintf(errLossDelta, c.delta))
	}
	l := Scale(autograd.Apply[T](&ops.SmoothL1[T]{Beta: T(c.delta)}, Sub(input, target)), T(c.delta))
	return reduce(l, c.reduction)
}

// BCELoss returns the binary cross-entropy of probabilities input against
// target, as PyTorch's F.binary_cross_entropy, reduced (mean by default):
//
//	lᵢ = −wᵢ·(tᵢ·max(log pᵢ, −100) + (1 − tᵢ)·max(log(1 − pᵢ), −100))
//
// The logarithms are clamped at −100 as in PyTorch, so p = 0 or 1 gives a
// finite loss; see ops.BCELoss for the gradients. BCEWithLogitsLoss, on
// logits, is the stable form. It takes LossReduction and LossWeight (a
// constant broadcast to the input). It panics unless input and target have
// the same shape with every input in [0, 1].
func BCELoss[T tensor.Float](input, target *autograd.Var[T], opts ...LossOption) *autograd.Var[T] {
	c := lossOptions("BCELoss", optWeight, opts)
	w := lossTensor[T]("BCELoss", "weight", c.weight)
	return reduce(autograd.Apply[T](&ops.BCELoss[T]{Weight: w}, input, target), c.reduction)
}

// BCEWithLogitsLoss returns the binary cross-entropy of logits input
// against target, as PyTorch's F.binary_cross_entropy_with_logits, in its
// stable form, reduced (mean by default): with p the positive weight,
//
//	lᵢ = wᵢ·((1 − tᵢ)·xᵢ + (1 + (pᵢ − 1)·tᵢ)·log(1 + e^−xᵢ))
//
// finite for any finite logit (see ops.BCEWithLogits). It takes
// LossReduction, LossWeight (broadcast to the input) and LossPosWeight
// (broadcast along the last, class, axis), both constants. It panics
// unless input and target have the same shape and the weights broadcast
// to it.
func BCEWithLogitsLoss[T tensor.Float](input, target *autograd.Var[T], opts ...LossOption) *autograd.Var[T] {
	c := lossOptions("BCEWithLogitsLoss", optWeight|optPosWeight, opts)
	op := &ops.BCEWithLogits[T]{
		Weight:    lossTensor[T]("BCEWithLogitsLoss", "weight", c.weight),
		PosWeight: lossTensor[T]("BCEWithLogitsLoss", "pos_weight", c.posWeight),
	}
	return reduce(autograd.Apply[T](op, input, target), c.reduction)
}

// NLLLoss returns the negative log-likelihood of log-probabilities input,
// of shape N×C or N×C×d₁×…, against class indices target (one per element
// of N×d₁×…, row-major), as PyTorch's F.nll_loss:
//
//	lᵢ = −w[tᵢ]·input[i, tᵢ]      (0 where tᵢ = ignore_index)
//
// ReductionNone returns l (shape N×d₁×…), ReductionSum Σᵢ lᵢ, and
// ReductionMean Σᵢ lᵢ / Σᵢ w[tᵢ] over the targets not ignored, as PyTorch:
// NaN when every target is ignored or their weights sum to 0. It takes
// LossReduction, LossWeight (shape [C], a constant) and LossIgnoreIndex
// (−100 by default). It panics unless the shapes fit and every target is in
// [0, C) or ignore_index.
func NLLLoss[T tensor.Float](input *autograd.Var[T], target []int, opts ...LossOption) *autograd.Var[T] {
	c := lossOptions("NLLLoss", optWeight|optIgnoreIndex, opts)
	w := lossTensor[T]("NLLLoss", "weight", c.weight)
	l := autograd.Apply[T](&ops.NLLLoss[T]{Target: target, Weight: w, IgnoreIndex: c.ignoreIndex}, input)
	switch c.reduction {
	case ReductionNone:
		return l
	case ReductionSum:
		return Sum(l)
	}
	return Div(Sum(l), scalar(totalWeight(target, w, c.ignoreIndex)))
}

// totalWeight is Σ w[t] over the targets not ignored (their count without
// a weight): the divisor of NLLLoss's mean.
func totalWeight[T tensor.Float](target []int, w *tensor.Tensor[T], ignore int) T {
	var s T
	for _, t := range target {
		switch {
		case t == ignore:
		case w == nil:
			s++
		default:
			s += w.Data()[t]
		}
	}
	return s
}

// classWeights returns w reshaped to broadcast along axis 1 of an input of
// rank n: [1, C, 1, …].
func classWeights[T tensor.Float](w *tensor.Tensor[T], n int) *autograd.Var[T] {
	shape := make([]int, n)
	for i := range shape {
		shape[i] = 1
	}
	shape[1] = w.Size()
	return autograd.NewConst(w.Reshape(shape...))
}

// CrossEntropy returns the softmax cross-entropy of logits (N×C or
// N×C×d₁×…) against class indices labels (one per element of N×d₁×…), as
// PyTorch's F.cross_entropy: NLLLoss of LogSoftmax along axis 1.
//
//	lᵢ = −w[yᵢ]·log softmax(xᵢ)[yᵢ]
//
// With no option it is the mean −(1/n) Σᵢ log softmax(xᵢ)[yᵢ], whose
// gradient with respect to the logits is (softmax(x) − onehot(y))/n. It
// takes LossReduction, LossWeight (shape [C]), LossIgnoreIndex (−100 by
// default; the mean divides by the weights of the targets not ignored, as
// NLLLoss's) and LossLabelSmoothing ε, which mixes in the uniform
// distribution as PyTorch 1.13 does:
//
//	lᵢ = (1 − ε)·nllᵢ + (ε/C)·Σ_c −w[c]·log softmax(xᵢ)[c]
//
// with both terms 0 for ignored targets, both reduced as NLLLoss's (the
// mean divides both by the same Σ w[yᵢ]). For probabilities as targets see
// CrossEntropyProbs. It panics unless the shapes fit, every label is in
// [0, C) or ignore_index, and ε is in [0, 1].
func CrossEntropy[T tensor.Float](logits *autograd.Var[T], labels []int, opts ...LossOption) *autograd.Var[T] {
	if len(opts) == 0 && logits.Value().NDim() == 2 && !hasLabel(labels, -100) {
		// The training path: one Gather, no division by a weight total.
		return Neg(Mean(Gather(LogSoftmax(logits, 1), labels)))
	}
	c := lossOptions("CrossEntropy", optWeight|optIgnoreIndex|optLabelSmoothing, opts)
	eps := c.labelSmoothing
	if !(eps >= 0 && eps <= 1) {
		panic(fmt.Sprintf(errLossSmoothing, eps))
	}
	if logits.Value().NDim() < 2 {
		panic(fmt.Sprintf(errLossCERank, "CrossEntropy", logits.Shape()))
	}
	w := lossTensor[T]("CrossEntropy", "weight", c.weight)
	lp := LogSoftmax(logits, 1)
	nllOpts := []LossOption{LossReduction(c.reduction), LossIgnoreIndex(c.ignoreIndex)}
	if w != nil {
		nllOpts = append(nllOpts, LossWeight(w))
	}
	nll := NLLLoss(lp, labels, nllOpts...)
	if eps == 0 {
		return nll
	}
	// The smoothing term: −Σ_c w[c]·lp[i, c], 0 for ignored targets.
	wlp := lp
	if w != nil {
		wlp = Mul(lp, classWeights(w, lp.Value().NDim()))
	}
	smooth := Neg(Sum(wlp, 1))
	keep := tensor.New[T](smooth.Shape()...)
	for i, t := range labels {
		if t != c.ignoreIndex {
			keep.Data()[i] = 1
		}
	}
	smooth = Mul(smooth, autograd.NewConst(keep))
	switch c.reduction {
	case ReductionSum:
		smooth = Sum(smooth)
	case ReductionMean:
		smooth = Div(Sum(smooth), scalar(totalWeight(labels, w, c.ignoreIndex)))
	}
	classes := T(logits.Shape()[1])
	return Add(Scale(nll, T(1-eps)), Scale(smooth, T(eps)/classes))
}

// hasLabel reports whether labels holds k.
func hasLabel(labels []int, k int) bool {
	for _, l := range labels {
		if l == k {
			return true
		}
	}
	return false
}

// CrossEntropyProbs returns the softmax cross-entropy of logits (N×C or
// N×C×d₁×…) against class probabilities target of the same shape, as
// PyTorch's F.cross_entropy with a floating-point target:
//
//	lᵢ = −Σ_c w[c]·t[i, c]·log softmax(xᵢ)[c]
//
// ReductionMean divides Σᵢ lᵢ by the number of elements of N×d₁×…,
// whatever the weights, as PyTorch. The target is differentiable. It takes
// LossReduction, LossWeight (shape [C]) and LossLabelSmoothing ε, which
// replaces t by (1 − ε)·t + ε/C; LossIgnoreIndex only with a negative
// index, which ignores nothing, as PyTorch. It panics unless the shapes are
// equal and at least 2-d, ε is in [0, 1] and any ignore_index negative.
func CrossEntropyProbs[T tensor.Float](logits, target *autograd.Var[T], opts ...LossOption) *autograd.Var[T] {
	c := lossOptions("CrossEntropyProbs", optWeight|optLabelSmoothing|optIgnoreIndex, opts)
	if c.ignoreIndex >= 0 {
		panic(fmt.Sprintf(errLossProbsIgnore, c.ignoreIndex))
	}
	eps := c.labelSmoothing
	if !(eps >= 0 && eps <= 1) {
		panic(fmt.Sprintf(errLossSmoothing, eps))
	}
	if logits.Value().NDim() < 2 {
		panic(fmt.Sprintf(errLossCERank, "CrossEntropyProbs", logits.Shape()))
	}
	if !tensor.EqualShapes(logits.Shape(), target.Shape()) {
		panic(fmt.Sprintf(errLossProbs, target.Shape(), logits.Shape()))
	}
	classes := logits.Shape()[1]
	t := target
	if eps > 0 {
		t = AddScalar(Scale(target, T(1-eps)), T(eps)/T(classes))
	}
	prod := Mul(LogSoftmax(logits, 1), t)
	if w := lossTensor[T]("CrossEntropyProbs", "weight", c.weight); w != nil {
		if w.Size() != classes {
			panic(fmt.Sprintf(errLossCEWeight, w.Shape(), classes, logits.Shape()))
		}
		prod = Mul(prod, classWeights(w, logits.Value().NDim()))
	}
	switch c.reduction {
	case ReductionNone:
		return Neg(Sum(prod, 1))
	case ReductionSum:
		return Neg(Sum(prod))
	}
	return Div(Neg(Sum(prod)), scalar(T(logits.Value().Size()/classes)))
}

// KLDivLoss returns the Kullback–Leibler divergence of the distribution
// target from the log-probabilities input, as PyTorch's F.kl_div:
//
//	lᵢ = tᵢ·log tᵢ − tᵢ·inputᵢ         (0·log 0 = 0)
//	lᵢ = e^tᵢ·(tᵢ − inputᵢ)            with LossLogTarget(true)
//
// ReductionMean averages over every element (PyTorch's default, which it
// warns about), ReductionBatchMean divides the sum by the batch size
// input.shape[0] (the divergence's true mean), ReductionSum sums,
// ReductionNone returns l. The target is differentiable; t·log t is
// ops.XLogX, whose gradient at t = 0 is NaN, as PyTorch's. It takes
// LossReduction and LossLogTarget. It panics if the shapes do not
// broadcast together.
func KLDivLoss[T tensor.Float](input, target *autograd.Var[T], opts ...LossOption) *autograd.Var[T] {
	c := lossOptions("KLDivLoss", optLogTarget, opts)
	var l *autograd.Var[T]
	if c.logTarget {
		l = Mul(Exp(target), Sub(target, input))
	} else {
		l = Sub(autograd.Apply[T](&ops.XLogX[T]{}, target), Mul(target, input))
	}
	if c.reduction == ReductionBatchMean {
		s := Sum(l)
		if input.Value().NDim() == 0 {
			return s
		}
		return Div(s, scalar(T(input.Shape()[0])))
	}
	return reduce(l, c.reduction)
}
