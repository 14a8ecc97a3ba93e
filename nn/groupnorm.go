package nn

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// GroupNorm is group normalization, as PyTorch's nn.GroupNorm(num_groups,
// num_channels, eps, affine): the NumChannels channels of an N×C×… input
// fall into NumGroups groups of consecutive channels, each sample's group
// is normalized with its own mean and biased variance, and every channel is
// then scaled and shifted,
//
//	y = γ ⊙ (x − μ)/√(σ² + eps) + β      μ, σ² per sample and group
//
// by the fused op (ops.GroupNorm), or by functional.GroupNormComposed when
// Composed is set. It has no running statistics and the same behaviour in
// training and evaluation. Without the affine map (affine=False) Weight and
// Bias are nil; its state lists the parameters "weight" (γ, ones) and
// "bias" (β, zeros), as PyTorch's state_dict.
type GroupNorm[T tensor.Float] struct {
	NumGroups, NumChannels int
	Eps                    T // default 1e-5
	Composed               bool

	Weight, Bias *autograd.Var[T] // γ (ones) and β (zeros), shape C; nil without affine
}

// NormOption is an argument of PyTorch's nn.GroupNorm and
// nn.InstanceNorm2d beyond the group and channel counts, given to
// NewGroupNorm and NewInstanceNorm2d; the options apply in order, over
// PyTorch's defaults. GroupNorm has no momentum nor running statistics and
// panics when given NormMomentum or NormTrackRunningStats.
type NormOption func(*normConfig)

type normConfig struct {
	eps, momentum     float64
	affine, track     bool
	setMomentum, setT bool
}

// NormEps sets eps, added to the variance (PyTorch's eps=).
func NormEps(eps float64) NormOption { return func(c *normConfig) { c.eps = eps } }

// NormAffine says whether the module has the learnable γ and β (PyTorch's
// affine=; true by default for GroupNorm, false for InstanceNorm2d).
func NormAffine(affine bool) NormOption { return func(c *normConfig) { c.affine = affine } }

// NormMomentum sets the factor of the running statistics' moving average
// (InstanceNorm2d's momentum=, 0.1 by default); 0 freezes them.
func NormMomentum(m float64) NormOption {
	return func(c *normConfig) { c.momentum, c.setMomentum = m, true }
}

// NormTrackRunningStats says whether InstanceNorm2d keeps running
// statistics (PyTorch's track_running_stats=, false by default).
func NormTrackRunningStats(track bool) NormOption {
	return func(c *normConfig) { c.track, c.setT = track, true }
}

// NewGroupNorm returns PyTorch's nn.GroupNorm(numGroups, numChannels) with
// the options given (NormEps, NormAffine): by default eps 1e-5, γ = 1 and
// β = 0. It panics unless both counts are positive and numGroups divides
// numChannels, and on the options GroupNorm does not take.
func NewGroupNorm[T tensor.Float](numGroups, numChannels int, opts ...NormOption) *GroupNorm[T] {
	if numGroups <= 0 || numChannels <= 0 || numChannels%numGroups != 0 {
		panic(fmt.Sprintf(errGNGroups, numChannels, numGroups))
	}
	cfg := normConfig{eps: 1e-5, affine: true}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.setMomentum || cfg.setT {
		panic(errGNOption)
	}
	gn := &GroupNorm[T]{NumGroups: numGroups, NumChannels: numChannels, Eps: T(cfg.eps)}
	if cfg.affine {
		gn.Weight, gn.Bias = autograd.NewParam(tensor.Ones[T](numChannels)), autograd.NewParam(tensor.New[T](numChannels))
	}
	return gn
}

// Forward normalizes x. It panics unless x is N×NumChannels or
// N×NumChannels×….
func (gn *GroupNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if s := x.Shape(); len(s) < 2 || s[1] != gn.NumChannels {
		panic(fmt.Sprintf(errGNInput, gn.NumChannels, s))
	}
	if gn.Composed {
		return functional.GroupNormComposed(x, gn.NumGroups, gn.Weight, gn.Bias, gn.Eps)
	}
	return functional.GroupNorm(x, gn.NumGroups, gn.Weight, gn.Bias, gn.Eps)
}

// State lists "weight" and "bias", when affine.
func (gn *GroupNorm[T]) State() State[T] {
	var st State[T]
	if gn.Weight != nil {
		st.Params = append(st.Params, Param[T]{Name: "weight", Var: gn.Weight}, Param[T]{Name: "bias", Var: gn.Bias})
	}
	return st
}

