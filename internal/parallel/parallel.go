// Package parallel splits loops over independent items among goroutines.
//
// It is for work whose result does not depend on how the items are
// partitioned — each item writes its own part of the output — so that
// results are the same for every GOMAXPROCS.
package parallel

import (
	"runtime"
	"sync"
)

// For calls f(lo, hi) on consecutive, disjoint ranges that cover [0, n),
// one per goroutine, and returns when all have returned. It uses at most
// GOMAXPROCS goroutines, and none when n ≤ 1 or only one is available. f must
// not let the ranges' results depend on each other.
func For(n int, f func(lo, hi int)) { Chunks(n, 1, f) }

// Grain is the number of elements of a simple element-wise loop below which
// splitting it among goroutines costs more than it saves.
//
// Measured with BenchmarkChunks on 2026-12-02 (2-core AMD EPYC VM, shared
// with other work; medians of 3 runs, -cpu 1 → -cpu 2): the smallest loop
// that is split, 2·Grain = 65536 float32s, ran x += α·d (vectorized) in
// 9.4 → 6.3 µs and ReLU's scalar loop in 48.6 → 48.5 µs; at 131072 and
// 262144 items both stayed within ±10% of -cpu 1. Splitting at this size
// does not make two cores slower than one; a goroutine's start costs 1–3
// µs, about what the vectorized loop takes on 2·Grain items on one core.
const Grain = 1 << 15

// Chunks is For for loops whose items are cheap: it splits [0, n) only when
// every goroutine gets at least grain items, and runs f(0, n) on the
// calling goroutine otherwise.
func Chunks(n, grain int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/max(grain, 1))
	if workers <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}
