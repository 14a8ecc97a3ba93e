//go:build !amd64 || purego

package gemm

// transposeAsm does nothing: there is no assembly.
func transposeAsm[T Float](dst []T, ldd int, src []T, lds, rows, n int) (r, done int) {
	return 0, 0
}

// axpyAsm does nothing: there is no assembly.
func axpyAsm[T Float](alpha T, x, y []T) bool { return false }

// dotAsm does nothing: there is no assembly.
func dotAsm[T Float](x, y []T) (T, bool) { return 0, false }

// copyRunsAsm does nothing: there is no assembly.
func copyRunsAsm[T Float](dst []T, ldd int, src []T, w, n int) bool { return false }
