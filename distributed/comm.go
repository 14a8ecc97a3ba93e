package distributed

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// Comm is a group of processes (ranks) that compute together: the few
// collective operations data-parallel training needs. Every rank must call
// the same collectives in the same order with buffers of the same length;
// each returns once its part is done. MPI (with -tags mpi) and Local
// implement it.
type Comm interface {
	// Rank returns this process's rank, 0 ≤ Rank < Size.
	Rank() int
	// Size returns the number of ranks.
	Size() int
	// AllReduceFloat32 and AllReduceFloat64 replace buf on every rank
	// with the element-wise sum of every rank's buf.
	AllReduceFloat32(buf []float32) error
	AllReduceFloat64(buf []float64) error
	// IAllReduceFloat32 and IAllReduceFloat64 start the same all-reduce
	// without waiting for it (MPI_Iallreduce): buf must not be read or
	// written until the Request's Wait, or a Test reporting it done,
	// returns. They count as collectives in the order they are called,
	// as the blocking ones do.
	IAllReduceFloat32(buf []float32) (Request, error)
	IAllReduceFloat64(buf []float64) (Request, error)
	// BroadcastFloat32 and BroadcastFloat64 copy root's buf into every
	// other rank's.
	BroadcastFloat32(buf []float32, root int) error
	BroadcastFloat64(buf []float64, root int) error
	// Barrier returns once every rank has called it.
	Barrier() error
}

// Request is a collective started without waiting for it
// (Comm.IAllReduceFloat32 and IAllReduceFloat64). With MPI, the
// collective progresses only while the process is inside an MPI call, so
// an owner with other work to do calls Test now and then.
type Request interface {
	// Test reports, without blocking, whether the collective has
	// completed, and then its error.
	Test() (done bool, err error)
	// Wait returns once the collective has completed, with its error.
	// Calling it again returns the same error.
	Wait() error
}

// doneRequest is a Request complete from the start: the all-reduce of
// an empty buffer.
type doneRequest struct{}

func (doneRequest) Test() (bool, error) { return true, nil }
func (doneRequest) Wait() error         { return nil }

// Error is an error an MPI call returned: the call, its return code and
// MPI_Error_string's text.
type Error struct {
	Call string
	Code int
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("distributed: %s failed: %s (MPI error %d)", e.Call, e.Msg, e.Code)
}

// AllReduceSum replaces buf on every rank of c with the element-wise sum
// of every rank's buf.
func AllReduceSum[T tensor.Float](c Comm, buf []T) error {
	if len(buf) == 0 {
		return nil
	}
	switch b := any(buf).(type) {
	case []float32:
		return c.AllReduceFloat32(b)
	case []float64:
		return c.AllReduceFloat64(b)
	}
	panic("unreachable")
}

// IAllReduceSum starts replacing buf on every rank of c with the
// element-wise sum of every rank's buf, without waiting (see
// Comm.IAllReduceFloat32). An empty buf starts nothing: its Request is
// done.
func IAllReduceSum[T tensor.Float](c Comm, buf []T) (Request, error) {
	if len(buf) == 0 {
		return doneRequest{}, nil
	}
	switch b := any(buf).(type) {
	case []float32:
		return c.IAllReduceFloat32(b)
	case []float64:
		return c.IAllReduceFloat64(b)
	}
	panic("unreachable")
}

// Broadcast copies root's buf into the buf of every other rank of c.
func Broadcast[T tensor.Float](c Comm, buf []T, root int) error {
	if len(buf) == 0 {
		return nil
	}
	switch b := any(buf).(type) {
	case []float32:
		return c.BroadcastFloat32(b, root)
	case []float64:
		return c.BroadcastFloat64(b, root)
	}
	panic("unreachable")
}

// chunks calls f on consecutive pieces of buf of at most maxCount elements,
// stopping at the first error; an empty buf makes no call.
func chunks[E any](buf []E, f func([]E) error) error {
	for len(buf) > 0 {
		n := min(len(buf), maxCount)
		if err := f(buf[:n]); err != nil {
			return err
		}
		buf = buf[n:]
	}
	return nil
}
