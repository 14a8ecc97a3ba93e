package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// ConvTranspose2d is PyTorch's nn.ConvTranspose2d: a 2-d transposed
// convolution of N×In×H×W inputs, or of unbatched In×H×W ones (as a batch
// of one, the output Out×Hout×Wout then; see ops.ConvTranspose2d), with the
// parameters "weight" (In×Out/Groups×kh×kw, input channels first as
// PyTorch's) and "bias" (Out, absent without a bias).
type ConvTranspose2d[T tensor.Float] struct {
	In, Out int
	Options functional.ConvTranspose2dOptions
	Weight  *autograd.Var[T]
	Bias    *autograd.Var[T] // nil without a bias
}

// NewConvTranspose2d returns a transposed convolution from in to out
// channels with a kernel of kernel[0]×kernel[1], initialized as PyTorch's:
// Kaiming-uniform weights with a = √5 and biases from U(±1/√fan_in), drawn
// from rng, where fan_in is what torch.nn.init computes for the weight's
// layout, its second dimension times the kernel size:
//
//	fan_in = out/groups·kh·kw,  weight bound = bias bound = 1/√fan_in
//
// It panics unless the sizes are positive and the groups divide both
// channel counts.
func NewConvTranspose2d[T tensor.Float](in, out int, kernel [2]int, o functional.ConvTranspose2dOptions, bias bool, rng *rand.Rand) *ConvTranspose2d[T] {
	groups := max(o.Groups, 1)
	if in <= 0 || out <= 0 || kernel[0] <= 0 || kernel[1] <= 0 || in%groups != 0 || out%groups != 0 {
		panic(fmt.Sprintf(errConvTSizes, in, out, kernel, groups))
	}
	w := tensor.New[T](in, out/groups, kernel[0], kernel[1])
	var b *tensor.Tensor[T]
	if bias {
		b = tensor.New[T](out)
	}
	initLinearLike(w, b, rng) // FanIn of in×(out/groups)×kh×kw is torch's fan_in
	c := &ConvTranspose2d[T]{In: in, Out: out, Options: o, Weight: autograd.NewParam(w)}
	if bias {
		c.Bias = autograd.NewParam(b)
	}
	return c
}

// Forward applies the transposed convolution to x. It panics unless x is
// 3-d or 4-d, and as functional.ConvTranspose2d does.
func (c *ConvTranspose2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return asBatch("ConvTranspose2d", unbatchedShapes, x, 4, func(x *autograd.Var[T]) *autograd.Var[T] {
		return functional.ConvTranspose2d(x, c.Weight, c.Bias, c.Options)
	})
}

// State lists "weight" and, if present, "bias".
func (c *ConvTranspose2d[T]) State() State[T] {
	s := State[T]{Params: []Param[T]{{Name: "weight", Var: c.Weight}}}
	if c.Bias != nil {
		s.Params = append(s.Params, Param[T]{Name: "bias", Var: c.Bias})
	}
	return s
}
