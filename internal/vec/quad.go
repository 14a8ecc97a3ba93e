package vec

import "fmt"

// SumQuad adds four rows of x to their partial sums, four per row: for
// r < 4 and i = 0, 4, 8, … below n, s[4r+k] += x[r·stride+i+k], k < 4,
// each row's partial sums taking its values in order. It is the inner loop
// of pairwise summation (tensor.SumSlice) run on four rows at once; the
// caller adds values past the last multiple of 4 itself. Sums are rounded
// in T, one addition at a time, so the result is that of the plain loop.
// It panics if n or stride is negative or the rows do not fit in x.
func SumQuad[T Float](s *[16]T, x []T, stride, n int) {
	if n < 0 || stride < 0 || (n > 0 && 3*stride+n > len(x)) {
		panic(fmt.Sprintf("vec: SumQuad of 4 rows of %d at stride %d over %d values", n, stride, len(x)))
	}
	done := sumQuadAsm(s, x, stride, n-n%4)
	for r := range 4 {
		row := x[r*stride : r*stride+n]
		p := s[4*r : 4*r+4]
		for i := done; i+4 <= n; i += 4 {
			p[0] += row[i]
			p[1] += row[i+1]
			p[2] += row[i+2]
			p[3] += row[i+3]
		}
	}
}
