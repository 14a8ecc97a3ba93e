// Package parallel splits loops over independent items among goroutines.
//
// It is for work whose result does not depend on how the items are
// partitioned — each item writes its own part of the output — so that
// results are the same for every GOMAXPROCS.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls f(lo, hi) on consecutive, disjoint ranges that cover [0, n),
// one per goroutine, and returns when all have returned. It uses at most
// GOMAXPROCS goroutines, and none when n ≤ 1 or only one is available. f must
// not let the ranges' results depend on each other.
func For(n int, f func(lo, hi int)) { split(n, 1, 1, f) }

// Grain is the number of elements of a simple element-wise loop below which
// splitting it among goroutines costs more than it saves.
//
// Measured with BenchmarkChunks (-cpu 1,2, 2026-12-02, 2-core Turin VM
// shared with other work): starting a goroutine and waking a thread for it
// costs 1–3 µs of the caller's time, what x += α·d (vectorized) does to
// 2·Grain float32s at -cpu 1 (1.8–2.4 µs); for 32K to 256K elements -cpu 2
// ran within ±10% of -cpu 1 (the second core was mostly busy), never
// clearly slower once the caller claims pieces itself (see Chunks).
const Grain = 1 << 15

// piecesPerWorker is how many pieces Chunks cuts per goroutine it may use,
// so that a helper that starts late still takes a share, and the caller
// does all pieces when no helper starts in time.
const piecesPerWorker = 4

// Chunks is For for loops whose items are cheap: it splits [0, n) only when
// every goroutine gets at least grain items, and runs f(0, n) on the
// calling goroutine otherwise.
//
// When it splits, it cuts [0, n) into pieces of at least grain items and
// starts helpers; the caller and the helpers claim pieces one at a time
// until none are left, so the caller never waits for a helper that has not
// started (on a busy machine it does every piece itself), only for pieces a
// helper is running. Which goroutine runs a piece varies; f must not let a
// piece's result depend on that.
func Chunks(n, grain int, f func(lo, hi int)) { split(n, grain, piecesPerWorker, f) }

// split runs f on up to perWorker pieces per goroutine, each of at least
// grain items, claimed by the caller and its helpers (see Chunks).
func split(n, grain, perWorker int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/max(grain, 1))
	if workers <= 1 {
		if n > 0 {
			f(0, n)
		}
		return
	}
	pieces := min(n/max(grain, 1), perWorker*workers)
	c := &claim{n: n, pieces: int32(pieces), f: f}
	c.wg.Add(pieces)
	for range workers - 1 {
		go c.run()
	}
	c.run()
	c.wg.Wait()
}

// claim is the state of one split Chunks call: the next piece to claim and
// the pieces not yet done.
type claim struct {
	next   atomic.Int32
	pieces int32
	n      int
	f      func(lo, hi int)
	wg     sync.WaitGroup
}

// run claims and runs pieces until none are left.
func (c *claim) run() {
	for {
		p := int(c.next.Add(1) - 1)
		if p >= int(c.pieces) {
			return
		}
		c.f(p*c.n/int(c.pieces), (p+1)*c.n/int(c.pieces))
		c.wg.Done()
	}
}
