package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The crew is a set of helper goroutines that outlive a call: a call
// offers its job, and the helpers join it. A helper that has just finished
// a job spins for a little while before it sleeps, so that the loops and
// products of a pass, one after another, find their helpers running rather
// than asleep. Waking a sleeping thread takes tens of microseconds, and
// more on a virtual machine, where the idle CPU it runs on must be woken
// too: on this project's 2-vCPU VM a goroutine started while the other CPU
// idled began running a median 85 µs later (2026-12-03), longer than half
// of most element-wise passes, which the caller had then done alone.
//
// Chunks, Pieces and internal/gemm share the crew, so that one set of
// threads stays awake between a product and the element-wise pass after it.

// Job is work the crew's helpers can take part in.
type Job interface {
	// Join reports whether helper w (w ≥ 1) may take part: the job wants
	// it and is not over. It is called with the crew's lock held, and
	// must be quick.
	Join(w int) bool
	// Work runs the job's tasks as helper w, then returns.
	Work(w int)
}

var crew struct {
	mu   sync.Mutex
	wake []chan struct{} // wake[w] wakes helper w; wake[0] is unused
	job  Job             // the job on offer, nil when none
	seq  atomic.Uint64   // counts offers
}

// idleSpin is how long a helper without a job waits for the next one before
// it sleeps.
const idleSpin = 100 * time.Microsecond

// Offer offers j, a job of workers goroutines (the caller among them), to
// the crew: it starts helpers 1 to workers−1 if they do not run yet, wakes
// those that sleep, and reports true; or it reports false, and does
// nothing, if another call's job is on offer (the caller then runs j with
// goroutines of its own). The caller works on j itself and calls Withdraw
// when it has no task left to claim; helpers that joined may still be
// working, so it must then wait for j's tasks to be done.
func Offer(j Job, workers int) bool {
	crew.mu.Lock()
	defer crew.mu.Unlock()
	if crew.job != nil {
		return false
	}
	if len(crew.wake) == 0 {
		crew.wake = append(crew.wake, nil)
	}
	for len(crew.wake) < workers {
		w := len(crew.wake)
		wake := make(chan struct{}, 1)
		crew.wake = append(crew.wake, wake)
		go helper(w, wake)
	}
	crew.job = j
	crew.seq.Add(1)
	for w := 1; w < workers; w++ {
		select {
		case crew.wake[w] <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	return true
}

// Withdraw takes j back: no helper joins it after this.
func Withdraw(j Job) {
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
		ok := j != nil && j.Join(w)
		crew.mu.Unlock()
		if ok {
			j.Work(w)
		}
	}
}

// awaitJob returns the offer count once it differs from seen, spinning for
// a while, then sleeping until woken.
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
