package gemm

// smallWork is the largest m·n·k computed by plain loops, without packing:
// below it, packing and the kernel's fixed costs outweigh its speed.
const smallWork = 8 * 8 * 8

// small reports whether a product of this shape is computed directly. It
// depends on the shape alone, so that a shape is always computed the same
// way.
func small(m, n, k int) bool { return m*n*k <= smallWork }

// direct computes the product with plain loops in the order each layout
// reads best.
func (p *problem[T]) direct() {
	m, n, k := p.m, p.n, p.k
	a, b, c := p.a, p.b, p.c
	lda, ldb, ldc := p.lda, p.ldb, p.ldc
	scale(m, n, p.beta, c, ldc)
	switch {
	case !p.transA && !p.transB: // C[i,:] += A[i,p]·B[p,:]
		for i := range m {
			crow := c[i*ldc : i*ldc+n]
			for q, av := range a[i*lda : i*lda+k] {
				av *= p.alpha
				for j, bv := range b[q*ldb : q*ldb+n] {
					crow[j] += av * bv
				}
			}
		}
	case !p.transA && p.transB: // C[i,j] += A[i,:]·B[j,:]
		for i := range m {
			arow := a[i*lda : i*lda+k]
			for j := range n {
				var s T
				for q, bv := range b[j*ldb : j*ldb+k] {
					s += arow[q] * bv
				}
				c[i*ldc+j] += p.alpha * s
			}
		}
	case p.transA && !p.transB: // C[i,:] += A[p,i]·B[p,:]
		for q := range k {
			brow := b[q*ldb : q*ldb+n]
			for i, av := range a[q*lda : q*lda+m] {
				av *= p.alpha
				crow := c[i*ldc : i*ldc+n]
				for j, bv := range brow {
					crow[j] += av * bv
				}
			}
		}
	default: // C[i,j] += A[:,i]·B[j,:]
		for i := range m {
			for j := range n {
				var s T
				for q, bv := range b[j*ldb : j*ldb+k] {
					s += a[q*lda+i] * bv
				}
				c[i*ldc+j] += p.alpha * s
			}
		}
	}
}
