//go:build !amd64 || purego

package vec

// Without assembly the Go loop of SoftmaxGrad32 does every value.
func softmaxGradAsm(dx, g, y []float32, s float64) (int, bool) { return 0, false }

// Without assembly the Go loops of AttnDS32 do every value.
func attnDotAsm(g, pt []float32, acc *[4]float64) int { return 0 }
func attnDSAsm(g, pt, p []float32, d float64) int     { return 0 }
