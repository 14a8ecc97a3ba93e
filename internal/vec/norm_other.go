//go:build !amd64 || purego

package vec

// RowSumSqDev64's assembly does nothing here.
func rowSumSqDev64Asm(s []float64, mu float64, p *[normLanes]float64) (int, float64) { return 0, 0 }
