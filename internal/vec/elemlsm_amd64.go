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
