//go:build amd64 && !purego

package vec

import "github.com/tapegrad/tapegrad/internal/isa"

// hasAVX2 reports whether the element-wise kernels, which need AVX2 and
// FMA, may run (package internal/isa).
var hasAVX2 = isa.AVX2

// elemCount returns the values of x the element-wise assembly does: the
// whole vectors of 4, none without AVX2.
func elemCount(x []float32) int {
	if !hasAVX2 {
		return 0
	}
	return len(x) - len(x)%4
}

func sigmoidAsm(y, x []float32) (int, bool) { return unaryAsm(y, x, sigmoidPD) }
func tanhAsm(y, x []float32) (int, bool)    { return unaryAsm(y, x, tanhPD) }
func geluAsm(y, x []float32) (int, bool)    { return unaryAsm(y, x, geluPD) }
func geluTanhAsm(y, x []float32) (int, bool) {
	return unaryAsm(y, x, geluTanhPD)
}
func geluGradAsm(dx, dy, x []float32) (int, bool) { return gradAsm(dx, dy, x, geluGradPD) }
func geluTanhGradAsm(dx, dy, x []float32) (int, bool) {
	return gradAsm(dx, dy, x, geluTanhGradPD)
}

func unaryAsm(y, x []float32, k func(n int, y, x *float32) bool) (int, bool) {
	n := elemCount(x)
	if n == 0 {
		return 0, false
	}
	_ = y[n-1]
	return n, k(n, &y[0], &x[0])
}

func gradAsm(dx, dy, x []float32, k func(n int, dx, dy, x *float32) bool) (int, bool) {
	n := elemCount(x)
	if n == 0 {
		return 0, false
	}
	_, _ = dx[n-1], dy[n-1]
	return n, k(n, &dx[0], &dy[0], &x[0])
}

func expSumAsm(x []float32, m float64, p *[4]float64) (int, bool) {
	n := elemCount(x)
	if n == 0 {
		return 0, false
	}
	return n, expSumPD(n, &x[0], m, p)
}

func expScaleAsm(y, x []float32, m, inv float64) (int, bool) {
	n := elemCount(x)
	if n == 0 {
		return 0, false
	}
	_ = y[n-1]
	return n, expScalePD(n, &y[0], &x[0], m, inv)
}
