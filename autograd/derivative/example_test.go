package derivative_test

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/derivative"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// The Hessian–vector product of Rosenbrock's function
// f(x, y) = (1 − x)² + 100(y − x²)² at (−1.2, 1), with v = (1, 0): the
// first column of the Hessian, [[2 − 400(y − x²) + 800x², −400x],
// [−400x, 200]].
func ExampleHVP() {
	f := func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		x, y := xs[0], xs[1]
		u := functional.AddScalar(functional.Neg(x), 1)
		d := functional.Sub(y, functional.Mul(x, x))
		return functional.Add(functional.Mul(u, u), functional.Scale(functional.Mul(d, d), 100))
	}
	at := []*tensor.Tensor[float64]{tensor.FromSlice([]float64{-1.2}), tensor.FromSlice([]float64{1})}
	v := []*tensor.Tensor[float64]{tensor.FromSlice([]float64{1}), tensor.FromSlice([]float64{0})}
	value, hv := derivative.HVP(f, at, v, nil)
	fmt.Printf("f = %.4g, H·v = (%.4g, %.4g)\n", value.Item(), hv[0].Item(), hv[1].Item())
	// Output:
	// f = 24.2, H·v = (1330, 480)
}

// The Jacobian of an element-wise map is diagonal; its shape is the
// output's shape followed by the input's.
func ExampleJacobian() {
	square := func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return functional.Mul(xs[0], xs[0]) }
	jac := derivative.Jacobian(square, []*tensor.Tensor[float64]{tensor.FromSlice([]float64{1, 2, 3})}, nil)
	fmt.Println(jac[0].Shape())
	fmt.Println(jac[0])
	// Output:
	// [3 3]
	// [[2. 0. 0.]
	//  [0. 4. 0.]
	//  [0. 0. 6.]]
}

// The Hessian of f(x, y) = x²y comes in blocks, one per pair of inputs:
// [[2y, 2x], [2x, 0]].
func ExampleHessian() {
	f := func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		return functional.Mul(functional.Mul(xs[0], xs[0]), xs[1])
	}
	h := derivative.Hessian(f, []*tensor.Tensor[float64]{tensor.FromSlice([]float64{3}), tensor.FromSlice([]float64{2})}, nil)
	fmt.Println(h[0][0].Item(), h[0][1].Item())
	fmt.Println(h[1][0].Item(), h[1][1].Item())
	// Output:
	// 4 6
	// 6 0
}

// A Jacobian–vector product without forming J: for y = x³, J·u = 3x²⊙u.
func ExampleJVP() {
	cube := func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
		return functional.Mul(functional.Mul(xs[0], xs[0]), xs[0])
	}
	x := tensor.FromSlice([]float64{1, 2})
	u := tensor.FromSlice([]float64{1, -1})
	y, ju := derivative.JVP(cube, []*tensor.Tensor[float64]{x}, []*tensor.Tensor[float64]{u}, nil)
	fmt.Println(y, ju)
	// Output:
	// [1. 8.] [  3. -12.]
}

// The Hessian–vector product of a model's loss with respect to its
// parameters, on the tape that recorded it. For least squares,
// L(w) = ‖Xw − y‖²/N, the Hessian is 2XᵀX/N whatever w, so H·e₁ is its
// first column; Newton's method would solve H·s = −∇L with such products
// (conjugate gradients) instead of forming H.
func ExampleHVPAt() {
	w := autograd.NewParam(tensor.FromSlice([]float64{0.5, -0.5}))
	tape := autograd.NewTape[float64]()
	x := tape.Input(tensor.FromSlice([]float64{1, 2, 3, 4, 5, 6}, 3, 2))
	y := tape.Input(tensor.FromSlice([]float64{1, 0, -1}, 3, 1))
	pred := functional.SumToSize(functional.Mul(x, w), 3, 1) // X·w, with the ops whose backward is differentiable
	d := functional.Sub(pred, y)
	loss := functional.Scale(functional.SumToSize(functional.Mul(d, d)), 1.0/3)

	hv := derivative.HVPAt(tape, loss, []*autograd.Var[float64]{w}, []*tensor.Tensor[float64]{tensor.FromSlice([]float64{1, 0})}, nil)
	fmt.Printf("H·e₁ = %.4f\n", hv[0].Value().Data())
	tape.Backward(loss) // the tape still runs backward as usual
	fmt.Printf("∇L   = %.4f\n", w.Grad().Data())
	// Output:
	// H·e₁ = [23.3333 29.3333]
	// ∇L   = [-0.3333 -1.3333]
}
