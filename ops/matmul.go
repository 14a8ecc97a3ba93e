package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// MatMul is the matrix product op(A)·op(B), 2-d or batched, where op
// transposes the last two axes of an operand when TransA or TransB is set
// (without copying it). The last two axes are multiplied and any leading
// (batch) axes broadcast, as in NumPy's matmul. It keeps both operands. For
// op(A) of shape …×m×k and op(B) of shape …×k×n, and without transposes,
//
//	Y  = A·B                    …×m×n
//	dA = dY·Bᵀ                  …×m×k
//	dB = Aᵀ·dY                  …×k×n
//
// and with them, by transposing these: for Y = A·Bᵀ (a linear layer),
// dA = dY·B and dB = dYᵀ·A. Every product goes through the GEMM entry point
// with transposed operands rather than copies. It panics if an operand has
// fewer than 2 axes, the inner dimensions differ or the batch axes do not
// broadcast.
type MatMul[T tensor.Float] struct {
	arena[T]
	TransA, TransB bool
	a, b           *tensor.Tensor[T]
}

func (*MatMul[T]) Name() string { return "MatMul" }

func (op *MatMul[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("MatMul", in, 2)
	a, b := in[0], in[1]
	as, bs := a.Shape(), b.Shape()
	if len(as) < 2 || len(bs) < 2 {
		panic(fmt.Sprintf(errMatMul, as, bs))
	}
	ka, kb := as[len(as)-1], bs[len(bs)-2]
	if op.TransA {
		ka = as[len(as)-2]
	}
	if op.TransB {
		kb = bs[len(bs)-1]
	}
	if _, ok := tensor.BroadcastShapes(as[:len(as)-2], bs[:len(bs)-2]); !ok || ka != kb {
		panic(fmt.Sprintf(errMatMul, as, bs))
	}
	op.a, op.b = a, b
	return op.ar.MatMulT(a, op.TransA, b, op.TransB)
}

func (op *MatMul[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	a, b, tA, tB := op.a, op.b, op.TransA, op.TransB
	g := make([]*tensor.Tensor[T], 2)
	if needs[0] {
		if tA { // dA = (dY·op(B)ᵀ)ᵀ = op(B)·dYᵀ
			g[0] = op.ar.MatMulT(b, tB, dy, true)
		} else { // dA = dY·op(B)ᵀ
			g[0] = op.ar.MatMulT(dy, false, b, !tB)
		}
	}
	if needs[1] {
		if b.NDim() == 2 && a.NDim() > 2 && !tA {
			// One matrix applied to a stack of them: dB sums over the stack,
			// which is one product of the stacks laid end to end. (The row
			// count is explicit: Reshape cannot infer a −1 when k or n is 0.)
			rows := tensor.NumElems(a.Shape()[:a.NDim()-1])
			a, dy = a.Reshape(rows, a.Dim(-1)), dy.Reshape(rows, dy.Dim(-1))
		}
		if tB { // dB = (op(A)ᵀ·dY)ᵀ = dYᵀ·op(A)
			g[1] = op.ar.MatMulT(dy, true, a, tA)
		} else { // dB = op(A)ᵀ·dY
			g[1] = op.ar.MatMulT(a, !tA, dy, false)
		}
	}
	return g
}

func (op *MatMul[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.a, op.b} }
