package ops

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/tensor"
)

// MatMul is the matrix product op(A)·op(B) of torch.matmul, where op
// transposes the last two axes of an operand with 2 or more axes when
// TransA or TransB is set (without copying it). By the operands' numbers of
// axes:
//
//	A          B          Y = A·B
//	k          k          ()        the dot product, a 0-d tensor
//	m×k        k          m         matrix·vector
//	k          k×n        n         vector·matrix
//	…×m×k      k          …×m       a stack of matrices·vector
//	k          …×k×n      …×n       vector·a stack of matrices
//	…×m×k      …×k×n      …×m×n     stacks of matrices, 2-d ones included
//
// A 1-d A is taken as the row 1×k and a 1-d B as the column k×1 (views of
// the same data, not copies), and the axis of size 1 so added is removed
// from Y. The batch axes (…) of the two operands broadcast against each
// other by NumPy's rules: (j×1×m×k)·(h×k×n) is j×h×m×n. A transpose flag
// has no effect on a 1-d operand, a vector being its own transpose: with
// both flags set, two vectors still give their dot product and a vector x
// and a matrix W give x·Wᵀ. For op(A) of shape …×m×k and op(B) of shape
// …×k×n, and without transposes,
//
//	Y  = A·B                    …×m×n
//	dA = dY·Bᵀ                  …×m×k, summed to A's shape
//	dB = Aᵀ·dY                  …×k×n, summed to B's shape
//
// and with them, by transposing these: for Y = A·Bᵀ (a linear layer),
// dA = dY·B and dB = dYᵀ·A. "Summed to" an operand's shape sums over the
// batch axes along which it was broadcast, as tensor.SumTo does, so each
// gradient has its operand's shape. It keeps both operands.
//
// Every product goes through the GEMM entry point, tensor.Gemm, with
// transposed operands read in place rather than copied. A stack times one
// matrix (a batch of rows times a weight) is one tall GEMM, and so is the
// gradient of the matrix; other batched products are one GEMM per matrix,
// the gradients of broadcast operands adding into their sums.
//
// It panics if an operand has no axes (is 0-d), if the inner dimensions
// differ or if the batch axes do not broadcast, as tensor.MatMulShape finds,
// with its reason.
type MatMul[T tensor.Float] struct {
	arena[T]
	TransA, TransB bool
	a, b           *tensor.Tensor[T]
}

func (*MatMul[T]) Name() string { return "MatMul" }

func (op *MatMul[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("MatMul", in, 2)
	op.a, op.b = in[0], in[1]
	shape, err := tensor.MatMulShape(op.a.Shape(), op.b.Shape(), op.TransA, op.TransB)
	if err != nil {
		panic(fmt.Sprintf(errMatMul, op.a.Shape(), op.b.Shape(), op.flags(), reason(err)))
	}
	a, tA, b, tB := op.matrices()
	y := op.ar.MatMulT(a, tA, b, tB)
	if op.a.NDim() == 1 || op.b.NDim() == 1 {
		y = y.Reshape(shape...) // without the axes of size 1 the views added
	}
	return y
}

func (op *MatMul[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	a, tA, b, tB := op.matrices()
	vecA, vecB := op.a.NDim() == 1, op.b.NDim() == 1
	if vecA || vecB {
		// View dY as the product of the views, batch×m×n, with m = 1 for a
		// row A and n = 1 for a column B.
		s := dy.Shape()
		var shape []int
		switch {
		case vecA && vecB: // () → 1×1
			shape = []int{1, 1}
		case vecA: // …×n → …×1×n
			shape = append(slices.Clone(s[:len(s)-1]), 1, s[len(s)-1])
		default: // …×m → …×m×1
			shape = append(slices.Clone(s), 1)
		}
		dy = dy.Reshape(shape...)
	}
	g := make([]*tensor.Tensor[T], 2)
	if needs[0] {
		batch := a.Shape()[:a.NDim()-2]
		if tA { // dA = (dY·op(B)ᵀ)ᵀ = op(B)·dYᵀ
			g[0] = op.ar.MatMulTSumTo(b, tB, dy, true, batch...)
		} else { // dA = dY·op(B)ᵀ
			g[0] = op.ar.MatMulTSumTo(dy, false, b, !tB, batch...)
		}
		if vecA {
			g[0] = g[0].Reshape(op.a.Shape()...)
		}
	}
	if needs[1] {
		batch := b.Shape()[:b.NDim()-2]
		if tB { // dB = (op(A)ᵀ·dY)ᵀ = dYᵀ·op(A)
			g[1] = op.ar.MatMulTSumTo(dy, true, a, tA, batch...)
		} else { // dB = op(A)ᵀ·dY
			g[1] = op.ar.MatMulTSumTo(a, !tA, dy, false, batch...)
		}
		if vecB {
			g[1] = g[1].Reshape(op.b.Shape()...)
		}
	}
	return g
}

func (op *MatMul[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.a, op.b} }

// BackwardVar writes Backward's products as MatMuls of the operands, a 1-d
// one reshaped to a row or a column as matrices does, and sums each gradient
// to its operand's shape with SumTo.
func (op *MatMul[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	a, tA, b, tB := in[0], op.TransA, in[1], op.TransB
	vecA, vecB := len(a.Shape()) == 1, len(b.Shape()) == 1
	if vecA {
		a, tA = vReshape(a, 1, a.Shape()[0]), false
	}
	if vecB {
		b, tB = vReshape(b, b.Shape()[0], 1), false
	}
	if vecA || vecB {
		s := dy.Shape()
		switch {
		case vecA && vecB:
			dy = vReshape(dy, 1, 1)
		case vecA:
			dy = vReshape(dy, append(slices.Clone(s[:len(s)-1]), 1, s[len(s)-1])...)
		default:
			dy = vReshape(dy, append(slices.Clone(s), 1)...)
		}
	}
	g := make([]*v[T], 2)
	if needs[0] {
		var da *v[T]
		if tA {
			da = vMatMul(b, tB, dy, true)
		} else {
			da = vMatMul(dy, false, b, !tB)
		}
		g[0] = vReshape(vSumTo(da, a.Shape()...), in[0].Shape()...)
	}
	if needs[1] {
		var db *v[T]
		if tB {
			db = vMatMul(dy, true, a, tA)
		} else {
			db = vMatMul(a, !tA, dy, false)
		}
		g[1] = vReshape(vSumTo(db, b.Shape()...), in[1].Shape()...)
	}
	return g
}

// matrices returns the operands as matrices or stacks of them, with the
// transpose flags that apply: a 1-d A as the row 1×k, a 1-d B as the column
// k×1, both views of the operand's data and neither transposed.
func (op *MatMul[T]) matrices() (a *tensor.Tensor[T], tA bool, b *tensor.Tensor[T], tB bool) {
	a, tA, b, tB = op.a, op.TransA, op.b, op.TransB
	if a.NDim() == 1 {
		a, tA = a.Reshape(1, a.Dim(0)), false
	}
	if b.NDim() == 1 {
		b, tB = b.Reshape(b.Dim(0), 1), false
	}
	return a, tA, b, tB
}

// flags names the transposes in effect, those on operands of 2 or more
// axes, for messages.
func (op *MatMul[T]) flags() string {
	tA, tB := op.TransA && op.a.NDim() > 1, op.TransB && op.b.NDim() > 1
	switch {
	case tA && tB:
		return " with TransA and TransB"
	case tA:
		return " with TransA"
	case tB:
		return " with TransB"
	}
	return ""
}
