//go:build !amd64 || purego

package vec

// The loops of bnshift.go have no assembly here.
func scaleShiftRowsAsm[T Float](y, x, m, a, b []T, rows, stride int) int { return 0 }
func gradShiftRowsAsm[T Float](dx, dy, x, m, k1, k2, k3 []T, rows, stride int) int {
	return 0
}
func sumDotShiftRowsAsm[T Float](sa, sab []float64, dy, x, m []T, rows, stride int) int {
	return 0
}
func sumShiftSqRowsAsm[T Float](s1, s2 []float64, x, k []T, rows, stride int) int {
	return 0
}
