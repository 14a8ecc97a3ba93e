package tensor

import (
	"fmt"

	"github.com/tapegrad/tapegrad/internal/gemm"
)

// Gemm computes the general matrix product
//
//	C = alpha·op(A)·op(B) + beta·C
//
// on row-major matrices, where op(X) is X or Xᵀ as transA and transB say,
// op(A) is m×k, op(B) is k×n and C is m×n. lda, ldb and ldc are the row
// strides of A, B and C as stored (A is stored k×m when transposed). With beta
// 0, C need not be initialized: NaNs in it do not propagate. With alpha 0 or
// k 0, A and B are not read.
//
// Gemm is the one entry point for every matrix product in tapegrad. It is
// tapegrad's own kernel, package internal/gemm: packed, cache-blocked and
// register-tiled, with assembly micro-kernels on amd64 (AVX-512 or AVX2 with
// FMA, whichever the CPU has) and a pure-Go one elsewhere or with the purego
// build tag. Transposed operands cost no copy. It runs on up to GOMAXPROCS
// goroutines, and its results are the same bits whatever GOMAXPROCS is. It
// panics, as BLAS does, on negative sizes, too small strides and too short
// slices.
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemm.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
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
	m, n, k, batch := matmulDims(a, transA, b, transB)
	na, nb := len(a.shape), len(b.shape)
	aBatch, bBatch := a.shape[:na-2], b.shape[:nb-2]
	dst := ar.NewUninit(append(cloneInts(batch), m, n)...)
	lda, ldb := a.shape[na-1], b.shape[nb-1]

	// A stack of matrices times one matrix is a single tall product.
	if !transA && numel(bBatch) == 1 && EqualShapes(aBatch, batch) {
		Gemm(false, transB, numel(batch)*m, n, k, 1, a.data, lda, b.data, ldb, 0, dst.data, n)
		return dst
	}
	var p plan
	p.init(batch, aBatch, bBatch)
	p.each(func(o, ao, bo int) {
		for i := range p.n {
			ai, bi, ci := (ao+i*p.sa)*m*k, (bo+i*p.sb)*k*n, (o+i)*m*n
			Gemm(transA, transB, m, n, k, 1, a.data[ai:ai+m*k], lda, b.data[bi:bi+k*n], ldb, 0, dst.data[ci:ci+m*n], n)
		}
	})
	return dst
}

// MatMulTSumTo returns op(a)·op(b), shaped as MatMulT's, summed over its
// batch axes down to the batch shape batch: for op(a) of shape …×m×k and
// op(b) of shape …×k×n it is
//
//	SumTo(MatMulT(a, transA, b, transB), batch…, m, n)
//
// without the stack of products that SumTo would reduce ever being held. It
// is the gradient of an operand whose batch axes a matrix product broadcast.
// Each output matrix is written by the first GEMM that reaches it and the
// later ones add into it (GEMM's beta = 1), in the order of the batch index,
// so the sums are the same whatever GOMAXPROCS is. A sum over the whole of
// the batch of aᵀ·b, where neither operand is broadcast, is one GEMM over the
// stacks laid end to end. MatMulTSumTo panics as MatMulT does, and if batch
// does not broadcast to the product's batch shape.
func MatMulTSumTo[T Float](a *Tensor[T], transA bool, b *Tensor[T], transB bool, batch ...int) *Tensor[T] {
	return heap[T]().MatMulTSumTo(a, transA, b, transB, batch...)
}

// MatMulTSumTo is the package-level MatMulTSumTo with the result's storage
// from the arena.
func (ar *Arena[T]) MatMulTSumTo(a *Tensor[T], transA bool, b *Tensor[T], transB bool, batch ...int) *Tensor[T] {
	m, n, k, full := matmulDims(a, transA, b, transB)
	if EqualShapes(full, batch) {
		return ar.MatMulT(a, transA, b, transB)
	}
	if !BroadcastsTo(batch, full) {
		from, to := append(cloneInts(full), m, n), append(cloneInts(batch), m, n)
		panic(fmt.Sprintf(errSumTo, from, to, to, from))
	}
	na, nb := len(a.shape), len(b.shape)
	aBatch, bBatch := a.shape[:na-2], b.shape[:nb-2]
	lda, ldb := a.shape[na-1], b.shape[nb-1]
	count := numel(full)
	if count == 0 { // an empty sum
		return ar.New(append(cloneInts(batch), m, n)...)
	}
	dst := ar.NewUninit(append(cloneInts(batch), m, n)...)

	// Σ aᵢᵀ·bᵢ over the whole batch is (a's stack)ᵀ·(b's stack): the stacks
	// of k×m and k×n matrices are (count·k)×m and (count·k)×n matrices.
	if transA && !transB && numel(batch) == 1 && numel(aBatch) == count && numel(bBatch) == count {
		Gemm(true, false, m, n, count*k, 1, a.data, lda, b.data, ldb, 0, dst.data, n)
		return dst
	}
	// Otherwise one GEMM per product, odometer-style over the batch index,
	// with each operand's and the output's matrix found through strides
	// that are 0 along the axes where it is broadcast.
	nf := len(full)
	as, bs, ds := paddedStrides(nil, aBatch, nf), paddedStrides(nil, bBatch, nf), paddedStrides(nil, batch, nf)
	written := make([]bool, numel(batch))
	idx := make([]int, nf)
	ao, bo, do := 0, 0, 0
	for range count {
		var beta T = 1
		if !written[do] {
			beta, written[do] = 0, true
		}
		ai, bi, ci := ao*m*k, bo*k*n, do*m*n
		Gemm(transA, transB, m, n, k, 1, a.data[ai:ai+m*k], lda, b.data[bi:bi+k*n], ldb, beta, dst.data[ci:ci+m*n], n)
		for ax := nf - 1; ax >= 0; ax-- {
			idx[ax]++
			ao, bo, do = ao+as[ax], bo+bs[ax], do+ds[ax]
			if idx[ax] < full[ax] {
				break
			}
			ao, bo, do = ao-as[ax]*idx[ax], bo-bs[ax]*idx[ax], do-ds[ax]*idx[ax]
			idx[ax] = 0
		}
	}
	return dst
}

