package ops

import "github.com/tapegrad/tapegrad/tensor"

// Add is element-wise addition with NumPy broadcasting.
//
//	y  = a + b
//	da = dy
//	db = dy
//
// It panics if a and b do not broadcast together.
type Add[T tensor.Float] struct{ arena[T] }

func (*Add[T]) Name() string { return "Add" }

func (op *Add[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Add", in, 2)
	checkBroadcast("Add", in[0], in[1])
	return op.ar.Add(in[0], in[1])
}

func (op *Add[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{pick(needs[0], dy), pick(needs[1], dy)}
}

func (*Add[T]) Saved() []*tensor.Tensor[T] { return nil }

func (*Add[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	return []*v[T]{pickVar(needs[0], vSumTo(dy, in[0].Shape()...)), pickVar(needs[1], vSumTo(dy, in[1].Shape()...))}
}

// Sub is element-wise subtraction with NumPy broadcasting.
//
//	y  = a − b
//	da = dy
//	db = −dy
//
// It panics if a and b do not broadcast together.
type Sub[T tensor.Float] struct {
	arena[T]
	bShape []int // b's shape, to sum a broadcast b's gradient before negating it
}

func (*Sub[T]) Name() string { return "Sub" }

func (op *Sub[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Sub", in, 2)
	checkBroadcast("Sub", in[0], in[1])
	op.bShape = in[1].Shape()
	return op.ar.Sub(in[0], in[1])
}

func (op *Sub[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	var db *tensor.Tensor[T]
	switch {
	case !needs[1]:
	case !tensor.EqualShapes(op.bShape, dy.Shape()):
		// A broadcast b: −Σ dy over its broadcast axes, the bits of
		// Σ −dy (negation is exact), negating the sum, not every term.
		db = op.ar.SumTo(dy, op.bShape...)
		db.ScaleInPlace(-1)
	default:
		db = op.ar.Neg(dy)
	}
	return []*tensor.Tensor[T]{pick(needs[0], dy), db}
}

func (*Sub[T]) Saved() []*tensor.Tensor[T] { return nil }

func (*Sub[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	g := make([]*v[T], 2)
	if needs[0] {
		g[0] = vSumTo(dy, in[0].Shape()...)
	}
	if needs[1] {
		g[1] = vNeg(vSumTo(dy, in[1].Shape()...))
	}
	return g
}

// Mul is the element-wise (Hadamard) product with NumPy broadcasting. It keeps
// both operands.
//
//	y  = a ⊙ b
//	da = dy ⊙ b
//	db = dy ⊙ a
//
// It panics if a and b do not broadcast together.
type Mul[T tensor.Float] struct {
	arena[T]
	a, b *tensor.Tensor[T]
}

func (*Mul[T]) Name() string { return "Mul" }

func (op *Mul[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Mul", in, 2)
	checkBroadcast("Mul", in[0], in[1])
	op.a, op.b = in[0], in[1]
	return op.ar.Mul(op.a, op.b)
}

func (op *Mul[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := make([]*tensor.Tensor[T], 2)
	if needs[0] {
		g[0] = op.ar.Mul(dy, op.b)
	}
	if needs[1] {
		g[1] = op.ar.Mul(dy, op.a)
	}
	return g
}

func (op *Mul[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.a, op.b} }

func (*Mul[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	g := make([]*v[T], 2)
	if needs[0] {
		g[0] = vSumTo(vMul(dy, in[1]), in[0].Shape()...)
	}
	if needs[1] {
		g[1] = vSumTo(vMul(dy, in[0]), in[1].Shape()...)
	}
	return g
}

// Div is element-wise division with NumPy broadcasting. It keeps both
// operands.
//
//	y  = a / b
//	da = dy / b
//	db = −dy ⊙ a / b²
//
// It panics if a and b do not broadcast together.
type Div[T tensor.Float] struct {
	arena[T]
	a, b *tensor.Tensor[T]
}

func (*Div[T]) Name() string { return "Div" }

func (op *Div[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Div", in, 2)
	checkBroadcast("Div", in[0], in[1])
	op.a, op.b = in[0], in[1]
	return op.ar.Div(op.a, op.b)
}

func (op *Div[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := make([]*tensor.Tensor[T], 2)
	da := op.ar.Div(dy, op.b)
	if needs[0] {
		g[0] = da
	}
	if needs[1] {
		// −dy·a/b² = −(dy/b)·(a/b), reusing da; with a broadcast b,
		// divided by −b, the bits of −(x/b), rather than negated after.
		db := op.ar.Mul(da, op.a)
		if op.b.Size() < db.Size() {
			db.DivInPlace(op.ar.Neg(op.b))
		} else {
			db.DivInPlace(op.b)
			db.ScaleInPlace(-1)
		}
		g[1] = db
	}
	return g
}

func (op *Div[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.a, op.b} }

// BackwardVar writes db = −(dy/b)·(a/b) with the output y = a/b.
func (*Div[T]) BackwardVar(in []*v[T], y, dy *v[T], needs []bool) []*v[T] {
	g := make([]*v[T], 2)
	da := vDiv(dy, in[1])
	if needs[0] {
		g[0] = vSumTo(da, in[0].Shape()...)
	}
	if needs[1] {
		g[1] = vSumTo(vNeg(vMul(da, y)), in[1].Shape()...)
	}
	return g
}

// Neg is element-wise negation.
//
//	y  = −x
//	dx = −dy
//
// It panics unless it is given exactly one input.
type Neg[T tensor.Float] struct{ arena[T] }

func (*Neg[T]) Name() string { return "Neg" }

func (op *Neg[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Neg", in, 1)
	return op.ar.Neg(in[0])
}

func (op *Neg[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.ar.Neg(dy)}
}

func (*Neg[T]) Saved() []*tensor.Tensor[T] { return nil }

func (*Neg[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] { return []*v[T]{vNeg(dy)} }

// Scale multiplies by the constant C.
//
//	y  = C·x
//	dx = C·dy
//
// It panics unless it is given exactly one input.
type Scale[T tensor.Float] struct {
	arena[T]
	C T
}

func (*Scale[T]) Name() string { return "Scale" }

func (op *Scale[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Scale", in, 1)
	return op.ar.Scale(in[0], op.C)
}

func (op *Scale[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.ar.Scale(dy, op.C)}
}

func (*Scale[T]) Saved() []*tensor.Tensor[T] { return nil }

func (op *Scale[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vScale(dy, op.C)}
}

// AddScalar adds the constant C.
//
//	y  = x + C
//	dx = dy
//
// It panics unless it is given exactly one input.
type AddScalar[T tensor.Float] struct {
	arena[T]
	C T
}

func (*AddScalar[T]) Name() string { return "AddScalar" }

func (op *AddScalar[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("AddScalar", in, 1)
	return op.ar.AddScalar(in[0], op.C)
}

func (op *AddScalar[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{dy}
}

func (*AddScalar[T]) Saved() []*tensor.Tensor[T] { return nil }

func (*AddScalar[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] { return []*v[T]{dy} }

// pick returns g if needed, else nil.
func pick[T tensor.Float](needed bool, g *tensor.Tensor[T]) *tensor.Tensor[T] {
	if needed {
		return g
	}
	return nil
}
