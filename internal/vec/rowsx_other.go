//go:build !amd64 || purego

package vec

// The loops of rowsx.go have no assembly here.
func affineRowsAsm[T Float](y, x []T, mu, is []float64, g, b []T, rows, stride int) int { return 0 }
func sumDotNormRowsAsm[T Float](sa, sab []float64, dy, x []T, mu, is []float64, rows, stride int) int {
	return 0
}
func gradNormRowsAsm[T Float](dx, dy, x []T, mu, is, k1, k2, k3 []float64, rows, stride int) int {
	return 0
}
func sumRows2Asm[T Float](acc []float64, x []T, rows, stride int) int { return 0 }
func sumSqDevRows2Asm[T Float](acc []float64, x []T, mu []float64, rows, stride int) int {
	return 0
}
