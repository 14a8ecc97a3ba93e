package functional

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// BatchNorm normalizes x (N×C or N×C×…) per channel over every other axis
// with the batch statistics, then scales by gamma and shifts by beta (both of
// shape C), as PyTorch's F.batch_norm in training mode:
//
//	y = γ ⊙ (x − μ)/√(σ² + eps) + β
//
// Either of gamma and beta may be nil, as PyTorch's weight and bias may be
// None: a missing γ is 1 and a missing β is 0. With both nil it is batch
// norm without the affine map (affine=False), y = x̂, and the backward
// computes dx alone.
//
// It is the fused op ops.BatchNorm, whose backward is derived by hand, and
// is itself differentiable: under Tape.Grad with CreateGraph the op
// recomputes the statistics from x with ops, so second- and higher-order
// gradients (a gradient penalty, a Hessian–vector product) flow through it
// as through BatchNormComposed. It also returns the batch mean and the biased batch variance (shape C), from
// which a module updates its running statistics (UpdateRunningStats). It
// panics on fewer than 2 axes, on parameters that are not of shape C, and
// when a channel has only one value, as PyTorch does.
func BatchNorm[T tensor.Float](x, gamma, beta *autograd.Var[T], eps T) (y *autograd.Var[T], mean, variance *tensor.Tensor[T]) {
	return batchNorm("BatchNorm", x, gamma, beta, eps)
}

func batchNorm[T tensor.Float](name string, x, gamma, beta *autograd.Var[T], eps T) (y *autograd.Var[T], mean, variance *tensor.Tensor[T]) {
	checkBatchNorm(name, x)
	checkPerChannel(name, x, gamma, beta, nil, nil)
	op := &ops.BatchNorm[T]{Eps: eps}
	if gamma == nil && beta == nil {
		y = autograd.Apply[T](op, x)
		return y, op.Mean, op.Var
	}
	// One of the two alone: the other is a constant 1 or 0, which asks for
	// no gradient.
	c := x.Shape()[1]
	if gamma == nil {
		gamma = autograd.NewConst(tensor.Ones[T](c))
	}
	if beta == nil {
		beta = autograd.NewConst(tensor.New[T](c))
	}
	y = autograd.Apply[T](op, x, gamma, beta)
	return y, op.Mean, op.Var
}

// BatchNormComposed computes the same as BatchNorm with tape primitives only
// — Mean, Sub, Mul, AddScalar, Sqrt, Div, Reshape, Add — so that the tape
// derives its backward; nothing in it is specific to batch norm. It is the
// reference the fused op is checked against, and keeps about twice the
// memory for backward (x − μ and x̂, where the fused op keeps x alone).
// As in BatchNorm, gamma and beta may each be nil: the product with γ and
// the sum with β are then left out.
func BatchNormComposed[T tensor.Float](x, gamma, beta *autograd.Var[T], eps T) (y *autograd.Var[T], mean, variance *tensor.Tensor[T]) {
	const name = "BatchNormComposed"
	checkBatchNorm(name, x)
	checkPerChannel(name, x, gamma, beta, nil, nil)
	axes := channelAxes(len(x.Shape()))
	mu := MeanKeepDims(x, axes...)
	xc := Sub(x, mu)
	v := MeanKeepDims(Mul(xc, xc), axes...)
	y = Div(xc, Sqrt(AddScalar(v, eps)))
	// γ and β of shape C broadcast over an N×C input as they are; over
	// N×C×…, as 1×C×1×….
	perChannel := func(p *autograd.Var[T]) *autograd.Var[T] {
		if len(x.Shape()) == 2 {
			return p
		}
		return Reshape(p, perChannelShape(x.Shape())...)
	}
	if gamma != nil {
		y = Mul(y, perChannel(gamma))
	}
	if beta != nil {
		y = Add(y, perChannel(beta))
	}
	c := x.Shape()[1]
	return y, mu.Value().Reshape(c), v.Value().Reshape(c)
}

