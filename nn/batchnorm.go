package nn

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// BatchNorm is batch normalization over the channel axis 1, as PyTorch's
// nn.BatchNorm1d (input N×C or N×C×L) and nn.BatchNorm2d (input N×C×H×W),
// which NewBatchNorm1d and NewBatchNorm2d make.
//
// In training mode it normalizes with the batch statistics — by default with
// the fused op (ops.BatchNorm), with the composed one
// (functional.BatchNormComposed) when Composed is set — and, when it tracks
// running statistics, counts the batch in num_batches_tracked (k after it)
// and updates them with the factor m, the variance with its unbiased
// estimate, as PyTorch does:
//
//	running_mean ← (1−m)·running_mean + m·μ
//	running_var  ← (1−m)·running_var  + m·σ²·M/(M−1)
//	m = Momentum, or 1/k with CumulativeAverage
//
// where M is the number of values per channel. In evaluation mode it uses
// the running statistics,
//
//	y = γ ⊙ (x − running_mean)/√(running_var + eps) + β
//
// or, without running statistics, the batch statistics as in training, but
// updating nothing.
//
// PyTorch's momentum is a float or None; Go has no None for a float, so the
// two are separate fields: Momentum is the factor of an exponential moving
// average, and every value means what it says (0 leaves the running
// statistics where they are), while CumulativeAverage, false by default,
// stands for momentum=None: the running statistics are then the plain
// average of every batch's statistics since the start, and Momentum is not
// used. Both, and Eps, may be changed between steps, as PyTorch's attributes
// may.
//
// Without the affine map (PyTorch's affine=False) Weight and Bias are nil;
// without running statistics (track_running_stats=False) RunningMean,
// RunningVar and NumBatchesTracked are nil. The constructors' options set
// these; a module's state then lists only what it has, as PyTorch's
// state_dict: parameters "weight" (γ) and "bias" (β), buffers
// "running_mean", "running_var" and "num_batches_tracked".
type BatchNorm[T tensor.Float] struct {
	Channels          int
	Eps               T    // default 1e-5
	Momentum          T    // default 0.1; 0 freezes the running statistics
	CumulativeAverage bool // PyTorch's momentum=None; Momentum is then unused
	Composed          bool

	Weight, Bias            *autograd.Var[T]  // γ (ones) and β (zeros), shape C; nil without affine
	RunningMean, RunningVar *tensor.Tensor[T] // zeros and ones, shape C; nil without running statistics
	NumBatchesTracked       *tensor.Tensor[T] // a scalar count; nil without running statistics
	rank1, rank2            int               // accepted input ranks
	eval                    bool
}

// BatchNormOption is an argument of PyTorch's nn.BatchNorm1d and
// nn.BatchNorm2d beyond the channel count, given to NewBatchNorm1d and
// NewBatchNorm2d. The constructors start from PyTorch's defaults (eps 1e-5,
// momentum 0.1, affine, tracking running statistics) and apply the options
// in order, so that every value an option sets, zero included, is used as
// given: there is no zero that stands for a default.
type BatchNormOption func(*batchNormConfig)

type batchNormConfig struct {
	eps, momentum               float64
	cumulative, noAffine, noRun bool
}

// BatchNormEps sets eps, added to the variance (PyTorch's eps=).
func BatchNormEps(eps float64) BatchNormOption {
	return func(c *batchNormConfig) { c.eps = eps }
}

// BatchNormMomentum sets the factor of the exponential moving average of
// the running statistics (PyTorch's momentum= a float); 0 freezes them. It
// undoes an earlier BatchNormCumulativeAverage.
func BatchNormMomentum(momentum float64) BatchNormOption {
	return func(c *batchNormConfig) { c.momentum, c.cumulative = momentum, false }
}

// BatchNormCumulativeAverage makes the running statistics a cumulative
// moving average, the factor being 1/num_batches_tracked (PyTorch's
// momentum=None).
func BatchNormCumulativeAverage() BatchNormOption {
	return func(c *batchNormConfig) { c.cumulative = true }
}

// BatchNormAffine says whether the module has the learnable γ and β
// (PyTorch's affine=; true by default).
func BatchNormAffine(affine bool) BatchNormOption {
	return func(c *batchNormConfig) { c.noAffine = !affine }
}

// BatchNormTrackRunningStats says whether the module keeps running
// statistics (PyTorch's track_running_stats=; true by default). Without
// them it normalizes with the batch statistics in evaluation mode too.
func BatchNormTrackRunningStats(track bool) BatchNormOption {
	return func(c *batchNormConfig) { c.noRun = !track }
}

// NewBatchNorm1d returns batch norm for N×C or N×C×L inputs with c channels,
// as PyTorch's nn.BatchNorm1d(c, ...) with the options given: by default
// γ = 1, β = 0, running mean 0 and running variance 1, eps 1e-5 and
// momentum 0.1. PyTorch's nn.BatchNorm1d(c, momentum=None, affine=False)
// is NewBatchNorm1d[T](c, BatchNormCumulativeAverage(),
// BatchNormAffine(false)). It panics if c is not positive.
func NewBatchNorm1d[T tensor.Float](c int, opts ...BatchNormOption) *BatchNorm[T] {
	return newBatchNorm[T](c, 2, 3, opts)
}

