package nn

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// fuser is a layer that Sequential.Forward may run together with the
// layers that follow it, in one op, when that gives the bits of running
// them one by one.
type fuser[T tensor.Float] interface {
	// fuseForward returns the output of the layer and of the first used
	// layers of next applied to x in turn, or used 0 (and y nil) where it
	// does not fuse them: then the layer runs alone.
	fuseForward(x *autograd.Var[T], next []Module[T]) (y *autograd.Var[T], used int)
}

// fuseForward runs the convolution, a BatchNorm after it in evaluation mode
// with running statistics and a ReLU after that, if there is one, as one op
// (functional.Conv2dBatchNormEval) where nothing records them — inference
// under autograd.Tape.SetGradEnabled(false), PyTorch's torch.no_grad() —
// writing the activation once instead of three times — and a MaxPool2d
// after those (not dilated, without ReturnIndices) too, writing only the
// pooled output (functional.Conv2dBatchNormEvalPool). It fuses nothing
// elsewhere, nor for an unbatched input or a batch norm the output does not
// fit, whose errors the layers report one by one.
func (c *Conv2d[T]) fuseForward(x *autograd.Var[T], next []Module[T]) (*autograd.Var[T], int) {
	if len(next) == 0 || len(x.Shape()) != 4 {
		return nil, 0
	}
	bn, ok := next[0].(*BatchNorm[T])
	if !ok || !bn.eval || bn.Channels != c.Out || (bn.rank1 != 4 && bn.rank2 != 4) || !bn.tracking() {
		return nil, 0
	}
	if autograd.Records(x, c.Weight, c.Bias, bn.Weight, bn.Bias) {
		return nil, 0
	}
	used, relu := 1, false
	if len(next) > 1 {
		switch next[1].(type) {
		case ReLU[T], *ReLU[T]:
			used, relu = 2, true
		}
	}
	if len(next) > used {
		if p, ok := next[used].(*MaxPool2d[T]); ok && !p.ReturnIndices && p.Dilation[0] <= 1 && p.Dilation[1] <= 1 {
			y := functional.Conv2dBatchNormEvalPool(x, c.Weight, c.Bias, c.Options,
				bn.RunningMean, bn.RunningVar, bn.Weight, bn.Bias, bn.Eps, relu, p.options())
			return y, used + 1
		}
	}
	y := functional.Conv2dBatchNormEval(x, c.Weight, c.Bias, c.Options,
		bn.RunningMean, bn.RunningVar, bn.Weight, bn.Bias, bn.Eps, relu)
	return y, used
}
