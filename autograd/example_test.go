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

// A training loop keeps one tape that reuses its buffers: Reset recycles
// every tensor computed on it, so that a step computes into the storage of
// the steps before instead of allocating. What must outlive a step, the
// loss here, is read before the next Reset; the parameter and its gradient
// are leaves, which the arena never recycles.
func ExampleTape_ReuseBuffers() {
	// Fit y = w·x to y = 2x by gradient descent on the mean squared error.
	x := tensor.FromSlice([]float64{1, 2, 3, 4}, 4, 1)
	y := tensor.FromSlice([]float64{2, 4, 6, 8}, 4, 1)
	w := autograd.NewParam(tensor.FromSlice([]float64{0.5}, 1, 1))
	tape := autograd.NewTape[float64]()
	tape.ReuseBuffers(true)
	for step := range 4 {
		tape.Reset()
		w.ZeroGrad()
		d := functional.Sub(functional.MatMul(tape.Input(x), w), tape.Input(y))
		loss := functional.Mean(functional.Mul(d, d))
		tape.Backward(loss)
		fmt.Printf("step %d: w %.4f, loss %.4f, dL/dw %.4f\n", step, w.Value().Item(), loss.Value().Item(), w.Grad().Item())
		w.Value().Data()[0] -= 0.1 * w.Grad().Data()[0]
	}
	fmt.Printf("w = %.4f\n", w.Value().Item())
	// Output:
	// step 0: w 0.5000, loss 16.8750, dL/dw -22.5000
	// step 1: w 2.7500, loss 4.2188, dL/dw 11.2500
	// step 2: w 1.6250, loss 1.0547, dL/dw -5.6250
	// step 3: w 2.1875, loss 0.2637, dL/dw 2.8125
	// w = 1.9062
}

// Inference turns recording off: nothing is recorded or kept, and the
// outputs require no gradient even though a parameter takes part. The
// deferred call restores the previous setting.
func ExampleTape_SetGradEnabled() {
	tape := autograd.NewTape[float64]()
	w := autograd.NewParam(tensor.FromSlice([]float64{1, 2, 3, 4}, 2, 2))
	x := tape.Input(tensor.FromSlice([]float64{1, 1}, 1, 2))

	predict := func() *autograd.Var[float64] {
		defer tape.SetGradEnabled(tape.SetGradEnabled(false))
		return functional.MatMul(x, w)
	}
	p := predict()
	fmt.Println("no grad:", p.Value(), p.RequiresGrad(), tape.Len(), "nodes,", tape.SavedBytes(), "bytes kept")

	q := functional.MatMul(x, w)
	fmt.Println("grad:   ", q.Value(), q.RequiresGrad(), tape.Len(), "node, ", tape.SavedBytes(), "bytes kept")
	// Output:
	// no grad: [[4. 6.]] false 0 nodes, 0 bytes kept
	// grad:    [[4. 6.]] true 1 node,  48 bytes kept
}

// Hooks see a gradient during the backward pass and may replace it: here a
// hook on an intermediate Var clips its gradient to [-1, 1] before it
// reaches x, and a hook on the leaf x records what is added into x's
// gradient.
func ExampleVar_RegisterHook() {
	tape := autograd.NewTape[float64]()
	x := tape.Param(tensor.FromSlice([]float64{-2, 0.5, 3}))
	h := functional.Mul(x, x) // h = x², whose gradient is 3h² for L = Σ h³
	h.RegisterHook(func(g *tensor.Tensor[float64]) *tensor.Tensor[float64] {
		fmt.Printf("h's gradient: %.4f\n", g.Data())
		return tensor.Map(g, func(v float64) float64 { return math.Max(-1, math.Min(1, v)) })
	})
	x.RegisterHook(func(g *tensor.Tensor[float64]) *tensor.Tensor[float64] {
		fmt.Printf("x's gradient: %.4f\n", g.Data())
		return nil // keep it
	})
	loss := functional.Sum(functional.Mul(functional.Mul(h, h), h)) // Σ h³
	tape.Backward(loss)
	fmt.Printf("x.Grad():     %.4f\n", x.Grad().Data())
	// Output:
	// h's gradient: [48.0000 0.1875 243.0000]
	// x's gradient: [-4.0000 0.1875 6.0000]
	// x.Grad():     [-4.0000 0.1875 6.0000]
}

// Grad returns gradients instead of accumulating them into Grad(); with
// CreateGraph the backward pass is recorded, so that its result can be
// differentiated again: here the first three derivatives of x³ at 2,
// 3x² = 12, 6x = 12 and 6.
func ExampleTape_Grad() {
	tape := autograd.NewTape[float64]()
	x := tape.Param(tensor.FromSlice([]float64{2}))
	y := functional.Mul(functional.Mul(x, x), x)
	wrt := []*autograd.Var[float64]{x}
	create := autograd.GradOptions[float64]{CreateGraph: true}
	d1 := tape.Grad([]*autograd.Var[float64]{y}, wrt, create)[0]
	d2 := tape.Grad([]*autograd.Var[float64]{d1}, wrt, create)[0]
	d3 := tape.Grad([]*autograd.Var[float64]{d2}, wrt, autograd.GradOptions[float64]{})[0]
	fmt.Println(d1.Value().Item(), d2.Value().Item(), d3.Value().Item())
	fmt.Println("x.Grad() untouched:", x.Grad() == nil)
	// Output:
	// 12 12 6
	// x.Grad() untouched: true
}

// A gradient penalty, as in double backpropagation or WGAN-GP: the loss
// includes the squared norm of its own gradient with respect to the input,
// and Backward differentiates through that gradient into the parameter.
// For f = Σ w⊙x², ∂f/∂x = 2w⊙x, and the loss f + ‖∂f/∂x‖² has
// ∂/∂w = x² + 8w⊙x².
func ExampleGradOptions_gradientPenalty() {
	w := autograd.NewParam(tensor.FromSlice([]float64{0.5, -1}))
	tape := autograd.NewTape[float64]()
	x := tape.Param(tensor.FromSlice([]float64{1, 2})) // an input we differentiate with respect to
	f := functional.Sum(functional.Mul(w, functional.Mul(x, x)))
	gx := tape.Grad([]*autograd.Var[float64]{f}, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{CreateGraph: true})[0]
	loss := functional.Add(f, functional.Sum(functional.Mul(gx, gx)))
	tape.Backward(loss)
	fmt.Println("∂f/∂x:", gx.Value())
	fmt.Println("∂loss/∂w:", w.Grad())
	// Output:
	// ∂f/∂x: [ 1. -4.]
	// ∂loss/∂w: [  5. -28.]
}
