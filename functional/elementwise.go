package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// Exp returns eˣ element by element; see ops.Exp.
func Exp[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Exp[T]{}, x)
}

// Log returns ln x element by element; see ops.Log.
func Log[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Log[T]{}, x)
}

// Sqrt returns √x element by element; see ops.Sqrt.
func Sqrt[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Sqrt[T]{}, x)
}

// Pow returns xᵖ element by element for a constant p; see ops.Pow.
func Pow[T tensor.Float](x *autograd.Var[T], p T) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Pow[T]{P: p}, x)
}

// ReLU returns max(x, 0); see ops.ReLU.
func ReLU[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.ReLU[T]{}, x)
}

// LeakyReLU returns x where x > 0 and slope·x elsewhere; see ops.LeakyReLU.
// PyTorch's default slope is 0.01.
func LeakyReLU[T tensor.Float](x *autograd.Var[T], slope T) *autograd.Var[T] {
	return autograd.Apply[T](&ops.LeakyReLU[T]{Slope: slope}, x)
}

// ELU returns x where x > 0 and alpha·(eˣ − 1) elsewhere; see ops.ELU.
// PyTorch's default alpha is 1.
func ELU[T tensor.Float](x *autograd.Var[T], alpha T) *autograd.Var[T] {
	return autograd.Apply[T](&ops.ELU[T]{Alpha: alpha}, x)
}

// Tanh returns tanh x element by element; see ops.Tanh.
func Tanh[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Tanh[T]{}, x)
}

// Sigmoid returns σ(x) = 1/(1+e⁻ˣ) element by element; see ops.Sigmoid.
func Sigmoid[T tensor.Float](x *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.Sigmoid[T]{}, x)
}
