package nn

import (
	"fmt"
	"math"

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
// (functional.BatchNormComposed) when Composed is set — and updates the
// running statistics with momentum m, the variance with its unbiased
// estimate, as PyTorch does:
//
//	running_mean ← (1−m)·running_mean + m·μ
//	running_var  ← (1−m)·running_var  + m·σ²·M/(M−1)
//
// where M is the number of values per channel; num_batches_tracked counts
// the updates. In evaluation mode it uses the running statistics:
//
//	y = γ ⊙ (x − running_mean)/√(running_var + eps) + β
//
// Its state has PyTorch's names: parameters "weight" (γ) and "bias" (β),
// buffers "running_mean", "running_var" and "num_batches_tracked".
type BatchNorm[T tensor.Float] struct {
	Channels int
	Eps      T // default 1e-5
	Momentum T // default 0.1
	Composed bool

	Weight, Bias            *autograd.Var[T]  // γ (ones) and β (zeros), shape C
	RunningMean, RunningVar *tensor.Tensor[T] // zeros and ones, shape C
	NumBatchesTracked       *tensor.Tensor[T] // a scalar count
	rank1, rank2            int               // accepted input ranks
	eval                    bool
}

// NewBatchNorm1d returns batch norm for N×C or N×C×L inputs with c channels,
// γ = 1, β = 0, running mean 0 and running variance 1, as PyTorch's
// nn.BatchNorm1d(c).
func NewBatchNorm1d[T tensor.Float](c int) *BatchNorm[T] { return newBatchNorm[T](c, 2, 3) }

// NewBatchNorm2d returns batch norm for N×C×H×W inputs with c channels,
// initialized as PyTorch's nn.BatchNorm2d(c).
func NewBatchNorm2d[T tensor.Float](c int) *BatchNorm[T] { return newBatchNorm[T](c, 4, 4) }

func newBatchNorm[T tensor.Float](c, rank1, rank2 int) *BatchNorm[T] {
	if c <= 0 {
		panic(fmt.Sprintf(errBNChannels, c))
	}
	return &BatchNorm[T]{
		Channels: c, Eps: 1e-5, Momentum: 0.1,
		Weight: autograd.NewParam(tensor.Ones[T](c)), Bias: autograd.NewParam(tensor.New[T](c)),
		RunningMean: tensor.New[T](c), RunningVar: tensor.Ones[T](c), NumBatchesTracked: tensor.New[T](),
		rank1: rank1, rank2: rank2,
	}
}

// SetTraining switches between batch statistics (training) and running
// statistics (evaluation).
func (bn *BatchNorm[T]) SetTraining(training bool) { bn.eval = !training }

// Forward normalizes x. It panics on an input of the wrong rank or channel
// count, and in training mode when a channel has only one value.
func (bn *BatchNorm[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	s := x.Shape()
	if (len(s) != bn.rank1 && len(s) != bn.rank2) || s[1] != bn.Channels {
		ranks := fmt.Sprintf("%d-d", bn.rank1)
		if bn.rank2 != bn.rank1 {
			ranks += fmt.Sprintf(" or %d-d", bn.rank2)
		}
		panic(fmt.Sprintf(errBNInput, ranks, bn.Channels, s))
	}
	if bn.eval {
		return bn.forwardEval(x)
	}
	norm := functional.BatchNorm[T]
	if bn.Composed {
		norm = functional.BatchNormComposed[T]
	}
	y, mean, variance := norm(x, bn.Weight, bn.Bias, bn.Eps)
	m := T(tensor.NumElems(s) / bn.Channels)
	mom := bn.Momentum
	rm, rv := bn.RunningMean.Data(), bn.RunningVar.Data()
	for c := range rm {
		rm[c] = (1-mom)*rm[c] + mom*mean.Data()[c]
		rv[c] = (1-mom)*rv[c] + mom*variance.Data()[c]*m/(m-1)
	}
	bn.NumBatchesTracked.Data()[0]++
	return y
}

// forwardEval applies the per-channel affine map the running statistics
// define, y = x·scale + shift, keeping γ and β differentiable.
func (bn *BatchNorm[T]) forwardEval(x *autograd.Var[T]) *autograd.Var[T] {
	invStd := tensor.New[T](bn.Channels)
	for c, v := range bn.RunningVar.Data() {
		invStd.Data()[c] = T(1 / math.Sqrt(float64(v+bn.Eps)))
	}
	scale := functional.Mul(bn.Weight, autograd.NewConst(invStd))
	shift := functional.Sub(bn.Bias, functional.Mul(autograd.NewConst(bn.RunningMean), scale))
	shape := make([]int, len(x.Shape()))
	for i := range shape {
		shape[i] = 1
	}
	shape[1] = bn.Channels
	return functional.Add(functional.Mul(x, functional.Reshape(scale, shape...)), functional.Reshape(shift, shape...))
}

// State lists "weight" and "bias", then the buffers "running_mean",
// "running_var" and "num_batches_tracked", in PyTorch's order.
func (bn *BatchNorm[T]) State() State[T] {
	return State[T]{
		Params: []Param[T]{{Name: "weight", Var: bn.Weight}, {Name: "bias", Var: bn.Bias}},
		Buffers: []Buffer[T]{
			{Name: "running_mean", Value: bn.RunningMean},
			{Name: "running_var", Value: bn.RunningVar},
			{Name: "num_batches_tracked", Value: bn.NumBatchesTracked, Int: true},
		},
	}
}