// BatchNormFull is PyTorch's F.batch_norm(input, running_mean, running_var,
// weight, bias, training, momentum, eps), with its arguments in the same
// order; nil stands for None. Go has no keyword arguments, so all are given:
// F.batch_norm's defaults are weight = bias = nil, training = false,
// momentum = 0.1 and eps = 1e-5.
//
// In training mode it normalizes with the batch statistics, as BatchNorm
// (the fused op; gamma and beta may be nil), and then folds them into each
// running statistic that is given (UpdateRunningStats with factor
// momentum): M values per channel,
//
//	y = γ ⊙ (x − μ)/√(σ² + eps) + β
//	running_mean ← (1 − momentum)·running_mean + momentum·μ
//	running_var  ← (1 − momentum)·running_var  + momentum·σ²·M/(M − 1)
//
// In evaluation mode (training false) it uses the running statistics, which
// must both be given, and leaves them alone; y is then an affine map of x
// per channel, differentiable in x, γ and β, to any order (its second
// derivative in x is zero):
//
//	y = x ⊙ s + (β − running_mean ⊙ s),  s = γ/√(running_var + eps)
//
// PyTorch's nn.BatchNorm momentum=None (a cumulative average) is a momentum
// of 1/num_batches_tracked here, as there: the module computes the factor.
//
// It panics if x has fewer than 2 axes, if a parameter or running statistic
// given is not of shape C, in training mode if a channel has only one value,
// and in evaluation mode if a running statistic is nil.
func BatchNormFull[T tensor.Float](x *autograd.Var[T], runningMean, runningVar *tensor.Tensor[T], weight, bias *autograd.Var[T], training bool, momentum, eps T) *autograd.Var[T] {
	const name = "BatchNormFull"
	checkRank(name, x)
	checkPerChannel(name, x, weight, bias, runningMean, runningVar)
	if !training {
		if runningMean == nil {
			panic(fmt.Sprintf(errBNEval, name, "running_mean"))
		}
		if runningVar == nil {
			panic(fmt.Sprintf(errBNEval, name, "running_var"))
		}
		return batchNormEval(x, runningMean, runningVar, weight, bias, eps)
	}
	y, mean, variance := batchNorm(name, x, weight, bias, eps)
	UpdateRunningStats(runningMean, runningVar, mean, variance, tensor.NumElems(x.Shape())/x.Shape()[1], float64(momentum))
	return y
}

// UpdateRunningStats folds a batch's statistics into running ones, in
// place, as PyTorch's batch norm does in training mode: mean and variance
// are the batch mean and biased variance that BatchNorm returns, over m
// values per channel, and the running variance takes the unbiased estimate:
//
//	runningMean ← (1 − momentum)·runningMean + momentum·mean
//	runningVar  ← (1 − momentum)·runningVar  + momentum·variance·m/(m − 1)
//
// computed in float64. Either running statistic may be nil and is then left
// out. A momentum of 0 leaves them unchanged; a cumulative average (PyTorch's
// momentum=None) is momentum 1/k at the k-th batch. It panics if m < 2 or if
// a given tensor is not of the shape of mean.
func UpdateRunningStats[T tensor.Float](runningMean, runningVar, mean, variance *tensor.Tensor[T], m int, momentum float64) {
	if m < 2 {
		panic(fmt.Sprintf(errBNCount, m))
	}
	for _, s := range []struct {
		name     string
		run, val *tensor.Tensor[T]
	}{{"running mean", runningMean, mean}, {"running variance", runningVar, variance}} {
		if s.run != nil && !tensor.SameShape(s.run, s.val) {
			panic(fmt.Sprintf(errBNUpdate, s.name, s.run.Shape(), s.val.Shape()))
		}
	}
	unbias := float64(m) / float64(m-1)
	if runningMean != nil {
		rm := runningMean.Data()
		for c, v := range mean.Data() {
			rm[c] = T(momentum*float64(v) + (1-momentum)*float64(rm[c]))
		}
	}
	if runningVar != nil {
		rv := runningVar.Data()
		for c, v := range variance.Data() {
			rv[c] = T(momentum*float64(v)*unbias + (1-momentum)*float64(rv[c]))
		}
	}
}

