package autograd

import (
	"testing"
	"unsafe"
)

// TestVarSize keeps a Var at 64 bytes, a size class of Go's allocator:
// a step that records many small ops makes a Var for each, and they are
// most of its garbage (see leafVar).
func TestVarSize(t *testing.T) {
	if s := unsafe.Sizeof(Var[float32]{}); s > 64 && unsafe.Sizeof(uintptr(0)) == 8 {
		t.Errorf("a Var takes %d bytes; more than 64 puts it in the next size class, 80", s)
	}
}