// MatMulShape returns the shape of the matrix product op(a)·op(b) of
// operands of shapes a and b, where op swaps the last two axes of an operand
// of 2 or more axes when the flag next to it is set, with torch.matmul's
// rules. By the operands' numbers of axes:
//
//	op(a)      op(b)      op(a)·op(b)
//	k          k          ()        the dot product
//	m×k        k          m         matrix·vector
//	k          k×n        n         vector·matrix
//	…×m×k      k          …×m       a stack of matrices·vector
//	k          …×k×n      …×n       vector·a stack of matrices
//	…×m×k      …×k×n      …×m×n     stacks of matrices, 2-d ones included
//
// A 1-d a is the row 1×k and a 1-d b the column k×1, and the axis of size 1
// so added is dropped from the result; a flag has no effect on a 1-d
// operand. The batch axes (…) broadcast by NumPy's rules (BroadcastShapes).
// MatMulShape is the one place where the shapes of a matrix product are
// checked. It returns an error if an operand is 0-d, if the inner dimensions
// (the two k) differ or if the batch axes do not broadcast.
func MatMulShape(a, b []int, transA, transB bool) ([]int, error) {
	m, n, _, batch, err := matmulShape(a, b, transA, transB, 2)
	if err != nil {
		return nil, err
	}
	if len(a) > 1 {
		batch = append(batch, m)
	}
	if len(b) > 1 {
		batch = append(batch, n)
	}
	return batch, nil
}

// matmulShape is MatMulShape's check: it returns the sizes of op(a) as m×k
// (m = 1 for a vector) and of op(b) as k×n (n = 1 for a vector), and the
// broadcast batch shape, with room for extra more axes. It allocates
// nothing when both operands have 2 axes or fewer.
func matmulShape(a, b []int, transA, transB bool, extra int) (m, n, k int, batch []int, err error) {
	na, nb := len(a), len(b)
	tA, tB := transA && na > 1, transB && nb > 1
	fail := func(why string) (int, int, int, []int, error) {
		return 0, 0, 0, nil, shapeError(why, errMatMulWhat, a, b, transFlags(tA, tB), why)
	}
	if na == 0 || nb == 0 {
		return fail(errMatMul0d)
	}
	m, ka := 1, a[na-1]
	if na > 1 {
		m = a[na-2]
		if tA {
			m, ka = ka, m
		}
	}
	kb := b[0]
	n = 1
	if nb > 1 {
		kb, n = b[nb-2], b[nb-1]
		if tB {
			kb, n = n, kb
		}
	}
	if ka != kb {
		return fail(fmt.Sprintf(errMatMulK, ka, kb))
	}
	aBatch, bBatch := a[:max(na-2, 0)], b[:max(nb-2, 0)]
	if len(aBatch) > 0 || len(bBatch) > 0 || extra > 0 {
		if batch, err = broadcastShapes(aBatch, bBatch, extra); err != nil {
			return fail(fmt.Sprintf(errMatMulBatch, aBatch, bBatch))
		}
	}
	return m, n, ka, batch, nil
}

// transFlags names the transposes in effect, as MatMulShape's errors do.
func transFlags(tA, tB bool) string {
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

// matmulDims checks the operands of op(a)·op(b), which MatMulT needs to have
// 2 or more axes each, and returns the sizes of op(a) (m×k) and op(b) (k×n)
// and the broadcast shape of their batch axes (nil for 2-d operands). It
// panics with MatMulShape's error.
func matmulDims[T Float](a *Tensor[T], transA bool, b *Tensor[T], transB bool) (m, n, k int, batch []int) {
	na, nb := len(a.shape), len(b.shape)
	if na < 2 || nb < 2 {
		panic(fmt.Sprintf(errMatMulRank, a.shape, b.shape))
	}
	m, n, k, batch, err := matmulShape(a.shape, b.shape, transA, transB, 0)
	if err != nil {
		panic(err.Error())
	}
	return m, n, k, batch
}

// GemmKernel names the micro-kernel behind Gemm on this CPU and build:
// "avx512" or "avx2" (Go assembly with FMA, chosen at run time) or "go" (the
// pure-Go kernel of other architectures and the purego build tag).
func GemmKernel() string { return gemm.Variant() }
