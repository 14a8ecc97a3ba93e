package gradtest_test

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Check differentiates a whole composition at once: here a softmax
// cross-entropy of a linear layer, with respect to the input, the weights
// and the bias.
func ExampleCheck() {
	x := tensor.FromSlice([]float64{0.2, -1, 0.5, 1.5, 0.3, -0.7}, 2, 3)
	w := tensor.FromSlice([]float64{0.1, 0.4, -0.3, -0.2, 0.6, 0.9, 0.05, -0.5}, 4, 2)
	b := tensor.FromSlice([]float64{0.01, -0.02, 0.03, 0})
	err := gradtest.Check(func(v []*autograd.Var[float64]) *autograd.Var[float64] {
		batch := functional.Transpose(v[0], 0, 1)              // 3 examples of 2 features
		logits := functional.Linear(batch, v[1], v[2])         // 3×4
		return functional.CrossEntropy(logits, []int{3, 0, 1}) // scalar
	}, []*tensor.Tensor[float64]{x, w, b}, nil)
	fmt.Println(err)
	// Output:
	// <nil>
}

// Cube is a user-written op with a differentiable backward, so that its
// gradient can be differentiated again:
//
//	y  = x³
//	dx = 3x² ⊙ dy
//
// Backward computes dx from tensors, for first-order passes; BackwardVar
// computes the same from Vars with differentiable ops, for Tape.Grad with
// CreateGraph. It keeps its input.
type Cube struct{ x *tensor.Tensor[float64] }

func (*Cube) Name() string { return "Cube" }

func (op *Cube) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	op.x = in[0]
	return tensor.Mul(tensor.Mul(op.x, op.x), op.x)
}

func (op *Cube) Backward(dy *tensor.Tensor[float64], _ []bool) []*tensor.Tensor[float64] {
	return []*tensor.Tensor[float64]{tensor.Mul(dy, tensor.Scale(tensor.Mul(op.x, op.x), 3))}
}

func (op *Cube) Saved() []*tensor.Tensor[float64] { return []*tensor.Tensor[float64]{op.x} }

func (op *Cube) BackwardVar(in []*autograd.Var[float64], _, dy *autograd.Var[float64], _ []bool) []*autograd.Var[float64] {
	x := in[0]
	return []*autograd.Var[float64]{functional.Mul(dy, functional.Scale(functional.Mul(x, x), 3))}
}

// GradGradCheck checks a user's op to second order: its BackwardVar
// against its Backward, and the derivative of the recorded backward pass
// against finite differences of first-order gradients. Tape.Grad with
// CreateGraph then gives the derivatives of every order.
func ExampleGradGradCheck() {
	x := tensor.FromSlice([]float64{-1, 0.5, 2})
	cube := func(v []*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Apply[float64](&Cube{}, v[0])
	}
	fmt.Println("first order: ", gradtest.Check(cube, []*tensor.Tensor[float64]{x}, nil))
	fmt.Println("second order:", gradtest.GradGradCheck(cube, []*tensor.Tensor[float64]{x}, nil))

	tape := autograd.NewTape[float64]()
	p := tape.Param(x)
	ones := autograd.NewConst(tensor.Ones[float64](3))
	d1 := tape.Grad([]*autograd.Var[float64]{cube([]*autograd.Var[float64]{p})}, []*autograd.Var[float64]{p},
		autograd.GradOptions[float64]{GradOutputs: []*autograd.Var[float64]{ones}, CreateGraph: true})[0]
	d2 := tape.Grad([]*autograd.Var[float64]{d1}, []*autograd.Var[float64]{p},
		autograd.GradOptions[float64]{GradOutputs: []*autograd.Var[float64]{ones}})[0]
	fmt.Println("3x² =", d1.Value())
	fmt.Println("6x  =", d2.Value())
	// Output:
	// first order:  <nil>
	// second order: <nil>
	// 3x² = [ 3.    0.75 12.  ]
	// 6x  = [-6.  3. 12.]
}
