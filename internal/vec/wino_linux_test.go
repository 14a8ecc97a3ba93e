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

// TestWinoRowsReadNoFurther checks that WinoInputAdjointRows and
// WinoOutputRows read nothing past the last run's tiles, followed by an
// inaccessible page.
func TestWinoRowsReadNoFurther(t *testing.T) {
	for tw := 1; tw <= 12; tw++ {
		for th := 1; th <= 4; th++ {
			step := th*tw + 3
			runs := guarded(t, 15*step+th*tw)
			for i := range runs {
				runs[i] = float32(i%13) - 6
			}
			wps := WinoInputStride(tw)
			buf, want := make([]float32, (2*th+2)*wps), make([]float32, (2*th+2)*wps)
			WinoInputAdjointRows(buf, runs, step, make([]float32, 4*wps), tw, th)
			winoInputAdjRowsGo(want, runs, step, make([]float32, 4*wps), wps, tw, th)
			for r := range 2*th + 2 {
				for x := range 2*tw + 2 {
					if g, w := buf[r*wps+x], want[r*wps+x]; g != w {
						t.Fatalf("WinoInputAdjointRows, %d×%d tiles: (%d, %d) = %v, want %v", th, tw, r, x, g, w)
					}
				}
			}
			out, outWant := make([]float32, 4*th*tw), make([]float32, 4*th*tw)
			WinoOutputRows(out, runs, step, 0.5, tw, th)
			winoOutputRowsGo(outWant, runs, step, 0.5, tw, th)
			if i := sameBits(out, outWant); i >= 0 {
				t.Fatalf("WinoOutputRows, %d×%d tiles: dst[%d] = %v, want %v", th, tw, i, out[i], outWant[i])
			}
		}
	}
}
