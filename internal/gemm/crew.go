package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The crew is a set of helper goroutines that outlive a call: a call
// publishes its job, and the helpers join it. A helper that has just
// finished a job spins for a little while before it sleeps, so that the
// products of a loop, one after another, find their helpers running
// rather than asleep: waking a thread takes tens of microseconds, and on a
// busy machine much longer.

// member is what the crew runs: a job.
type member interface {
	// join lets helper w take part, if the job wants it and is not over;
	// it is called with the crew's lock held.
	join(w int) bool
	// work runs the job's tasks as helper w, then leaves it.
	work(w int)
}

var crew struct {
	mu   sync.Mutex
	wake []chan struct{} // wake[w] wakes helper w; wake[0] is unused
	job  member          // the published job, nil when none
	seq  atomic.Uint64   // counts publications
}

// idleSpin is how long a helper without a job waits for the next one before
// it sleeps.
const idleSpin = 100 * time.Microsecond

// hire makes sure helpers 1 to n run.
func hire(n int) {
	crew.mu.Lock()
	defer crew.mu.Unlock()
	if len(crew.wake) == 0 {
		crew.wake = append(crew.wake, nil)
	}
	for len(crew.wake) <= n {
		w := len(crew.wake)
		wake := make(chan struct{}, 1)
		crew.wake = append(crew.wake, wake)
		go helper(w, wake)
	}
}

// publish offers j, a job of workers goroutines, to the crew and reports
// whether it could: another call's job may hold it. It wakes the helpers
// that can take part, 1 to workers−1, should they sleep.
func publish(j member, workers int) bool {
	crew.mu.Lock()
	defer crew.mu.Unlock()
	if crew.job != nil {
		return false
	}
	crew.job = j
	crew.seq.Add(1)
	for w := 1; w < min(workers, len(crew.wake)); w++ {
		select {
		case crew.wake[w] <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	return true
}

// withdraw takes j back: no helper joins it after this.
func withdraw(j member) {
	crew.mu.Lock()
	if crew.job == j {
		crew.job = nil
	}
	crew.mu.Unlock()
}

// helper w joins every job it sees, for ever.
func helper(w int, wake chan struct{}) {
	var seen uint64
	for {
		seen = awaitJob(seen, wake)
		crew.mu.Lock()
		j := crew.job
		ok := j != nil && j.join(w)
		crew.mu.Unlock()
		if ok {
			j.work(w)
		}
	}
}

// awaitJob returns the publication count once it differs from seen,
// spinning for a while, then sleeping until woken.
func awaitJob(seen uint64, wake chan struct{}) uint64 {
	var start time.Time
	for i := 1; ; i++ {
		if s := crew.seq.Load(); s != seen {
			return s
		}
		if i%64 != 0 {
			continue
		}
		if start.IsZero() {
			start = time.Now()
		} else if time.Since(start) > idleSpin {
			break
		}
		runtime.Gosched()
	}
	for {
		if s := crew.seq.Load(); s != seen {
			return s
		}
		<-wake
	}
}