// InstanceNorm is instance normalization of N×C×H×W inputs, and of
// unbatched C×H×W ones as a batch of one (the running statistics updated
// as for N = 1), as PyTorch's
// nn.InstanceNorm2d(num_features, eps, momentum, affine,
// track_running_stats), which NewInstanceNorm2d makes: every sample's
// channel is normalized over its H·W values with their mean and biased
// variance (GroupNorm with C groups; the fused op), then scaled and shifted
// per channel when affine. When it tracks running statistics, training
// folds the statistics, averaged over the samples, into them (the variance
// unbiased), with the factor Momentum, and evaluation normalizes with them
// (functional.InstanceNorm); without them, evaluation uses the input's
// statistics as training does.
//
// Its state has PyTorch's names: parameters "weight" and "bias" (affine),
// buffers "running_mean", "running_var" and "num_batches_tracked"
// (tracked). As in PyTorch, instance norm does not count batches:
// NumBatchesTracked is kept for the state_dict and stays as loaded.
type InstanceNorm[T tensor.Float] struct {
	NumFeatures int
	Eps         T // default 1e-5
	Momentum    T // default 0.1

	Weight, Bias            *autograd.Var[T]  // γ (ones) and β (zeros); nil without affine
	RunningMean, RunningVar *tensor.Tensor[T] // zeros and ones; nil without running statistics
	NumBatchesTracked       *tensor.Tensor[T] // scalar; nil without running statistics
	eval                    bool
}

// NewInstanceNorm2d returns PyTorch's nn.InstanceNorm2d(c) with the options
// given (NormEps, NormMomentum, NormAffine, NormTrackRunningStats): by
// default eps 1e-5, momentum 0.1, no affine map, no running statistics.
// PyTorch's momentum=None is not supported there (F.instance_norm refuses
// it). It panics if c is not positive.
func NewInstanceNorm2d[T tensor.Float](c int, opts ...NormOption) *InstanceNorm[T] {
	if c <= 0 {
		panic(fmt.Sprintf(errINCount, c))
	}
	cfg := normConfig{eps: 1e-5, momentum: 0.1}
	for _, o := range opts {
		o(&cfg)
	}
	in := &InstanceNorm[T]{NumFeatures: c, Eps: T(cfg.eps), Momentum: T(cfg.momentum)}
	if cfg.affine {
		in.Weight, in.Bias = autograd.NewParam(tensor.Ones[T](c)), autograd.NewParam(tensor.New[T](c))
	}
	if cfg.track {
		in.RunningMean, in.RunningVar, in.NumBatchesTracked = tensor.New[T](c), tensor.Ones[T](c), tensor.New[T]()
	}
	return in
}

// SetTraining switches between the input's statistics (training) and the
// running ones (evaluation, when tracked).
func (in *InstanceNorm[T]) SetTraining(training bool) { in.eval = !training }

// Forward normalizes x. It panics unless x is N×NumFeatures×H×W or
// NumFeatures×H×W, when using the input's statistics if H·W is 1, and in
// evaluation with only one of the running statistics set.
func (in *InstanceNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if s := x.Shape(); len(s) != 3 && len(s) != 4 || s[len(s)-3] != in.NumFeatures {
		panic(fmt.Sprintf(errINUnbatched, in.NumFeatures, s))
	}
	useInput := !in.eval || in.RunningMean == nil && in.RunningVar == nil
	return asBatch("InstanceNorm2d", "", x, 4, func(x *autograd.Var[T]) *autograd.Var[T] {
		return functional.InstanceNorm(x, in.RunningMean, in.RunningVar, in.Weight, in.Bias, useInput, in.Momentum, in.Eps)
	})
}

// State lists "weight" and "bias", then "running_mean", "running_var" and
// "num_batches_tracked", leaving out those that are nil.
func (in *InstanceNorm[T]) State() State[T] {
	var st State[T]
	if in.Weight != nil {
		st.Params = append(st.Params, Param[T]{Name: "weight", Var: in.Weight})
	}
	if in.Bias != nil {
		st.Params = append(st.Params, Param[T]{Name: "bias", Var: in.Bias})
	}
	if in.RunningMean != nil {
		st.Buffers = append(st.Buffers, Buffer[T]{Name: "running_mean", Value: in.RunningMean})
	}
	if in.RunningVar != nil {
		st.Buffers = append(st.Buffers, Buffer[T]{Name: "running_var", Value: in.RunningVar})
	}
	if in.NumBatchesTracked != nil {
		st.Buffers = append(st.Buffers, Buffer[T]{Name: "num_batches_tracked", Value: in.NumBatchesTracked, Int: true})
	}
	return st
}
