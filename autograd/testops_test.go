package autograd_test

import (
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// The engine is tested with these small ops of its own, so that its tests do
// not depend on package ops.

// mulOp is a ⊙ b with broadcasting; it records the needs it was given.
type mulOp struct {
	a, b  *tensor.Tensor[float64]
	needs []bool
	ar    *tensor.Arena[float64] // its output's storage, on a tape that reuses buffers
}

func (op *mulOp) UseArena(ar *tensor.Arena[float64]) { op.ar = ar }

func (*mulOp) Name() string { return "mul" }

func (op *mulOp) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	op.a, op.b = in[0], in[1]
	return op.ar.Mul(op.a, op.b)
}

func (op *mulOp) Backward(dy *tensor.Tensor[float64], needs []bool) []*tensor.Tensor[float64] {
	op.needs = append([]bool(nil), needs...)
	g := make([]*tensor.Tensor[float64], 2)
	if needs[0] {
		g[0] = tensor.Mul(dy, op.b)
	}
	if needs[1] {
		g[1] = tensor.Mul(dy, op.a)
	}
	return g
}

func (op *mulOp) Saved() []*tensor.Tensor[float64] { return []*tensor.Tensor[float64]{op.a, op.b} }

// addOp is a + b with broadcasting; its backward returns dy itself for both
// inputs, which the engine must not add into in place.
type addOp struct{}

func (addOp) Name() string { return "add" }
func (addOp) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	return tensor.Add(in[0], in[1])
}
func (addOp) Backward(dy *tensor.Tensor[float64], needs []bool) []*tensor.Tensor[float64] {
	return []*tensor.Tensor[float64]{dy, dy}
}
func (addOp) Saved() []*tensor.Tensor[float64] { return nil }

// sumOp sums every element into a scalar.
type sumOp struct{ shape []int }

func (*sumOp) Name() string { return "sum" }
func (op *sumOp) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	op.shape = in[0].Shape()
	return tensor.Sum(in[0], false)
}
func (op *sumOp) Backward(dy *tensor.Tensor[float64], needs []bool) []*tensor.Tensor[float64] {
	return []*tensor.Tensor[float64]{tensor.Full(dy.Item(), op.shape...)}
}
func (*sumOp) Saved() []*tensor.Tensor[float64] { return nil }

// badOp returns gradients of a fixed wrong shape, or too many of them.
type badOp struct{ tooMany bool }

func (*badOp) Name() string { return "badOp" }
func (*badOp) Forward(in []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	return in[0].Clone()
}
func (op *badOp) Backward(dy *tensor.Tensor[float64], needs []bool) []*tensor.Tensor[float64] {
	if op.tooMany {
		return []*tensor.Tensor[float64]{dy, dy}
	}
	return []*tensor.Tensor[float64]{tensor.New[float64](7)}
}
func (*badOp) Saved() []*tensor.Tensor[float64] { return nil }

func mul(a, b *autograd.Var[float64]) *autograd.Var[float64] {
	return autograd.Apply[float64](&mulOp{}, a, b)
}
func add(a, b *autograd.Var[float64]) *autograd.Var[float64] {
	return autograd.Apply[float64](addOp{}, a, b)
}
func sum(x *autograd.Var[float64]) *autograd.Var[float64] {
	return autograd.Apply[float64](&sumOp{}, x)
}

func vec(v ...float64) *tensor.Tensor[float64] { return tensor.FromSlice(v) }

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }
