package data

import (
	"slices"
	"testing"
)

// TestPrefetch runs prefetch over lengths around the 64-byte line,
// unaligned starts and an empty slice: it must neither fault nor change
// the memory it is given.
func TestPrefetch(t *testing.T) {
	buf := make([]uint8, 1000)
	for i := range buf {
		buf[i] = uint8(i * 7)
	}
	want := slices.Clone(buf)
	for _, lo := range []int{0, 1, 63, 64, 100} {
		for _, n := range []int{0, 1, 63, 64, 65, 128, 129, 784} {
			if lo+n <= len(buf) {
				prefetch(buf[lo : lo+n])
			}
		}
	}
	prefetch(nil)
	if !slices.Equal(buf, want) {
		t.Error("prefetch changed the memory it was given")
	}
}
