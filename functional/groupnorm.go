package functional

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// GroupNorm is PyTorch's F.group_norm(input, num_groups, weight, bias, eps):
// the C channels of x (N×C or N×C×…) fall into numGroups groups of
// consecutive channels, every sample's group is normalized over its
// M = (C/numGroups)·d₁·… values with their mean and biased variance, and
// every channel is then scaled by γ and shifted by β (both of shape C):
//
//	y = γ ⊙ (x − μ)/√(σ² + eps) + β      μ, σ² per sample and group
//
// Either of weight and bias may be nil, as PyTorch's None: a missing γ is 1
// and a missing β is 0. F.group_norm's default eps is 1e-5.
//
// It is the fused op ops.GroupNorm, whose backward is derived by hand, and
// is differentiable to any order, as BatchNorm. It panics if x has fewer
// than 2 axes, if numGroups is not positive or does not divide C, and if a
// parameter given is not of shape C.
func GroupNorm[T tensor.Float](x *autograd.Var[T], numGroups int, weight, bias *autograd.Var[T], eps T) *autograd.Var[T] {
	y, _, _ := groupNorm("GroupNorm", x, numGroups, weight, bias, eps)
	return y
}

// groupNorm applies ops.GroupNorm and returns the statistics it computed,
// shape N×numGroups.
func groupNorm[T tensor.Float](name string, x *autograd.Var[T], numGroups int, weight, bias *autograd.Var[T], eps T) (y *autograd.Var[T], mean, variance *tensor.Tensor[T]) {
	checkGroupNorm(name, x, numGroups, weight, bias)
	op := &ops.GroupNorm[T]{Groups: numGroups, Eps: eps}
	if weight == nil && bias == nil {
		y = autograd.Apply[T](op, x)
		return y, op.Mean, op.Var
	}
	c := x.Shape()[1]
	if weight == nil {
		weight = autograd.NewConst(tensor.Ones[T](c))
	}
	if bias == nil {
		bias = autograd.NewConst(tensor.New[T](c))
	}
	y = autograd.Apply[T](op, x, weight, bias)
	return y, op.Mean, op.Var
}

// GroupNormComposed computes the same as GroupNorm with tape primitives
// only — Reshape, Mean, Sub, Mul, AddScalar, Sqrt, Div, Add — so that the
// tape derives its backward. It is the reference the fused op is checked
// against. Its arguments and panics are GroupNorm's.
func GroupNormComposed[T tensor.Float](x *autograd.Var[T], numGroups int, weight, bias *autograd.Var[T], eps T) *autograd.Var[T] {
	checkGroupNorm("GroupNormComposed", x, numGroups, weight, bias)
	s := x.Shape()
	xg := Reshape(x, s[0], numGroups, tensor.NumElems(s[1:])/numGroups)
	xc := Sub(xg, MeanKeepDims(xg, 2))
	v := MeanKeepDims(Mul(xc, xc), 2)
	y := Reshape(Div(xc, Sqrt(AddScalar(v, eps))), s...)
	shape := perChannelShape(s)
	if weight != nil {
		y = Mul(y, Reshape(weight, shape...))
	}
	if bias != nil {
		y = Add(y, Reshape(bias, shape...))
	}
	return y
}

// checkGroupNorm panics unless x has a channel axis that numGroups divides
// and weight and bias, when given, have shape C.
func checkGroupNorm[T tensor.Float](name string, x *autograd.Var[T], numGroups int, weight, bias *autograd.Var[T]) {
	checkRank(name, x)
	s := x.Shape()
	if numGroups <= 0 || s[1]%numGroups != 0 {
		panic(fmt.Sprintf(errGNGroups, name, s[1], s, numGroups))
	}
	checkPerChannel(name, x, weight, bias, nil, nil)
}

// InstanceNorm is PyTorch's F.instance_norm(input, running_mean,
// running_var, weight, bias, use_input_stats, momentum, eps), its arguments
// in the same order, nil standing for None; F.instance_norm's defaults are
// nil statistics and parameters, useInputStats true, momentum 0.1 and eps
// 1e-5.
//
// With useInputStats it normalizes every sample's channel over its
// M = d₁·… spatial values (GroupNorm with C groups, the fused op), and folds
// the statistics, averaged over the samples, into each running statistic
// given, the variance unbiased:
//
//	y = γ ⊙ (x − μ)/√(σ² + eps) + β      μ, σ² per sample and channel
//	running_mean ← (1 − momentum)·running_mean + momentum·mean_n(μ)
//	running_var  ← (1 − momentum)·running_var  + momentum·mean_n(σ²)·M/(M − 1)
//
// Without it, it normalizes with the running statistics, which must both be
// given, as BatchNormFull in evaluation mode. It panics if x has fewer than
// 2 axes, if a parameter or running statistic given is not of shape C, with
// useInputStats if a channel has only one spatial value, and without it if
// a running statistic is nil.
func InstanceNorm[T tensor.Float](x *autograd.Var[T], runningMean, runningVar *tensor.Tensor[T], weight, bias *autograd.Var[T], useInputStats bool, momentum, eps T) *autograd.Var[T] {
	const name = "InstanceNorm"
	checkRank(name, x)
	checkPerChannel(name, x, weight, bias, runningMean, runningVar)
	s := x.Shape()
	if !useInputStats {
		if runningMean == nil {
			panic(fmt.Sprintf(errINEval, "running_mean"))
		}
		if runningVar == nil {
			panic(fmt.Sprintf(errINEval, "running_var"))
		}
		return batchNormEval(x, runningMean, runningVar, weight, bias, eps)
	}
	m := tensor.NumElems(s[2:])
	if m <= 1 {
		panic(fmt.Sprintf(errINSpatial, s))
	}
	y, mean, variance := groupNorm(name, x, s[1], weight, bias, eps)
	if runningMean != nil || runningVar != nil {
		n, c := s[0], s[1]
		bm, bv := tensor.New[T](c), tensor.New[T](c)
		for ch := range c {
			sm, sv := 0.0, 0.0
			for i := range n {
				sm += float64(mean.Data()[i*c+ch])
				sv += float64(variance.Data()[i*c+ch])
			}
			bm.Data()[ch], bv.Data()[ch] = T(sm/float64(n)), T(sv/float64(n))
		}
		UpdateRunningStats(runningMean, runningVar, bm, bv, m, float64(momentum))
	}
	return y
}
