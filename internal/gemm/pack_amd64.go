//go:build amd64 && !purego

package gemm

import (
	"unsafe"

	"github.com/tapegrad/tapegrad/internal/isa"
)

var hasAVX = isa.AVX

// transposeAsm transposes as much of rows×n as the assembly blocks cover,
// as transpose does, and returns how many rows (from the first) and steps
// (from the first, in each of those rows) it did.
func transposeAsm[T Float](dst []T, ldd int, src []T, lds, rows, n int) (r, done int) {
	if !hasAVX || rows == 0 {
		return 0, 0
	}
	if _, ok := any(T(0)).(float32); ok {
		d := unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(dst))), len(dst))
		s := unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(src))), len(src))
		done = n &^ 7
		if done == 0 {
			return 0, 0
		}
		_ = d[(done-1)*ldd+rows-1]
		_ = s[(rows-1)*lds+done-1]
		for ; r+8 <= rows; r += 8 {
			transpose8x8PS(&s[r*lds], lds, &d[r], ldd, done)
		}
		if r+4 <= rows {
			transpose4x8PS(&s[r*lds], lds, &d[r], ldd, done)
			r += 4
		}
		return r, done
	}
	d := unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(dst))), len(dst))
	s := unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(src))), len(src))
	done = n &^ 3
	if done == 0 {
		return 0, 0
	}
	_ = d[(done-1)*ldd+rows-1]
	_ = s[(rows-1)*lds+done-1]
	for ; r+4 <= rows; r += 4 {
		transpose4x4PD(&s[r*lds], lds, &d[r], ldd, done)
	}
	return r, done
}

var hasFMA = isa.AVX2

// axpyAsm adds alpha·x to y with assembly, if the CPU has AVX2 and FMA.
func axpyAsm[T Float](alpha T, x, y []T) bool {
	if !hasFMA || len(x) == 0 {
		return hasFMA
	}
	_ = y[len(x)-1]
	switch x := any(x).(type) {
	case []float32:
		axpyPS(len(x), float32(alpha), &x[0], &any(y).([]float32)[0])
	case []float64:
		axpyPD(len(x), float64(alpha), &x[0], &any(y).([]float64)[0])
	}
	return true
}

// dotAsm returns x·y computed with assembly, if the CPU has AVX2 and FMA.
func dotAsm[T Float](x, y []T) (T, bool) {
	if !hasFMA || len(x) == 0 {
		return 0, hasFMA
	}
	_ = y[len(x)-1]
	switch x := any(x).(type) {
	case []float32:
		return T(dotPS(len(x), &x[0], &any(y).([]float32)[0])), true
	case []float64:
		return T(dotPD(len(x), &x[0], &any(y).([]float64)[0])), true
	}
	return 0, false
}

// copyRunsAsm does copyRuns with assembly, if the CPU has AVX and a run is
// a whole number of 16-byte moves.
func copyRunsAsm[T Float](dst []T, ldd int, src []T, w, n int) bool {
	size := int(unsafe.Sizeof(T(0)))
	if !hasAVX || w*size%16 != 0 {
		return false
	}
	copyRunsAVX((*byte)(unsafe.Pointer(&dst[0])), ldd*size, (*byte)(unsafe.Pointer(&src[0])), w*size, n)
	return true
}
