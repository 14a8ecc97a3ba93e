package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestForCoversEveryItemOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, n := range []int{0, 1, 2, 3, 7, 100} {
		hits := make([]int32, n)
		var calls atomic.Int32
		For(n, func(lo, hi int) {
			calls.Add(1)
			for i := lo; i < hi; i++ {
				atomic.AddInt32(&hits[i], 1)
			}
		})
		for i, h := range hits {
			if h != 1 {
				t.Fatalf("n=%d: item %d visited %d times", n, i, h)
			}
		}
		if want := int32(min(n, 4)); calls.Load() != want {
			t.Errorf("n=%d: %d calls, want %d", n, calls.Load(), want)
		}
	}
}

// TestChunksKeepsSmallLoopsOnOneGoroutine also checks that Serial reports
// the loops Chunks runs alone.
func TestChunksKeepsSmallLoopsOnOneGoroutine(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, c := range []struct{ n, grain, calls int }{{10, 100, 1}, {199, 100, 1}, {200, 100, 2}, {1000, 100, 4}, {0, 100, 0}} {
		var calls atomic.Int32
		covered := make([]int32, c.n)
		Chunks(c.n, c.grain, func(lo, hi int) {
			calls.Add(1)
			for i := lo; i < hi; i++ {
				atomic.AddInt32(&covered[i], 1)
			}
		})
		if int(calls.Load()) != c.calls {
			t.Errorf("n=%d grain=%d: %d calls, want %d", c.n, c.grain, calls.Load(), c.calls)
		}
		if got, want := Serial(c.n, c.grain), c.calls <= 1; got != want {
			t.Errorf("Serial(%d, %d) = %v, want %v", c.n, c.grain, got, want)
		}
		for i, v := range covered {
			if v != 1 {
				t.Fatalf("n=%d: item %d covered %d times", c.n, i, v)
			}
		}
	}
}

// TestChunksWaitsForEveryRange checks that Chunks returns only once every
// range is done, those of slow goroutines included: the ranges' writes,
// made without synchronization, are all seen after it returns (the race
// detector checks the ordering).
func TestChunksWaitsForEveryRange(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for range 20 {
		out := make([]int, 8)
		Chunks(len(out), 2, func(lo, hi int) {
			if lo > 0 {
				time.Sleep(100 * time.Microsecond)
			}
			for i := lo; i < hi; i++ {
				out[i] = i + 1
			}
		})
		for i, v := range out {
			if v != i+1 {
				t.Fatalf("item %d is %d after Chunks returned, want %d", i, v, i+1)
			}
		}
	}
}

// TestPiecesCoversEveryItemOnce: Pieces runs every item once, in at most
// pieces ranges, calling worker at most once per goroutine taking part and
// only on the caller when there is nothing to split.
func TestPiecesCoversEveryItemOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for _, c := range []struct{ n, workers, pieces, maxWorkers int }{
		{0, 2, 4, 0}, {1, 2, 4, 1}, {7, 1, 4, 1}, {7, 2, 1, 1},
		{7, 2, 4, 2}, {100, 4, 37, 4}, {5, 4, 100, 4},
	} {
		hits := make([]int32, c.n)
		var workers, ranges atomic.Int32
		Pieces(c.n, c.workers, c.pieces, func() func(lo, hi int) {
			workers.Add(1)
			return func(lo, hi int) {
				ranges.Add(1)
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&hits[i], 1)
				}
			}
		})
		for i, h := range hits {
			if h != 1 {
				t.Fatalf("%+v: item %d run %d times", c, i, h)
			}
		}
		if w := int(workers.Load()); w > c.maxWorkers {
			t.Errorf("%+v: worker called %d times, want at most %d", c, w, c.maxWorkers)
		}
		if r, want := int(ranges.Load()), min(max(c.pieces, 1), c.n); c.n > 0 && r > want {
			t.Errorf("%+v: %d ranges, want at most %d", c, r, want)
		}
	}
}
