//go:build linux

package vec

import (
	"syscall"
	"testing"
	"unsafe"
)

// guarded returns n float32s that end where an inaccessible page begins,
// so that reading past them faults.
func guarded(t *testing.T, n int) []float32 {
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[page:], syscall.PROT_NONE); err != nil {
		t.Skip("mprotect:", err)
	}
	all := unsafe.Slice((*float32)(unsafe.Pointer(&mem[0])), page/4)
	return all[page/4-n:]
}

// TestPadRowsReadsNoFurther checks that PadRows reads nothing past src,
// whose end is followed by an inaccessible page.
func TestPadRowsReadsNoFurther(t *testing.T) {
	for w := 1; w <= 40; w++ {
		for h := 1; h <= 4; h++ {
			src := guarded(t, w*h)
			for i := range src {
				src[i] = float32(i + 1)
			}
			stride := (w + 7) &^ 7
			got, want := make([]float32, h*stride), make([]float32, h*stride)
			PadRows(got, stride, src, w, h) // faults on a read past src
			padRowsGo(want, stride, src, w, h)
			if i := sameBits(got, want); i >= 0 {
				t.Fatalf("%d rows of %d: dst[%d] = %v, want %v", h, w, i, got[i], want[i])
			}
		}
	}
}
