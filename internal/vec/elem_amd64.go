//go:build amd64 && !purego

package vec

import "github.com/tapegrad/tapegrad/internal/isa"

// hasAVX2 reports whether the element-wise kernels, which need AVX2 and
// FMA, may run, and hasAVX512 whether their AVX-512 forms (suffix Z,
// eight float64 lanes) may (package internal/isa). Both compute the same
// bits.
var (
	hasAVX2   = isa.AVX2
	hasAVX512 = isa.AVX512 && isa.AVX2
)

// elemCount returns the values of x the element-wise assembly does: the
// whole vectors of 4, none without AVX2.
func elemCount(x []float32) int {
	if !hasAVX2 {
		return 0
	}
	return len(x) - len(x)%4
}

func sigmoidAsm(y, x []float32) (int, bool) { return unaryAsm(y, x, sigmoidPD, sigmoidPDZ) }
func siluAsm(y, x []float32) (int, bool)    { return unaryAsm(y, x, siluPD, siluPDZ) }
func siluGradAsm(dx, dy, x []float32) (int, bool) {
	return gradAsm(dx, dy, x, siluGradPD, siluGradPDZ)
}
func tanhAsm(y, x []float32) (int, bool) { return unaryAsm(y, x, tanhPD, tanhPDZ) }
func geluAsm(y, x []float32) (int, bool) { return unaryAsm(y, x, geluPD, geluPDZ) }
func geluTanhAsm(y, x []float32) (int, bool) {
	return unaryAsm(y, x, geluTanhPD, geluTanhPDZ)
}
func geluGradAsm(dx, dy, x []float32) (int, bool) {
	return gradAsm(dx, dy, x, geluGradPD, geluGradPDZ)
}
func geluTanhGradAsm(dx, dy, x []float32) (int, bool) {
	return gradAsm(dx, dy, x, geluTanhGradPD, geluTanhGradPDZ)
}

// unaryAsm runs the ZMM kernel kz over the whole vectors of 8 (with
// AVX-512) and the YMM kernel k over those of 4 left, and returns how many
// values they did and whether they met a non-finite one.
func unaryAsm(y, x []float32, k, kz func(n int, y, x *float32) bool) (int, bool) {
	n := elemCount(x)
	if n == 0 {
		return 0, false
	}
	_ = y[n-1]
	done, special := 0, false
	if hasAVX512 && n >= 8 {
		done = n - n%8
		special = kz(done, &y[0], &x[0])
	}
	if done < n {
		special = k(n-done, &y[done], &x[done]) || special
	}
	return n, special
}

func gradAsm(dx, dy, x []float32, k, kz func(n int, dx, dy, x *float32) bool) (int, bool) {
	n := elemCount(x)
	if n == 0 {
		return 0, false
	}
	_, _ = dx[n-1], dy[n-1]
	done, special := 0, false
	if hasAVX512 && n >= 8 {
		done = n - n%8
		special = kz(done, &dx[0], &dy[0], &x[0])
	}
	if done < n {
		special = k(n-done, &dx[done], &dy[done], &x[done]) || special
	}
	return n, special
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
