package gemm

import (
	"testing"
	"time"
)

// TestBackoff checks when noteStall makes products run on one goroutine:
// after a long wait for the helpers or when the caller ran most tasks, not
// after a short wait with the tasks shared, and not for longer than soloFor.
func TestBackoff(t *testing.T) {
	defer soloUntil.Store(0)
	for _, c := range []struct {
		stalled, elapsed time.Duration
		mine, tasks      int
		want             bool
	}{
		{10 * time.Microsecond, time.Millisecond, 50, 100, false}, // a short wait, tasks shared
		{stallMin + 1, 4 * stallMin, 50, 100, true},               // waited over a quarter of the time
		{stallMin + 1, time.Second, 50, 100, false},               // waited, but little of a long product
		{stallMin / 2, stallMin, 50, 100, false},                  // over a quarter, but short
		{0, time.Millisecond, 76, 100, true},                      // the caller ran over three quarters
		{0, time.Millisecond, 75, 100, false},                     // exactly three quarters
	} {
		soloUntil.Store(0)
		noteStall(c.stalled, c.elapsed, c.mine, c.tasks)
		if got := solo(); got != c.want {
			t.Errorf("noteStall(%v, %v, %d, %d): solo() = %v, want %v", c.stalled, c.elapsed, c.mine, c.tasks, got, c.want)
		}
	}
	soloUntil.Store(int64(time.Since(epoch) - time.Nanosecond))
	if solo() {
		t.Error("solo() = true after the back-off ended")
	}
}
