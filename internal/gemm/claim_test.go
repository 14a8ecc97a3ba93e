package gemm

import (
	"sync"
	"testing"
)

// TestPhaseClaim checks that goroutines claiming a phase's tasks from
// both ends take each task exactly once, the front ones in rising order
// and the back ones in falling order, and then see the phase exhausted.
func TestPhaseClaim(t *testing.T) {
	for _, total := range []int32{0, 1, 2, 7, 1000} {
		for _, claimers := range []int{1, 2, 3, 5} {
			var ph phase
			got := make([][]int32, claimers)
			var wg sync.WaitGroup
			for g := range claimers {
				wg.Go(func() {
					for {
						task, ok := ph.claim(total, g == 1)
						if !ok {
							return
						}
						got[g] = append(got[g], task)
					}
				})
			}
			wg.Wait()
			seen := make([]int, total)
			for g, ts := range got {
				for i, task := range ts {
					if task < 0 || task >= total {
						t.Fatalf("total %d, %d claimers: goroutine %d claimed task %d", total, claimers, g, task)
					}
					seen[task]++
					if i > 0 && (g == 1) != (task < ts[i-1]) {
						t.Errorf("total %d, %d claimers: goroutine %d claimed %d after %d", total, claimers, g, task, ts[i-1])
					}
				}
			}
			for task, n := range seen {
				if n != 1 {
					t.Errorf("total %d, %d claimers: task %d claimed %d times", total, claimers, task, n)
				}
			}
			if _, ok := ph.claim(total, false); ok {
				t.Errorf("total %d, %d claimers: a claim succeeded after the last task", total, claimers)
			}
		}
	}
}
