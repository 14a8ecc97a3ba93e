package gemm

import "fmt"

// Float is the element type of a product: float32 or float64.
type Float interface{ float32 | float64 }

// Sgemm computes C = alpha·op(A)·op(B) + beta·C in float32 on row-major
// matrices; see Gemm.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm computes C = alpha·op(A)·op(B) + beta·C in float64 on row-major
// matrices; see Gemm.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Gemm computes the general matrix product
//
//	C = alpha·op(A)·op(B) + beta·C
//
// on row-major matrices, where op(X) is X or Xᵀ as transA and transB say,
// op(A) is m×k, op(B) is k×n and C is m×n. lda, ldb and ldc are the row
// strides of A, B and C as stored (A is stored k×m when transposed). With
// beta 0, C is only written: NaNs in it do not propagate; with alpha 0 or k
// 0, A and B are not read.
//
// The result does not depend on GOMAXPROCS: every element of C is computed
// by one goroutine, in an order fixed by the shape alone. Gemm panics, as
// BLAS does, on negative sizes, strides too small for the rows they step
// over and slices too short for the matrices they hold (A's and B's are not
// checked when they are not read).
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemmOn(0, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmOn is Gemm on at most workers goroutines, the caller's included;
// 0 means as many as Gemm uses.
func gemmOn[T Float](workers int, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if !checkArgs(transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc) {
		if m > 0 && n > 0 {
			scale(m, n, beta, c, ldc)
		}
		return
	}
	p := problem[T]{
		transA: transA, transB: transB,
		m: m, n: n, k: k,
		alpha: alpha, beta: beta,
		a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc,
		workers: workers,
	}
	kern := kernelFor[T]()
	switch {
	case small(m, n, k):
		p.direct()
	case thin(m, n):
		p.thinProduct(kern.fastPack)
	default:
		p.blocked(kern)
	}
}

// checkArgs panics, as Gemm does, on arguments that do not describe a product
// and reports whether A and B are read: false when C is empty (m or n 0) or
// only scaled by beta (k or alpha 0).
func checkArgs[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, c []T, ldc int) bool {
	ar, ac := m, k // A as stored
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf(errSize, m, n, k))
	}
	if m == 0 || n == 0 {
		return false
	}
	if ldc < n {
		panic(fmt.Sprintf(errStride, "ldc", ldc, n))
	}
	if len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf(errShort, "c", len(c), m, n, ldc))
	}
	if k == 0 || alpha == 0 {
		return false
	}
	switch {
	case lda < ac:
		panic(fmt.Sprintf(errStride, "lda", lda, ac))
	case ldb < bc:
		panic(fmt.Sprintf(errStride, "ldb", ldb, bc))
	case len(a) < (ar-1)*lda+ac:
		panic(fmt.Sprintf(errShort, "a", len(a), ar, ac, lda))
	case len(b) < (br-1)*ldb+bc:
		panic(fmt.Sprintf(errShort, "b", len(b), br, bc, ldb))
	}
	return true
}

// problem is one call's arguments.
type problem[T Float] struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    T
	a              []T
	lda            int
	b              []T
	ldb            int
	c              []T
	ldc            int
	workers        int // the most goroutines the product may use; 0: no bound but Gemm's
}

// scale sets the m×n matrix C to beta·C, to zeros when beta is 0.
func scale[T Float](m, n int, beta T, c []T, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}
