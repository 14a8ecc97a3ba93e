package functional

import (
	"fmt"

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
// It is the fused op ops.BatchNorm, whose backward is derived by hand. It
// also returns the batch mean and the biased batch variance (shape C), from
// which a module updates its running statistics. It panics on fewer than 2
// axes, on parameters that are not of shape C, and when a channel has only
// one value, as PyTorch does.
func BatchNorm[T tensor.Float](x, gamma, beta *autograd.Var[T], eps T) (y *autograd.Var[T], mean, variance *tensor.Tensor[T]) {
	checkBatchNorm("BatchNorm", x)
	op := &ops.BatchNorm[T]{Eps: eps}
	y = autograd.Apply[T](op, x, gamma, beta)
	return y, op.Mean, op.Var
}

// BatchNormComposed computes the same as BatchNorm with tape primitives only
// — Mean, Sub, Mul, AddScalar, Sqrt, Div, Reshape, Add — so that the tape
// derives its backward; nothing in it is specific to batch norm. It is the
// reference the fused op is checked against, and keeps about twice the
// memory for backward (x − μ and x̂, where the fused op keeps x̂ alone).
func BatchNormComposed[T tensor.Float](x, gamma, beta *autograd.Var[T], eps T) (y *autograd.Var[T], mean, variance *tensor.Tensor[T]) {
	checkBatchNorm("BatchNormComposed", x)
	axes := channelAxes(len(x.Shape()))
	mu := MeanKeepDims(x, axes...)
	xc := Sub(x, mu)
	v := MeanKeepDims(Mul(xc, xc), axes...)
	xhat := Div(xc, Sqrt(AddScalar(v, eps)))
	shape := perChannelShape(x.Shape())
	y = Add(Mul(xhat, Reshape(gamma, shape...)), Reshape(beta, shape...))
	c := x.Shape()[1]
	return y, mu.Value().Reshape(c), v.Value().Reshape(c)
}

// checkBatchNorm panics unless x has a channel axis and more than one value
// per channel.
func checkBatchNorm[T tensor.Float](name string, x *autograd.Var[T]) {
	s := x.Shape()
	if len(s) < 2 {
		panic(fmt.Sprintf(errBNRank, name, s))
	}
	if tensor.NumElems(s)/max(s[1], 1) <= 1 {
		panic(fmt.Sprintf(errBNValues, name, s))
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
