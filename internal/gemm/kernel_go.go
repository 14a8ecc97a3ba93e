package gemm

import "unsafe"

// goKernel is the pure-Go micro-kernel: a 4×4 tile, for other
// architectures, the purego build tag and CPUs without AVX2.
func goKernel[T Float](kc int, a, b, c *T, ldc int, alpha, beta T, load int) {
	as := unsafe.Slice(a, 4*kc)
	bs := unsafe.Slice(b, 4*kc)
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 T
	for p := 0; p+4 <= len(as) && p+4 <= len(bs); p += 4 {
		ap, bp := as[p:p+4:p+4], bs[p:p+4:p+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0 := ap[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := ap[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := ap[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a3 := ap[3]
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	cs := unsafe.Slice(c, 3*ldc+4)
	goStoreRow(cs[0:4:4], c00, c01, c02, c03, alpha, beta, load)
	goStoreRow(cs[ldc:ldc+4:ldc+4], c10, c11, c12, c13, alpha, beta, load)
	goStoreRow(cs[2*ldc:2*ldc+4:2*ldc+4], c20, c21, c22, c23, alpha, beta, load)
	goStoreRow(cs[3*ldc:3*ldc+4:3*ldc+4], c30, c31, c32, c33, alpha, beta, load)
}

func goStoreRow[T Float](row []T, x0, x1, x2, x3, alpha, beta T, load int) {
	if load == 0 {
		row[0], row[1], row[2], row[3] = alpha*x0, alpha*x1, alpha*x2, alpha*x3
		return
	}
	row[0] = alpha*x0 + beta*row[0]
	row[1] = alpha*x1 + beta*row[1]
	row[2] = alpha*x2 + beta*row[2]
	row[3] = alpha*x3 + beta*row[3]
}

// goKernel32 and goKernel64 return the pure-Go kernels.
func goKernel32() *kernel[float32] {
	return &kernel[float32]{name: "go", mr: 4, nr: 4, kc: 256, mc: 512, nc: 256, fn: goKernel[float32]}
}

func goKernel64() *kernel[float64] {
	return &kernel[float64]{name: "go", mr: 4, nr: 4, kc: 256, mc: 512, nc: 128, fn: goKernel[float64]}
}