// batchNormEval is evaluation-mode batch norm: the per-channel affine map
// y = x·s + t with s = γ/√(running_var + eps) and t = β − running_mean·s,
// where s and t are built from γ and β with tape ops, so that they stay
// differentiable, and are constants without them.
func batchNormEval[T tensor.Float](x *autograd.Var[T], runningMean, runningVar *tensor.Tensor[T], weight, bias *autograd.Var[T], eps T) *autograd.Var[T] {
	scale, shift := batchNormEvalAffine(x.Shape()[1], runningMean, runningVar, weight, bias, eps)
	return autograd.Apply[T](&ops.ChannelAffine[T]{}, x, scale, shift) // x·scale + shift, in one pass
}

// batchNormEvalAffine returns the scale s = γ/√(running_var + eps) and the
// shift t = β − running_mean·s of evaluation-mode batch norm over c
// channels (batchNormEval; Conv2dBatchNormEval's epilogue).
func batchNormEvalAffine[T tensor.Float](c int, runningMean, runningVar *tensor.Tensor[T], weight, bias *autograd.Var[T], eps T) (scale, shift *autograd.Var[T]) {
	invStd := tensor.New[T](c)
	for i, v := range runningVar.Data() {
		invStd.Data()[i] = T(1 / math.Sqrt(float64(v)+float64(eps)))
	}
	scale = autograd.NewConst(invStd)
	if weight != nil {
		scale = Mul(weight, scale)
	}
	if weight == nil && bias == nil {
		t := tensor.New[T](c)
		for i, m := range runningMean.Data() {
			t.Data()[i] = -m * invStd.Data()[i]
		}
		shift = autograd.NewConst(t)
	} else {
		shift = Mul(autograd.NewConst(runningMean), scale)
		if bias != nil {
			shift = Sub(bias, shift)
		} else {
			shift = Neg(shift)
		}
	}
	return scale, shift
}

// checkRank panics unless x has a channel axis.
func checkRank[T tensor.Float](name string, x *autograd.Var[T]) {
	if s := x.Shape(); len(s) < 2 {
		panic(fmt.Sprintf(errBNRank, name, s))
	}
}

// checkBatchNorm panics unless x has a channel axis and more than one value
// per channel.
func checkBatchNorm[T tensor.Float](name string, x *autograd.Var[T]) {
	checkRank(name, x)
	s := x.Shape()
	if tensor.NumElems(s)/max(s[1], 1) <= 1 {
		panic(fmt.Sprintf(errBNValues, name, s))
	}
}

// checkPerChannel panics unless each of weight, bias, runningMean and
// runningVar that is not nil has shape C, the channel count of x.
func checkPerChannel[T tensor.Float](name string, x, weight, bias *autograd.Var[T], runningMean, runningVar *tensor.Tensor[T]) {
	s := x.Shape()
	check := func(what string, shape []int) {
		if !tensor.EqualShapes(shape, []int{s[1]}) {
			panic(fmt.Sprintf(errBNPerChannel, name, what, shape, s, s[1]))
		}
	}
	if weight != nil {
		check("weight (γ)", weight.Shape())
	}
	if bias != nil {
		check("bias (β)", bias.Shape())
	}
	if runningMean != nil {
		check("running_mean", runningMean.Shape())
	}
	if runningVar != nil {
		check("running_var", runningVar.Shape())
	}
}

// channelAxes lists every axis but the channel axis 1.
func channelAxes(rank int) []int {
	axes := []int{0}
	for a := 2; a < rank; a++ {
		axes = append(axes, a)
	}
	return axes
}

// perChannelShape is 1×C×1×… for an input of the given shape: the shape that
// broadcasts a per-channel vector over the input.
func perChannelShape(s []int) []int {
	out := make([]int, len(s))
	for i := range out {
		out[i] = 1
	}
	out[1] = s[1]
	return out
}
