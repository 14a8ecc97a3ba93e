//go:build amd64 && !purego

package data

import (
	"unsafe"

	"github.com/tapegrad/tapegrad/internal/isa"
)

// hasAVX2 reports whether subMeanU8 may run: the CPU has AVX2 and
// TAPEGRAD_ISA allows it (package internal/isa).
var hasAVX2 = isa.AVX2

// subMeanU8 sets dst[j] = float32(src[j]) − mean[j] for j < n, a multiple
// of 8, eight values to a 256-bit vector: the same float32 subtraction as
// the Go loop, so the same bits.
//
//go:noescape
func subMeanU8(n int, dst *float32, src *uint8, mean *float32)

// subMeanU8NT is subMeanU8 with streaming stores; dst must be 32-byte
// aligned.
//
//go:noescape
func subMeanU8NT(n int, dst *float32, src *uint8, mean *float32)

// subMeanAsm sets dst[j] = float32(src[j]) − mean[j] for the longest prefix
// of src it can, and returns that prefix's length: 0 without AVX2. dst and
// mean hold at least len(src) values. With stream, it writes dst with
// streaming stores (subMeanU8NT), after the values up to dst's first
// 32-byte boundary, which it writes in Go.
func subMeanAsm(dst []float32, src []uint8, mean []float32, stream bool) int {
	if !hasAVX2 || len(src) < 8 {
		return 0
	}
	lead := 0
	if stream {
		lead = int(-uintptr(unsafe.Pointer(&dst[0])) % 32 / 4)
		for j := range min(lead, len(src)) {
			dst[j] = float32(src[j]) - mean[j]
		}
	}
	n := max(0, len(src)-lead) &^ 7
	if n == 0 {
		return min(lead, len(src))
	}
	d, s, m := dst[lead:lead+n], src[lead:lead+n], mean[lead:lead+n]
	if stream {
		subMeanU8NT(n, &d[0], &s[0], &m[0])
	} else {
		subMeanU8(n, &d[0], &s[0], &m[0])
	}
	return lead + n
}
