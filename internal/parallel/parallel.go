// Package parallel splits loops over independent items among goroutines.
//
// It is for work whose result does not depend on how the items are
// partitioned — each item writes its own part of the output — so that
// results are the same for every GOMAXPROCS.
package parallel

import (
	"runtime"
	"sync/atomic"
)

// For calls f(lo, hi) on consecutive, disjoint ranges that cover [0, n),
// one per goroutine it may use, and returns when all have returned. It uses
// at most GOMAXPROCS goroutines, and none when n ≤ 1 or only one is
// available. f must not let the ranges' results depend on each other.
func For(n int, f func(lo, hi int)) { Chunks(n, 1, f) }

// Grain is the number of elements of a simple element-wise loop below which
// splitting it among goroutines costs more than it saves: Chunks splits a
// loop only when every goroutine gets at least grain items.
//
// Measured on 2026-12-03 (2-vCPU AMD EPYC VM), test binaries with Grain
// 1<<15 and 1<<17 alternated at -cpu 2, medians of six rounds:
// W3/composed/128x1024, whose ops take 131072 values each, 624 → 472 µs;
// W3/fused/128x1024 143 → 130 µs; W6's layer norm on 32×128×256
// 1744 → 1168 µs; W7/fused 17.3 → 14.6 ms; W1 2138 → 2086 µs; W2, W2e,
// W8, W10 and W6's group norm within ±5%. On this machine a memory-bound
// pass gains little from a second core (each half of batch norm's passes
// took 62–87% of the whole pass's time on one), and the next op then reads
// half its input from the other core's cache. BenchmarkChunks, which
// repeats one loop on the same data, sees neither effect: at 2·(1<<15)
// values it ran x += α·d in 9.4 µs on one goroutine and 6.3 µs on two,
// which set the earlier value, 1<<15. With the crew, whose helpers are
// awake when a pass starts, it still holds: binaries with 1<<17, 1<<16
// and 1<<15 alternated (2026-12-03, -cpu 2, medians of five rounds) ran
// W3/composed/128x1024 in 451, 1037 and 1013 µs, W3/fused/128x1024 in
// 120, 166 and 161 µs and W6's layer norm on 32×128×256 in 810, 882 and
// 978 µs.
const Grain = 1 << 17

// Chunks is For for loops whose items are cheap: it splits [0, n) only when
// every goroutine gets at least grain items, and runs f(0, n) on the
// calling goroutine otherwise.
//
// The ranges are claimed, not assigned: the caller starts on the first
// while the crew's helpers (see Offer; goroutines of the call's own when
// another call holds the crew) take the others, and when a helper starts
// late — the machine is busy, or its thread is asleep or descheduled — the
// caller runs the ranges it has not claimed yet and returns without waiting
// for it. Two goroutines are then never much slower than one: the worst
// case is one loop on the caller plus the cost of waking a helper.
func Chunks(n, grain int, f func(lo, hi int)) {
	if Serial(n, grain) {
		if n > 0 {
			f(0, n)
		}
		return
	}
	workers := min(runtime.GOMAXPROCS(0), n/max(grain, 1))
	s := &split{n: n, pieces: workers, f: f, over: make(chan struct{})}
	s.run(workers)
}

// Serial reports whether Chunks(n, grain, f) runs f(0, n) on the calling
// goroutine. A caller whose f would capture variables can then do the work
// without making f, which escapes to the heap when Chunks may hand it to
// another goroutine: a small op's loop then allocates nothing.
func Serial(n, grain int) bool { return min(runtime.GOMAXPROCS(0), n/max(grain, 1)) <= 1 }

// Pieces is Chunks with [0, n) cut into pieces ranges that workers
// goroutines (the caller among them) claim one by one, the caller from the
// first range on and one helper from the last range back (Ends), so that
// when one starts late or is descheduled the others take its share to the
// end, and on two goroutines each runs one contiguous part of [0, n).
// Every goroutine that claims a range calls worker once, and the function
// it returns runs that goroutine's ranges, so that each can set up its
// scratch space once. With fewer than two workers or pieces it runs
// worker()(0, n) on the calling goroutine.
func Pieces(n, workers, pieces int, worker func() func(lo, hi int)) {
	pieces = min(pieces, n)
	if workers <= 1 || pieces <= 1 {
		if n > 0 {
			worker()(0, n)
		}
		return
	}
	s := &split{n: n, pieces: pieces, worker: worker, over: make(chan struct{})}
	s.run(min(workers, pieces))
}

// split is one call of Chunks or Pieces: [0, n) cut into pieces ranges,
// claimed from both ends (see work) by the goroutines that take part, at
// most workers, which run them with f or, if worker is set, with what
// worker returns. It is a Job of the crew.
type split struct {
	n, pieces, workers int
	f                  func(lo, hi int)
	worker             func() func(lo, hi int)
	claimed            Ends
	done               atomic.Int32
	over               chan struct{} // closed when the last range is done
}

// run works on s with workers goroutines, the calling one, the crew's
// helpers or, if another call holds the crew, goroutines of its own, and
// returns when every range is done.
func (s *split) run(workers int) {
	s.workers = workers
	if Offer(s, workers) {
		s.work(0)
		Withdraw(s)
	} else {
		for w := 1; w < workers; w++ {
			go s.work(w)
		}
		s.work(0)
	}
	<-s.over
}

// Join lets helper w take part while ranges are left to claim.
func (s *split) Join(w int) bool { return w < s.workers && s.claimed.Claimed() < s.pieces }

// Work runs ranges of s until none is left to claim.
func (s *split) Work(w int) { s.work(w) }

// work runs ranges of s, as goroutine w of the call, until none is left to
// claim (Ends: goroutine 1 from the back, the others from the front).
func (s *split) work(w int) {
	f := s.f
	for {
		p, ok := s.claimed.Claim(s.pieces, w)
		if !ok {
			return
		}
		if f == nil {
			f = s.worker()
		}
		f(p*s.n/s.pieces, (p+1)*s.n/s.pieces)
		if int(s.done.Add(1)) == s.pieces {
			close(s.over)
		}
	}
}
