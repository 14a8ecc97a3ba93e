//go:build amd64 && !purego

package data

import "github.com/tapegrad/tapegrad/internal/isa"

// hasAVX2 reports whether subMeanU8 may run: the CPU has AVX2 and
// TAPEGRAD_ISA allows it (package internal/isa).
var hasAVX2 = isa.AVX2

// subMeanU8 sets dst[j] = float32(src[j]) − mean[j] for j < n, a multiple
// of 8, eight values to a 256-bit vector: the same float32 subtraction as
// the Go loop, so the same bits.
//
//go:noescape
func subMeanU8(n int, dst *float32, src *uint8, mean *float32)

// subMeanAsm runs subMeanU8 over the longest prefix of src whose length is
// a multiple of 8 and returns that length: 0 without AVX2. dst and mean
// hold at least len(src) values.
func subMeanAsm(dst []float32, src []uint8, mean []float32) int {
	n := len(src) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	_, _ = dst[n-1], mean[n-1]
	subMeanU8(n, &dst[0], &src[0], &mean[0])
	return n
}
