package parallel

import "sync/atomic"

// Ends hands out the tasks 0, …, n−1 of a batch to goroutines that claim
// them from either end: from the front in rising order, or from the back
// in falling order. Two goroutines claiming from opposite ends each take
// one contiguous run, whose lengths still adapt to when each starts, so
// that each works on the same part of the data from call to call and
// finds it in its own core's cache. One atomic add counts both ends, so
// the first n claims succeed, whichever end they take. The zero value has
// nothing claimed.
type Ends struct {
	c atomic.Int64 // claims from the front (low 32 bits) and from the back (high)
}

// Claim claims a task of n for goroutine w of a call (0 for the caller):
// goroutine 1 takes the last not yet claimed from the back, every other
// the first not yet claimed from the front, so that two goroutines each
// run one contiguous part. It reports false, and no task, once all n are
// claimed. n must be the same for every claim and below 1<<31; each
// goroutine claims until its first false, so the counts stay far from
// overflowing.
func (e *Ends) Claim(n, w int) (task int, ok bool) {
	back := w == 1
	step := int64(1)
	if back {
		step = 1 << 32
	}
	c := e.c.Add(step)
	front, backs := int(uint32(c)), int(c>>32)
	switch {
	case front+backs > n:
		return 0, false
	case back:
		return n - backs, true
	}
	return front - 1, true
}

// Claimed returns how many claims were made, failed ones included: at
// least n once every task is claimed.
func (e *Ends) Claimed() int {
	c := e.c.Load()
	return int(uint32(c)) + int(c>>32)
}

// Reset sets e back to nothing claimed, for a new batch of tasks; no
// goroutine may be claiming.
func (e *Ends) Reset() { e.c.Store(0) }
