//go:build !amd64 || purego

package vec

// The norm loops' assembly does nothing here.
func rowSumToAsm[T Float](x []T, s []float64, p *[normLanes]float64) (int, float64) {
	return 0, 0
}
func rowSumSqDev64Asm(s []float64, mu float64, p *[normLanes]float64) (int, float64) { return 0, 0 }
func normRow64Asm[T Float](y []T, s []float64, mu, is float64, g, b []float64) int   { return 0 }
func normRowScalar64Asm[T Float](y []T, s []float64, mu, a, b float64) int {
	return 0
}
func normGradSumsXAsm[T Float](dy []T, g []float64, x []T, mu, is float64, p *[2 * normLanes]float64, sb, sbh []float64) (int, float64, float64) {
	return 0, 0, 0
}
func normGradRowXAsm[T Float](dx, dy []T, g []float64, x []T, mu, a, c, e float64) int { return 0 }
func normGradRowScalarXAsm[T Float](dx, dy, x []T, mu, k1, k2, k3 float64) int         { return 0 }
func rowSumDotDevAsm[T Float](dy, x []T, mu float64, p *[2 * normLanes]float64) (int, float64, float64) {
	return 0, 0, 0
}

func normRowFast[T Float](n int) bool { return false }
func normForwardRowAsm[T Float](y, x []T, s, g, b []float64, k, eps float64, rms bool) (mu, is float64) {
	panic("vec: no assembly")
}
func normGradSumsRowAsm[T Float](dy []T, g []float64, x []T, mu, is float64, sb, sbh []float64) (sg, sgh float64) {
	panic("vec: no assembly")
}
