package parallel

import (
	"sync"
	"testing"
)

// TestEnds checks that goroutines claiming from both ends take each task
// exactly once, goroutine 1 (from the back) in falling order and the
// others in rising order, and that every claim after the last task fails.
func TestEnds(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 1000} {
		for _, claimers := range []int{1, 2, 3, 5} {
			var e Ends
			got := make([][]int, claimers)
			var wg sync.WaitGroup
			for g := range claimers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						task, ok := e.Claim(n, g)
						if !ok {
							return
						}
						got[g] = append(got[g], task)
					}
				}()
			}
			wg.Wait()
			seen := make([]int, n)
			for g, ts := range got {
				for i, task := range ts {
					if task < 0 || task >= n {
						t.Fatalf("n %d, %d claimers: goroutine %d claimed task %d", n, claimers, g, task)
					}
					seen[task]++
					if i > 0 && (g == 1) != (task < ts[i-1]) {
						t.Errorf("n %d, %d claimers: goroutine %d claimed %d after %d", n, claimers, g, task, ts[i-1])
					}
				}
			}
			for task, c := range seen {
				if c != 1 {
					t.Errorf("n %d, %d claimers: task %d claimed %d times", n, claimers, task, c)
				}
			}
			if c := e.Claimed(); c < n {
				t.Errorf("n %d, %d claimers: Claimed is %d after every task", n, claimers, c)
			}
			for w := range 2 {
				if task, ok := e.Claim(n, w); ok {
					t.Errorf("n %d, %d claimers: claim by goroutine %d of task %d after the last", n, claimers, w, task)
				}
			}
			e.Reset()
			if task, ok := e.Claim(n, 1); ok != (n > 0) || ok && task != n-1 {
				t.Errorf("n %d: after Reset, a claim from the back gave task %d, %v", n, task, ok)
			}
		}
	}
}
