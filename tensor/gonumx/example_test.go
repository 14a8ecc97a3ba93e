package gonumx_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
	"github.com/tapegrad/tapegrad/tensor/gonumx"
)

// Data held in gonum's matrices goes through the tape without a copy: the
// least-squares loss mean((X·w − y)²) of a line fit, its gradient read back
// as a gonum vector and checked against gonum's own (2/n)·Xᵀ(X·w − y), and
// a gradient step taken by gonum on the parameter's storage.
func Example_autograd() {
	X := mat.NewDense(4, 2, []float64{
		1, 1,
		1, 2,
		1, 3,
		1, 4,
	})
	y := mat.NewVecDense(4, []float64{6, 5, 7, 10})
	w := mat.NewVecDense(2, nil) // intercept and slope, shared with the Var below

	tape := autograd.NewTape[float64]()
	xv := tape.Input(gonumx.FromDense(X))
	yv := tape.Input(gonumx.FromVecDense(y))
	wv := autograd.NewParam(gonumx.FromVecDense(w))
	r := functional.Sub(functional.MatMul(xv, wv), yv) // X·w − y, shape (4)
	loss := functional.Mean(functional.Mul(r, r))
	tape.Backward(loss)
	fmt.Println("loss:", loss.Value().Item())

	g := gonumx.ToVecDense(wv.Grad()) // shares the gradient's storage
	fmt.Printf("gradient:       %v\n", mat.Formatted(g.T()))

	var want mat.VecDense
	want.MulVec(X.T(), gonumx.ToVecDense(r.Value()))
	want.ScaleVec(2.0/4, &want)
	fmt.Printf("gonum's (2/n)·Xᵀr: %v\n", mat.Formatted(want.T()))

	// w and the parameter's value are one storage: gonum's in-place update
	// is the parameter's.
	w.AddScaledVec(w, -0.05, g)
	fmt.Println("parameter after the step:", wv.Value())
	// Output:
	// loss: 52.5
	// gradient:       [  -14  -38.5]
	// gonum's (2/n)·Xᵀr: [  -14  -38.5]
	// parameter after the step: [0.7   1.925]
}

// A Dense made by NewDense and the tensor from it are one storage; a view
// of some of its columns is copied, because a tensor's rows are contiguous.
func ExampleFromDense() {
	m := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	t := gonumx.FromDense(m)
	t.Set(-1, 0, 0)
	fmt.Println("shared:", m.At(0, 0))

	view := m.Slice(0, 2, 1, 3).(*mat.Dense) // columns 1 and 2: Stride 3 > 2 columns
	c := gonumx.FromDense(view)
	c.Set(-5, 1, 1)
	fmt.Println("copied:", c.Shape(), m.At(1, 2))
	// Output:
	// shared: -1
	// copied: [2 2] 6
}

// A tensor seen as a Dense shares its storage, so gonum's methods with the
// Dense as receiver write into the tensor.
func ExampleToDense() {
	t := tensor.FromSlice([]float64{1, 2, 3, 4}, 2, 2)
	m := gonumx.ToDense(t)
	m.Mul(m, m) // gonum allows the receiver to be an operand
	fmt.Println(t)
	// Output:
	// [[ 7. 10.]
	//  [15. 22.]]
}
