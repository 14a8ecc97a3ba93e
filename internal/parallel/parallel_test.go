package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
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
