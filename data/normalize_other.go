//go:build !amd64 || purego

package data

// hasAVX2 is false: there is no assembly here; see normalize_amd64.go.
const hasAVX2 = false

// subMeanAsm does nothing without assembly.
func subMeanAsm(dst []float32, src []uint8, mean []float32, stream bool) int { return 0 }