// NewBatchNorm2d returns batch norm for N×C×H×W inputs with c channels,
// as PyTorch's nn.BatchNorm2d(c, ...) with the options given, which are
// those of NewBatchNorm1d. It panics if c is not positive.
func NewBatchNorm2d[T tensor.Float](c int, opts ...BatchNormOption) *BatchNorm[T] {
	return newBatchNorm[T](c, 4, 4, opts)
}

func newBatchNorm[T tensor.Float](c, rank1, rank2 int, opts []BatchNormOption) *BatchNorm[T] {
	if c <= 0 {
		panic(fmt.Sprintf(errBNChannels, c))
	}
	cfg := batchNormConfig{eps: 1e-5, momentum: 0.1}
	for _, o := range opts {
		o(&cfg)
	}
	bn := &BatchNorm[T]{
		Channels: c, Eps: T(cfg.eps), Momentum: T(cfg.momentum), CumulativeAverage: cfg.cumulative,
		rank1: rank1, rank2: rank2,
	}
	if !cfg.noAffine {
		bn.Weight, bn.Bias = autograd.NewParam(tensor.Ones[T](c)), autograd.NewParam(tensor.New[T](c))
	}
	if !cfg.noRun {
		bn.RunningMean, bn.RunningVar, bn.NumBatchesTracked = tensor.New[T](c), tensor.Ones[T](c), tensor.New[T]()
	}
	return bn
}

// SetTraining switches between batch statistics (training) and running
// statistics (evaluation).
func (bn *BatchNorm[T]) SetTraining(training bool) { bn.eval = !training }

// tracking reports whether bn keeps running statistics. It panics unless
// the three running buffers are all set or all nil.
func (bn *BatchNorm[T]) tracking() bool {
	n := 0
	for _, b := range []*tensor.Tensor[T]{bn.RunningMean, bn.RunningVar, bn.NumBatchesTracked} {
		if b != nil {
			n++
		}
	}
	if n != 0 && n != 3 {
		panic(fmt.Sprintf(errBNBuffers, bn.RunningMean != nil, bn.RunningVar != nil, bn.NumBatchesTracked != nil))
	}
	return n == 3
}

// Forward normalizes x. It panics on an input of the wrong rank or channel
// count, when a channel has only one value and batch statistics are used
// (in training mode, or without running statistics), and when only some of
// the running buffers are nil.
func (bn *BatchNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	s := x.Shape()
	if (len(s) != bn.rank1 && len(s) != bn.rank2) || s[1] != bn.Channels {
		ranks := fmt.Sprintf("%d-d", bn.rank1)
		if bn.rank2 != bn.rank1 {
			ranks += fmt.Sprintf(" or %d-d", bn.rank2)
		}
		panic(fmt.Sprintf(errBNInput, ranks, bn.Channels, s))
	}
	track := bn.tracking()
	if bn.eval && track {
		return functional.BatchNormFull(x, bn.RunningMean, bn.RunningVar, bn.Weight, bn.Bias, false, 0, bn.Eps)
	}
	norm := functional.BatchNorm[T]
	if bn.Composed {
		norm = functional.BatchNormComposed[T]
	}
	y, mean, variance := norm(x, bn.Weight, bn.Bias, bn.Eps)
	if bn.eval || !track {
		return y
	}
	bn.NumBatchesTracked.Data()[0]++
	factor := float64(bn.Momentum)
	if bn.CumulativeAverage {
		factor = 1 / float64(bn.NumBatchesTracked.Data()[0])
	}
	functional.UpdateRunningStats(bn.RunningMean, bn.RunningVar, mean, variance, tensor.NumElems(s)/bn.Channels, factor)
	return y
}

// State lists "weight" and "bias", then the buffers "running_mean",
// "running_var" and "num_batches_tracked", in PyTorch's order, leaving out
// those that are nil (affine=False, track_running_stats=False).
func (bn *BatchNorm[T]) State() State[T] {
	var st State[T]
	if bn.Weight != nil {
		st.Params = append(st.Params, Param[T]{Name: "weight", Var: bn.Weight})
	}
	if bn.Bias != nil {
		st.Params = append(st.Params, Param[T]{Name: "bias", Var: bn.Bias})
	}
	if bn.RunningMean != nil {
		st.Buffers = append(st.Buffers, Buffer[T]{Name: "running_mean", Value: bn.RunningMean})
	}
	if bn.RunningVar != nil {
		st.Buffers = append(st.Buffers, Buffer[T]{Name: "running_var", Value: bn.RunningVar})
	}
	if bn.NumBatchesTracked != nil {
		st.Buffers = append(st.Buffers, Buffer[T]{Name: "num_batches_tracked", Value: bn.NumBatchesTracked, Int: true})
	}
	return st
}
