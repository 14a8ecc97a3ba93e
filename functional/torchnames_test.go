package functional_test

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// torchArgs are the settings a reference case may give a function of one
// array: the exponent of pow, the slope of elu and leaky_relu, the axis of
// the softmax family, the labels of cross_entropy.
type torchArgs struct {
	P, Alpha *float64
	Axis     *int
	Labels   []int
}

// applyTorch applies to x the function that PyTorch names name (torch.exp,
// F.elu, …), for the functions of one array that the edge and parity
// reference files share; ok is false for any other name.
func applyTorch[T tensor.Float](name string, x *autograd.Var[T], a torchArgs) (y *autograd.Var[T], ok bool) {
	switch name {
	case "exp":
		return functional.Exp(x), true
	case "log":
		return functional.Log(x), true
	case "sqrt":
		return functional.Sqrt(x), true
	case "pow":
		return functional.Pow(x, T(*a.P)), true
	case "sigmoid":
		return functional.Sigmoid(x), true
	case "tanh":
		return functional.Tanh(x), true
	case "relu":
		return functional.ReLU(x), true
	case "elu":
		return functional.ELU(x, T(*a.Alpha)), true
	case "leaky_relu":
		return functional.LeakyReLU(x, T(*a.Alpha)), true
	case "logsumexp":
		return functional.LogSumExp(x, *a.Axis), true
	case "softmax":
		return functional.Softmax(x, *a.Axis), true
	case "log_softmax":
		return functional.LogSoftmax(x, *a.Axis), true
	case "cross_entropy":
		return functional.CrossEntropy(x, a.Labels), true
	}
	return nil, false
}
