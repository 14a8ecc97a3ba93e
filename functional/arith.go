package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// Add returns a + b, broadcasting; see ops.Add.
func Add[T tensor.Float](a, b *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Add[T]{}, a, b)
}

// Sub returns a − b, broadcasting; see ops.Sub.
func Sub[T tensor.Float](a, b *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Sub[T]{}, a, b)
}

// Mul returns the element-wise product a ⊙ b, broadcasting; see ops.Mul.
func Mul[T tensor.Float](a, b *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Mul[T]{}, a, b)
}

// Div returns a / b element by element, broadcasting; see ops.Div.
func Div[T tensor.Float](a, b *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Div[T]{}, a, b)
}

// Neg returns −x; see ops.Neg.
func Neg[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Neg[T]{}, x)
}

// Scale returns c·x; see ops.Scale.
func Scale[T tensor.Float](x *autograd.Var[T], c T) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Scale[T]{C: c}, x)
}

// AddScalar returns x + c; see ops.AddScalar.
func AddScalar[T tensor.Float](x *autograd.Var[T], c T) *autograd.Var[T] {
	return autograd.Apply[T](&ops.AddScalar[T]{C: c}, x)
}
