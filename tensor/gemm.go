package tensor

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Gemm computes the general matrix product
//
//	C = alpha·op(A)·op(B) + beta·C
//
// on row-major matrices, where op(X) is X or Xᵀ as transA and transB say,
// op(A) is m×k, op(B) is k×n and C is m×n. lda, ldb and ldc are the row
// strides of A, B and C as stored (A is stored k×m when transposed). With beta
// 0, C need not be initialized: NaNs in it do not propagate.
//
// Gemm is the one entry point for every matrix product in tapegrad; it is
// backed by gonum's BLAS. It panics, as BLAS does, on inconsistent sizes.
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 { // BLAS would still check lda/ldb; the product is empty.
		for i := range m {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
			} else {
				for j := range row {
					row[j] *= beta
				}
			}
		}
		return
	}
	tA, tB := blas.NoTrans, blas.NoTrans
	if transA {
		tA = blas.Trans
	}
	if transB {
		tB = blas.Trans
	}
	switch c := any(c).(type) {
	case []float32:
		gonum.Implementation{}.Sgemm(tA, tB, m, n, k, float32(alpha), any(a).([]float32), lda,
			any(b).([]float32), ldb, float32(beta), c, ldc)
	case []float64:
		gonum.Implementation{}.Dgemm(tA, tB, m, n, k, float64(alpha), any(a).([]float64), lda,
			any(b).([]float64), ldb, float64(beta), c, ldc)
	}
}

// MatMul returns the matrix product a·b. For 2-d operands (m×k)·(k×n) gives
// m×n. Operands with more axes are stacks of matrices: the last two axes are
// multiplied and the leading (batch) axes broadcast, as in NumPy's matmul.
// MatMul panics if an operand has fewer than 2 axes, if the inner dimensions
// differ or if the batch axes do not broadcast.
func MatMul[T Float](a, b *Tensor[T]) *Tensor[T] { return heap[T]().MatMulT(a, false, b, false) }

// MatMulT returns op(a)·op(b), where op swaps the last two axes of its operand
// when the flag next to it is set, without copying it: MatMulT(dy, false, w,
// true) is dy·wᵀ. Shapes follow MatMul.
func MatMulT[T Float](a *Tensor[T], transA bool, b *Tensor[T], transB bool) *Tensor[T] {
	return heap[T]().MatMulT(a, transA, b, transB)
}

// MatMulT is the package-level MatMulT with the result's storage from the
// arena.
func (ar *Arena[T]) MatMulT(a *Tensor[T], transA bool, b *Tensor[T], transB bool) *Tensor[T] {
	na, nb := len(a.shape), len(b.shape)
	if na < 2 || nb < 2 {
		panic(fmt.Sprintf(errMatMulRank, a.shape, b.shape))
	}
	m, ka := a.shape[na-2], a.shape[na-1]
	if transA {
		m, ka = ka, m
	}
	kb, n := b.shape[nb-2], b.shape[nb-1]
	if transB {
		kb, n = n, kb
	}
	if ka != kb {
		panic(fmt.Sprintf(errMatMulInner, a.shape, b.shape, ka, kb))
	}
	k := ka
	aBatch, bBatch := a.shape[:na-2], b.shape[:nb-2]
	batch := mustBroadcast(aBatch, bBatch)
	dst := ar.NewUninit(append(cloneInts(batch), m, n)...)
	lda, ldb := a.shape[na-1], b.shape[nb-1]

	// A stack of matrices times one matrix is a single tall product.
	if !transA && numel(bBatch) == 1 && EqualShapes(aBatch, batch) {
		Gemm(false, transB, numel(batch)*m, n, k, 1, a.data, lda, b.data, ldb, 0, dst.data, n)
		return dst
	}
	p := makePlan(batch, aBatch, bBatch)
	p.each(func(o, ao, bo int) {
		for i := range p.n {
			ai, bi, ci := (ao+i*p.sa)*m*k, (bo+i*p.sb)*k*n, (o+i)*m*n
			Gemm(transA, transB, m, n, k, 1, a.data[ai:ai+m*k], lda, b.data[bi:bi+k*n], ldb, 0, dst.data[ci:ci+m*n], n)
		}
	})
	return dst
}
