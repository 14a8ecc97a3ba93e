//go:build unix

package trainbench

import (
	"syscall"
	"time"
)

// CPUTime returns the user and system CPU time the process has used, all
// its threads together.
func CPUTime() time.Duration {
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}
