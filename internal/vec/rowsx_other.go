//go:build !amd64 || purego

package vec

// The two-row kernels of rows.go have no assembly here.
func sumRows2Asm[T Float](acc []float64, x []T, rows, stride int) int { return 0 }
func sumSqDevRows2Asm[T Float](acc []float64, x []T, mu []float64, rows, stride int) int {
	return 0
}
