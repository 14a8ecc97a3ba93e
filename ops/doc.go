// Package ops holds tapegrad's primitive differentiable operations. Each op is
// a small struct implementing autograd.Op: Forward computes the output and
// keeps in the struct's fields what Backward needs; Backward returns the
// hand-derived vector–Jacobian product for each input.
//
// Every op's doc comment states its forward and backward in the notation
//
//	y  = f(x)          forward
//	dx = g(dy, …)      backward, with dx = ∂L/∂x and dy = ∂L/∂y
//
// where ⊙ is the element-wise product and shapes are written m×k. Broadcasting
// ops return gradients in the broadcast shape; the engine sums them back to
// each operand's shape. docs/backprop.md derives the formulas the course
// derives.
//
// Ops are normally used through package functional, which wraps each one as a
// function on *autograd.Var. An op value records one application: make a new
// one for every call of autograd.Apply.
//
// Ops panic when given the wrong number of inputs, incompatible shapes or
// settings out of range, with a message that starts with "ops: " and the op's
// name and names the shapes; each op's doc comment ends with when it panics.
// The op table of the package's tests (optable_test.go) checks
// these messages, and every op's gradients, for every op.
package ops
