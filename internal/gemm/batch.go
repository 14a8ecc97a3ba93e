package gemm

import (
	"fmt"
	"runtime"

	"github.com/tapegrad/tapegrad/internal/parallel"
)

// Batch computes count products of one shape,
//
//	C_i = alpha·op(A_i)·op(B_i) + beta·C_i        i = 0, …, count−1
//
// where A_i starts at a[i·strideA], B_i at b[i·strideB] and C_i at
// c[i·strideC], each laid out as Gemm's operands (BLAS's strided batched
// product). The products must not write to each other's C.
//
// When there are enough products to go round, Batch hands whole products to
// its goroutines, each computed by one goroutine, rather than cutting each
// product into tasks in turn: the goroutines meet once at the end of the
// call instead of at every phase of every product, so a goroutine that
// starts late or is descheduled holds the others back once, by at most a
// product, not at every phase. It does so when each goroutine gets at least
// batchPerWorker products, and otherwise computes the products one after
// another, each on all the goroutines Gemm would use. Either way each
// element of each C_i is what Gemm computes, the same bits for every
// GOMAXPROCS. Batch panics as Gemm does, and on a negative count or stride.
func Batch[T Float](count int, transA, transB bool, m, n, k int, alpha T,
	a []T, lda, strideA int, b []T, ldb, strideB int, beta T, c []T, ldc, strideC int) {
	if count < 0 || strideA < 0 || strideB < 0 || strideC < 0 {
		panic(fmt.Sprintf(errBatch, count, strideA, strideB, strideC))
	}
	if count == 0 {
		return
	}
	// The last product's operands are the shortest: if they are long
	// enough, all are, and no goroutine but the caller's can panic.
	last := count - 1
	checkArgs(transA, transB, m, n, k, alpha, tail(a, last*strideA, "a"), lda,
		tail(b, last*strideB, "b"), ldb, tail(c, last*strideC, "c"), ldc)
	one := func(i, workers int) {
		gemmOn(workers, transA, transB, m, n, k, alpha, a[i*strideA:], lda, b[i*strideB:], ldb, beta, c[i*strideC:], ldc)
	}
	workers := batchWorkers(count, m, n, k)
	if workers <= 1 || count < batchPerWorker*workers {
		for i := range count {
			one(i, 0)
		}
		return
	}
	// Whole products, claimed one by one by the caller and the crew's
	// helpers.
	parallel.Pieces(count, workers, count, func() func(lo, hi int) {
		return func(lo, hi int) {
			for i := lo; i < hi; i++ {
				one(i, 1)
			}
		}
	})
}

// batchPerWorker is the fewest products per goroutine with which Batch
// hands out whole products: with fewer, the goroutine that takes the last
// one keeps the others waiting for a large part of the call.
const batchPerWorker = 4

// batchWorkers returns the number of goroutines Batch may use for count
// products of m×k by k×n: at most GOMAXPROCS, the CPUs, count, and one per
// minWorkPerWorker multiply-adds.
func batchWorkers(count, m, n, k int) int {
	cpus := runtime.NumCPU()
	if maxWorkers > 0 {
		cpus = maxWorkers
	}
	return min(runtime.GOMAXPROCS(0), cpus, count, max(1, count*m*n*k/minWorkPerWorker))
}

// tail returns s[off:], and panics if s is shorter than off.
func tail[T Float](s []T, off int, name string) []T {
	if off > len(s) {
		panic(fmt.Sprintf(errBatchShort, name, len(s), off))
	}
	return s[off:]
}
