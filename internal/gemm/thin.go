package gemm

// A thin product has one or two rows or columns of C (a matrix–vector
// product, or two): each element of C is a dot product, or each row an
// axpy over rows of B, read where they lie. Packing would copy a whole
// operand to use each of its values once or twice.

// thinMax is the most rows or columns of C a thin product has.
const thinMax = 2

// thin reports whether a product of this shape is computed as a thin one.
func thin(m, n int) bool { return m <= thinMax || n <= thinMax }

var vecs32, vecs64 freeList[any]

// scratch returns a kept slice of n values and a function that gives it
// back.
func scratch[T Float](n int) ([]T, func()) {
	list := listFor[T](&vecs32, &vecs64)
	var v []T
	if x, ok := list.get(); ok {
		v = x.([]T)
	}
	v = grow(v, n)
	return v, func() { list.put(v) }
}

// thinProduct computes a thin product; fast says it may use assembly.
func (p *problem[T]) thinProduct(fast bool) {
	scale(p.m, p.n, p.beta, p.c, p.ldc)
	if p.m <= p.n {
		for i := range p.m {
			p.thinRow(i, fast)
		}
		return
	}
	for j := range p.n {
		p.thinCol(j, fast)
	}
}

// thinRow adds alpha·op(A)[i,:]·op(B) to row i of C.
func (p *problem[T]) thinRow(i int, fast bool) {
	k, n := p.k, p.n
	crow := p.c[i*p.ldc : i*p.ldc+n]
	if !p.transB { // C[i,:] += Σ_q alpha·op(A)[i,q]·B[q,:]
		for q := range k {
			var av T
			if p.transA {
				av = p.a[q*p.lda+i]
			} else {
				av = p.a[i*p.lda+q]
			}
			axpy(p.alpha*av, p.b[q*p.ldb:q*p.ldb+n], crow, fast)
		}
		return
	}
	// C[i,j] += alpha·op(A)[i,:]·B[j,:]
	var arow []T
	if p.transA { // column i of A, gathered
		tmp, done := scratch[T](k)
		defer done()
		for q := range tmp {
			tmp[q] = p.a[q*p.lda+i]
		}
		arow = tmp
	} else {
		arow = p.a[i*p.lda : i*p.lda+k]
	}
	for j := range crow {
		crow[j] += p.alpha * dot(arow, p.b[j*p.ldb:j*p.ldb+k], fast)
	}
}

// thinCol adds alpha·op(A)·op(B)[:,j] to column j of C.
func (p *problem[T]) thinCol(j int, fast bool) {
	k, m := p.k, p.m
	var bcol []T
	if p.transB { // op(B)[:,j] is row j of B
		bcol = p.b[j*p.ldb : j*p.ldb+k]
	} else { // column j of B, gathered
		tmp, done := scratch[T](k)
		defer done()
		for q := range tmp {
			tmp[q] = p.b[q*p.ldb+j]
		}
		bcol = tmp
	}
	if !p.transA { // C[i,j] += alpha·A[i,:]·op(B)[:,j]
		for i := range m {
			p.c[i*p.ldc+j] += p.alpha * dot(p.a[i*p.lda:i*p.lda+k], bcol, fast)
		}
		return
	}
	// column j of C += alpha·Σ_q op(B)[q,j]·A[q,:]
	sum, done := scratch[T](m)
	defer done()
	clear(sum)
	for q, bv := range bcol {
		axpy(bv, p.a[q*p.lda:q*p.lda+m], sum, fast)
	}
	for i, v := range sum {
		p.c[i*p.ldc+j] += p.alpha * v
	}
}

// axpy adds alpha·x to y (len(x) = len(y)).
func axpy[T Float](alpha T, x, y []T, fast bool) {
	if fast && axpyAsm(alpha, x, y) {
		return
	}
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

// dot returns x·y (len(x) = len(y)).
func dot[T Float](x, y []T, fast bool) T {
	if fast {
		if s, ok := dotAsm(x, y); ok {
			return s
		}
	}
	y = y[:len(x)]
	var s T
	for i, v := range x {
		s += v * y[i]
	}
	return s
}
