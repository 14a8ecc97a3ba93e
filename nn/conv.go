package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Conv2d is PyTorch's nn.Conv2d: a 2-d convolution of N×In×H×W inputs, or
// of unbatched In×H×W ones (as a batch of one, the output Out×Hout×Wout
// then), with the parameters "weight" (Out×In/Groups×kh×kw) and "bias"
// (Out, absent without a bias).
type Conv2d[T tensor.Float] struct {
	In, Out int
	Options functional.Conv2dOptions
	Weight  *autograd.Var[T]
	Bias    *autograd.Var[T] // nil without a bias
}

// NewConv2d returns a convolution from in to out channels with a kernel of
// kernel[0]×kernel[1], initialized as PyTorch's: Kaiming-uniform weights with
// a = √5 and biases from U(±1/√fan_in), fan_in = in/groups·kh·kw, drawn from
// rng. It panics unless the sizes are positive and the groups divide both
// channel counts.
func NewConv2d[T tensor.Float](in, out int, kernel [2]int, o functional.Conv2dOptions, bias bool, rng *rand.Rand) *Conv2d[T] {
	groups := max(o.Groups, 1)
	if in <= 0 || out <= 0 || kernel[0] <= 0 || kernel[1] <= 0 || in%groups != 0 || out%groups != 0 {
		panic(fmt.Sprintf(errConvSizes, in, out, kernel, groups))
	}
	w := tensor.New[T](out, in/groups, kernel[0], kernel[1])
	var b *tensor.Tensor[T]
	if bias {
		b = tensor.New[T](out)
	}
	initLinearLike(w, b, rng)
	c := &Conv2d[T]{In: in, Out: out, Options: o, Weight: autograd.NewParam(w)}
	if bias {
		c.Bias = autograd.NewParam(b)
	}
	return c
}

// Forward convolves x. It panics unless x is 3-d or 4-d, and as
// functional.Conv2d does.
func (c *Conv2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return asBatch("Conv2d", unbatchedShapes, x, 4, func(x *autograd.Var[T]) *autograd.Var[T] {
		return functional.Conv2d(x, c.Weight, c.Bias, c.Options)
	})
}

// State lists "weight" and, if present, "bias".
func (c *Conv2d[T]) State() State[T] {
	s := State[T]{Params: []Param[T]{{Name: "weight", Var: c.Weight}}}
	if c.Bias != nil {
		s.Params = append(s.Params, Param[T]{Name: "bias", Var: c.Bias})
	}
	return s
}
