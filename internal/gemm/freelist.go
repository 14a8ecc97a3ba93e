package gemm

import "sync"

// Jobs and workspaces are kept for the next call in free lists, which,
// unlike a sync.Pool, the garbage collector does not empty: a loop of
// products allocates nothing once its largest product has run.
var jobs32, jobs64, spaces32, spaces64 freeList[any]

// freeList keeps up to maxFree values for reuse.
type freeList[X any] struct {
	mu    sync.Mutex
	items []X
}

// maxFree is how many jobs (or scratch vectors) of each element type are
// kept: as many as calls that run at once, commonly one.
const maxFree = 4

func (f *freeList[X]) get() (x X, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.items); n > 0 {
		x, f.items = f.items[n-1], f.items[:n-1]
		return x, true
	}
	return x, false
}

func (f *freeList[X]) put(x X) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.items) < maxFree {
		f.items = append(f.items, x)
	}
}

// listFor returns the free list of jobs, or of scratch vectors, of element
// type T.
func listFor[T Float](f32, f64 *freeList[any]) *freeList[any] {
	if _, ok := any(T(0)).(float32); ok {
		return f32
	}
	return f64
}

// grow returns s with length n, reusing its storage when it is large
// enough.
func grow[T Float](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
