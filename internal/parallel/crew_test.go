package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeJob is a Job whose helpers record that they worked and then wait
// for release.
type fakeJob struct {
	workers int
	worked  [8]atomic.Bool
	release chan struct{}
}

func (j *fakeJob) Join(w int) bool { return w < j.workers && !j.worked[w].Load() }
func (j *fakeJob) Work(w int) {
	j.worked[w].Store(true)
	<-j.release
}

// TestOffer: the helpers 1 to workers−1 of an offered job join it, another
// job cannot be offered until it is withdrawn, and one can after.
func TestOffer(t *testing.T) {
	j := &fakeJob{workers: 3, release: make(chan struct{})}
	if !Offer(j, j.workers) {
		t.Fatal("Offer of a job with no other on offer reported false")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !j.worked[1].Load() || !j.worked[2].Load() {
		if time.Now().After(deadline) {
			t.Fatalf("helpers 1 and 2 worked: %v, %v after 10 s", j.worked[1].Load(), j.worked[2].Load())
		}
		time.Sleep(time.Millisecond)
	}
	if j.worked[0].Load() || j.worked[3].Load() {
		t.Error("a goroutine other than helpers 1 and 2 worked on the job")
	}
	other := &fakeJob{workers: 2, release: make(chan struct{})}
	if Offer(other, other.workers) {
		t.Error("Offer reported true while another job was on offer")
	}
	Withdraw(j)
	close(j.release)
	if !Offer(other, other.workers) {
		t.Fatal("Offer reported false after the job on offer was withdrawn")
	}
	Withdraw(other)
	close(other.release)
}

// TestChunksNestedAndConcurrent: Chunks called from several goroutines at
// once, each range calling Chunks again, covers every item once, whether
// a call gets the crew or, as the others, starts goroutines of its own;
// and no job is left on offer after.
func TestChunksNestedAndConcurrent(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const callers, outer, inner = 6, 8, 50
	var wg sync.WaitGroup
	hits := make([][]int32, callers)
	for c := range callers {
		hits[c] = make([]int32, outer*inner)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				Chunks(outer, 1, func(lo, hi int) {
					for o := lo; o < hi; o++ {
						Chunks(inner, 10, func(lo, hi int) {
							for i := lo; i < hi; i++ {
								atomic.AddInt32(&hits[c][o*inner+i], 1)
							}
						})
					}
				})
			}
		}()
	}
	wg.Wait()
	for c, h := range hits {
		for i, v := range h {
			if v != 20 {
				t.Fatalf("caller %d: item %d run %d times in 20 calls", c, i, v)
			}
		}
	}
	crew.mu.Lock()
	left := crew.job
	crew.mu.Unlock()
	if left != nil {
		t.Errorf("a job is still on offer after every call returned: %T", left)
	}
}
