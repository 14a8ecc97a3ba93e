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
