package manual

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/tensor"
)

// DefaultStd is the course's standard deviation for initial weights: weights
// are drawn from N(0, DefaultStd²) and biases start at 0.
const DefaultStd = 1e-4

// Linear is the affine layer Y = X·Wᵀ + b in the row-vector convention, with
// its hand-derived backward:
//
//	Y  = X·Wᵀ + b          B×out
//	dX = dY·W              B×in
//	dW = dYᵀ·X             out×in
//	db = Σ_batch dY        out
//
// Backward overwrites DW and DB; it does not accumulate.
type Linear[T tensor.Float] struct {
	W, B   *tensor.Tensor[T] // out×in and out
	DW, DB *tensor.Tensor[T] // their gradients after Backward
	x      *tensor.Tensor[T] // the input of the last Forward
}

// NewLinear returns a layer from in to out features with weights drawn from
// N(0, std²) using rng and biases 0. It panics unless in and out are
// positive.
func NewLinear[T tensor.Float](in, out int, std float64, rng *rand.Rand) *Linear[T] {
	if in <= 0 || out <= 0 {
		panic(fmt.Sprintf(errLinearSizes, in, out))
	}
	w := tensor.RandN[T](rng, out, in)
	w.ScaleInPlace(T(std))
	return &Linear[T]{
		W: w, B: tensor.New[T](out),
		DW: tensor.New[T](out, in), DB: tensor.New[T](out),
	}
}

// Forward returns X·Wᵀ + b for a B×in batch X, which it keeps for Backward.
func (l *Linear[T]) Forward(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	in := l.W.Dim(1)
	if x.NDim() != 2 || x.Dim(1) != in {
		panic(fmt.Sprintf(errInputShape, "Linear", x.Shape(), in))
	}
	l.x = x
	y := tensor.MatMulT(x, false, l.W, true)
	y.AddInPlace(l.B)
	return y
}

// Backward takes dY (B×out), sets DW = dYᵀ·X and DB = Σ_batch dY, and
// returns dX = dY·W.
func (l *Linear[T]) Backward(dy *tensor.Tensor[T]) *tensor.Tensor[T] {
	if l.x == nil {
		panic(fmt.Sprintf(errNoForward, "Linear"))
	}
	if want := []int{l.x.Dim(0), l.W.Dim(0)}; !tensor.EqualShapes(dy.Shape(), want) {
		panic(fmt.Sprintf(errGradShape, "Linear", dy.Shape(), want))
	}
	l.DW = tensor.MatMulT(dy, true, l.x, false)
	l.DB = tensor.Sum(dy, false, 0)
	return tensor.MatMul(dy, l.W)
}

// Step takes one plain gradient-descent step: W −= lr·DW, b −= lr·DB.
func (l *Linear[T]) Step(lr T) {
	tensor.Axpy(-lr, l.DW, l.W)
	tensor.Axpy(-lr, l.DB, l.B)
}
