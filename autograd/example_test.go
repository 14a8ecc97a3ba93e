package autograd_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Softplus is a user-written op: softplus(x) = log(1 + eˣ), whose derivative
// is the logistic function σ(x).
//
//	y  = log(1 + eˣ)
//	dx = dy ⊙ σ(x)
//
// It keeps its input.
type Softplus struct{ x *tensor.Tensor[float64] }

func (*Softplus) Name() string { return "Softplus" }

func (op *Softplus) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	op.x = in[0]
	// log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), which cannot overflow.
	return tensor.Map(op.x, func(v float64) float64 { return math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))) })
}

func (op *Softplus) Backward(dy *tensor.Tensor[float64], needs []bool) []*tensor.Tensor[float64] {
	return []*tensor.Tensor[float64]{tensor.Mul(dy, tensor.Sigmoid(op.x))}
}

func (op *Softplus) Saved() []*tensor.Tensor[float64] { return []*tensor.Tensor[float64]{op.x} }

// A user-written op takes part in the tape like a built-in one, and gradtest
// checks its backward against finite differences.
func Example_customOp() {
	x := tensor.FromSlice([]float64{-2, 0, 3})
	err := gradtest.Check(func(v []*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Apply[float64](&Softplus{}, v[0])
	}, []*tensor.Tensor[float64]{x}, nil)
	fmt.Println("gradient check:", err)

	tape := autograd.NewTape[float64]()
	p := tape.Param(x)
	tape.Backward(functional.Sum(autograd.Apply[float64](&Softplus{}, p)))
	fmt.Println("d/dx Σ softplus(x) =", p.Grad())
	// Output:
	// gradient check: <nil>
	// d/dx Σ softplus(x) = [0.1192 0.5    0.9526]
}

// The tape records a forward pass; Backward fills the parameters' gradients.
func ExampleTape() {
	rng := rand.New(rand.NewPCG(1, 2))
	tape := autograd.NewTape[float64]()
	x := tape.Input(tensor.FromSlice([]float64{1, -2, 3, 4, -5, 6}, 2, 3)) // on the tape, no gradient
	w := autograd.NewParam(tensor.RandN[float64](rng, 3, 4))               // leaf that wants a gradient
	loss := functional.Mean(functional.ReLU(functional.MatMul(x, w)))
	tape.Backward(loss)
	fmt.Println(tape.Len(), "nodes")
	fmt.Println(w.Grad())
	// Output:
	// 3 nodes
	// [[ 0.625  0.625  0.     0.   ]
	//  [-0.875 -0.875  0.     0.   ]
	//  [ 1.125  1.125  0.     0.   ]]
}
