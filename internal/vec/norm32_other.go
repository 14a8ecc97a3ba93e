//go:build !amd64 || purego

package vec

// The float32 norm loops' assembly does nothing here.
func rowSumSqDev32Asm(x []float32, mu float64, p *[normLanes]float64) (int, float64) {
	return 0, 0
}
func scaleShift32Asm(y, x []float32, m, a, b float32) int              { return 0 }
func normRow32Asm(y, x []float32, m, r, c float32, g, b []float32) int { return 0 }
func normGradRow32Asm(dx, dy, g, x []float32, m, a, e, k float32) int  { return 0 }
func gradShift32Asm(dx, dy, x []float32, m, k1, k2, k3 float32) int    { return 0 }
func flush32To64Asm(d []float64, s []float32) int                      { return 0 }
func normGradSums32Asm(dy, g, x []float32, m, r, c float32, p *[2 * normLanes]float64, sb, sbh []float32) (int, float64, float64) {
	return 0, 0, 0
}

func rowFast32(n, step int) bool { return false }
func normForwardRow32Asm(y, x, g, b []float32, eps float64, rms bool) (mu, is float64) {
	panic("vec: no assembly")
}
func normForwardRows32Asm(y, x, g, b []float32, d, rows int, stats []float64, ns int, eps float64, rms bool) {
	panic("vec: no assembly")
}
func normBackwardRow32Asm(dx, dy, g, x []float32, mu, is float64, sb, sbh []float32, rms bool) {
	panic("vec: no assembly")
}
func normBackwardRows32Asm(dx, dy, g, x []float32, d, rows int, stats []float64, ns int, rms bool, sb, sbh []float32, cb, cbh []float64, flush int) {
	panic("vec: no assembly")
}
func scaleShiftRuns32Asm(y, x []float32, m float32, a, b []float32, in int) {
	panic("vec: no assembly")
}
func sumsRuns32Asm(sd, sdh []float64, dy, x []float32, m, r, c float32, in int) {
	panic("vec: no assembly")
}
func gradShiftRuns32Asm(dx, dy, x []float32, m float32, k1 []float32, k2, k3 float32, in int) {
	panic("vec: no assembly")
}
func rowSumShift32Asm(x []float32, k float64, p *[2 * normLanes]float64) (int, float64, float64) {
	return 0, 0, 0
}
