//go:build !amd64 || purego

package vec

// sumQuadAsm does nothing: there is no assembly here.
func sumQuadAsm[T Float](s *[16]T, x []T, stride, n int) int { return 0 }
