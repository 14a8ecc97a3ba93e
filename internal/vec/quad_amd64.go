//go:build amd64 && !purego

package vec

// sumQuadAsm runs the assembly SumQuad over the first n values of each row
// (n a multiple of 4) and returns how many it did: none without AVX.
func sumQuadAsm[T Float](s *[16]T, x []T, stride, n int) int {
	if !hasAVX || n == 0 {
		return 0
	}
	switch s := any(s).(type) {
	case *[16]float32:
		sumQuadPS(s, any(&x[0]).(*float32), stride, n)
	case *[16]float64:
		sumQuadPD(s, any(&x[0]).(*float64), stride, n)
	}
	return n
}
