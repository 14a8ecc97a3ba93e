//go:build amd64 && !purego

package vec

func softmaxGradAsm(dx, g, y []float32, s float64) (int, bool) {
	n := elemCount(dx)
	if n == 0 {
		return 0, false
	}
	_, _ = g[n-1], y[n-1]
	return n, softmaxGradPD(n, &dx[0], &g[0], &y[0], s)
}

func attnDotAsm(g, pt []float32, acc *[4]float64) int {
	n := elemCount(g)
	if n == 0 {
		return 0
	}
	_ = pt[n-1]
	attnDotPD(n, &g[0], &pt[0], acc)
	return n
}

func attnDSAsm(g, pt, p []float32, d float64) int {
	n := elemCount(g)
	if n == 0 {
		return 0
	}
	_, _ = pt[n-1], p[n-1]
	attnDSPD(n, &g[0], &pt[0], &p[0], d)
	return n
}
