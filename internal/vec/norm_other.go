//go:build !amd64 || purego

package vec

// The norm loops' assembly does nothing here.
func rowSumAsm[T Float](x []T, p *[normLanes]float64) int                  { return 0 }
func rowSumSqDevAsm[T Float](x []T, mu float64, p *[normLanes]float64) int { return 0 }
func normRowAsm[T Float](h, y, x []T, mu, is float64, g, b []T) int        { return 0 }
func normGradSumsAsm[T Float](dy, g, h []T, p *[2 * normLanes]float64) int { return 0 }
func normGradRowAsm[T Float](dx, dy, g, h []T, m1, m2, is float64) int     { return 0 }
func normRowScalarAsm[T Float](h, y, x []T, mu, is float64, g, b T) int    { return 0 }
func normGradRowScalarAsm[T Float](dx, dy, h []T, k1, k2, k3 float64) int  { return 0 }
func normRowYAsm[T Float](y, x []T, mu, is float64, g, b []T) int          { return 0 }
func normRowScalarYAsm[T Float](y, x []T, mu, is float64, g, b T) int      { return 0 }
func normGradSumsXAsm[T Float](dy []T, g []float64, x []T, mu, is float64, p *[2 * normLanes]float64, sb, sbh []float64) int {
	return 0
}
func normGradRowXAsm[T Float](dx, dy []T, g []float64, x []T, mu, is, m1, m2 float64) int { return 0 }
func normGradRowScalarXAsm[T Float](dx, dy, x []T, mu, k1, k2, k3 float64) int            { return 0 }
func rowSumToAsm[T Float](x []T, s []float64, p *[normLanes]float64) int                  { return 0 }
func rowSumSqDev64Asm(s []float64, mu float64, p *[normLanes]float64) int                 { return 0 }
func normRow64Asm[T Float](y []T, s []float64, mu, is float64, g, b []T) int              { return 0 }
func normGradRow64Asm[T Float](dx []T, t, hs []float64, m1, m2, is float64) int           { return 0 }
func normGradSumsToAsm[T Float](dy, x []T, g []float64, mu, is float64, p *[2 * normLanes]float64, t, hs, sb, sbh []float64) int {
	return 0
}
func normRowScalar64Asm[T Float](y []T, s []float64, mu, is float64, g, b T) int { return 0 }
