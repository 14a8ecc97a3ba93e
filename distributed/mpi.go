//go:build mpi

package distributed

/*
#cgo pkg-config: ompi
#include <mpi.h>

// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, …) are macros over
// addresses of globals, which cgo cannot name: these wrappers name them.
static int tg_init(int *provided) {
	return MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
}
static int tg_initialized(int *flag) { return MPI_Initialized(flag); }
static int tg_errors_return(void) {
	return MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}
static int tg_rank(int *r) { return MPI_Comm_rank(MPI_COMM_WORLD, r); }
static int tg_size(int *s) { return MPI_Comm_size(MPI_COMM_WORLD, s); }
static int tg_allreduce_f32(float *buf, int n) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}
static int tg_allreduce_f64(double *buf, int n) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}
static int tg_bcast_f32(float *buf, int n, int root) {
	return MPI_Bcast(buf, n, MPI_FLOAT, root, MPI_COMM_WORLD);
}
static int tg_bcast_f64(double *buf, int n, int root) {
	return MPI_Bcast(buf, n, MPI_DOUBLE, root, MPI_COMM_WORLD);
}
static int tg_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static int tg_finalize(void) { return MPI_Finalize(); }
static int tg_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }
static int tg_error_string(int code, char *buf) {
	int n = 0;
	if (MPI_Error_string(code, buf, &n) != MPI_SUCCESS) return 0;
	return n;
}
static int tg_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"unsafe"
)

// Available reports whether the package was built with MPI (-tags mpi).
const Available = true

// maxCount is the most elements one MPI call moves: its count is a C int.
// Longer buffers go in several calls.
const maxCount = 1 << 30

// MPI is the communicator MPI_COMM_WORLD of an MPI job: one process per
// rank, started by mpirun. Init makes it.
//
// Threads: Init asks for MPI_THREAD_SERIALIZED — any thread may call MPI,
// one at a time. MPI_Init_thread and MPI_Finalize run on one goroutine
// locked to its OS thread (MPI's "main thread", which must make both
// calls); the collectives run on the calling goroutine's thread, one at a
// time under a mutex, so calls from several goroutines are serialized in
// the order they take it. (Handing every call to the locked thread instead,
// MPI_THREAD_FUNNELED, cost W1 ten times its step with GOMAXPROCS=1: every
// call waited for the Go scheduler and the OS to switch threads; see
// benchmarks/README.md.) A collective must be started in the same order on
// every rank: DDP issues its buckets in a fixed order for that reason.
type MPI struct {
	rank, size int
	calls      chan func()
	done       chan struct{}
	mu         sync.Mutex // guards finalized
	finalized  bool
}

var (
	initOnce sync.Once
	world    *MPI
	initErr  error
)

// Init initializes MPI (MPI_Init_thread with MPI_THREAD_SERIALIZED) on a
// goroutine locked to its own OS thread, sets MPI_ERRORS_RETURN on
// MPI_COMM_WORLD so that a failing call returns an error rather than
// aborting the job, and returns the world communicator. Run outside
// mpirun, it is a job of one rank (MPI's singleton initialization).
// Calling it again returns the same communicator, or the same error.
func Init() (*MPI, error) {
	initOnce.Do(func() {
		m := &MPI{calls: make(chan func()), done: make(chan struct{})}
		ready := make(chan error)
		go m.serve(ready)
		if initErr = <-ready; initErr == nil {
			world = m
		}
	})
	return world, initErr
}

// serve runs MPI's main thread: it initializes MPI, reports to ready, and
// then runs the calls handed to it (MPI_Finalize) until Finalize.
func (m *MPI) serve(ready chan<- error) {
	runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
	defer close(m.done)
	var flag C.int
	if C.tg_initialized(&flag); flag != 0 {
		ready <- fmt.Errorf(errInitTwice)
		return
	}
	var provided C.int
	if rc := C.tg_init(&provided); rc != C.MPI_SUCCESS {
		ready <- mpiError("MPI_Init_thread", rc)
		return
	}
	if provided < C.MPI_THREAD_SERIALIZED {
		ready <- fmt.Errorf(errThreadLevel, int(provided))
		return
	}
	if rc := C.tg_errors_return(); rc != C.MPI_SUCCESS {
		ready <- mpiError("MPI_Comm_set_errhandler", rc)
		return
	}
	var r, s C.int
	if rc := C.tg_rank(&r); rc != C.MPI_SUCCESS {
		ready <- mpiError("MPI_Comm_rank", rc)
		return
	}
	if rc := C.tg_size(&s); rc != C.MPI_SUCCESS {
		ready <- mpiError("MPI_Comm_size", rc)
		return
	}
	m.rank, m.size = int(r), int(s)
	ready <- nil
	for f := range m.calls {
		f()
	}
}

// do runs the MPI call f, alone, and returns its error, or an error if MPI
// has been finalized.
func (m *MPI) do(name string, f func() C.int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.finalized {
		return fmt.Errorf(errFinalized, name)
	}
	if rc := f(); rc != C.MPI_SUCCESS {
		return mpiError(name, rc)
	}
	return nil
}

// Rank returns this process's rank in MPI_COMM_WORLD, from 0.
func (m *MPI) Rank() int { return m.rank }

// Size returns the number of ranks of MPI_COMM_WORLD.
func (m *MPI) Size() int { return m.size }

// AllReduceFloat32 replaces buf, on every rank, with the element-wise sum
// of every rank's buf (MPI_Allreduce with MPI_SUM, in place). Every rank
// must call it with a buffer of the same length.
func (m *MPI) AllReduceFloat32(buf []float32) error {
	return chunks(buf, func(p []float32) error {
		return m.do("MPI_Allreduce", func() C.int {
			return C.tg_allreduce_f32((*C.float)(unsafe.Pointer(&p[0])), C.int(len(p)))
		})
	})
}

// AllReduceFloat64 is AllReduceFloat32 for float64 buffers.
func (m *MPI) AllReduceFloat64(buf []float64) error {
	return chunks(buf, func(p []float64) error {
		return m.do("MPI_Allreduce", func() C.int {
			return C.tg_allreduce_f64((*C.double)(unsafe.Pointer(&p[0])), C.int(len(p)))
		})
	})
}

// BroadcastFloat32 copies root's buf into every other rank's buf
// (MPI_Bcast). Every rank must call it with a buffer of the same length.
func (m *MPI) BroadcastFloat32(buf []float32, root int) error {
	if err := m.checkRoot(root); err != nil {
		return err
	}
	return chunks(buf, func(p []float32) error {
		return m.do("MPI_Bcast", func() C.int {
			return C.tg_bcast_f32((*C.float)(unsafe.Pointer(&p[0])), C.int(len(p)), C.int(root))
		})
	})
}

// BroadcastFloat64 is BroadcastFloat32 for float64 buffers.
func (m *MPI) BroadcastFloat64(buf []float64, root int) error {
	if err := m.checkRoot(root); err != nil {
		return err
	}
	return chunks(buf, func(p []float64) error {
		return m.do("MPI_Bcast", func() C.int {
			return C.tg_bcast_f64((*C.double)(unsafe.Pointer(&p[0])), C.int(len(p)), C.int(root))
		})
	})
}

// Barrier returns once every rank has called it (MPI_Barrier).
func (m *MPI) Barrier() error {
	return m.do("MPI_Barrier", func() C.int { return C.tg_barrier() })
}

// Finalize ends MPI (MPI_Finalize), after which every call returns an
// error. Every rank must call it before exiting, or mpirun reports the job
// as failed. Calling it again does nothing.
func (m *MPI) Finalize() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.finalized {
		return nil
	}
	var rc C.int
	done := make(chan struct{})
	m.calls <- func() { rc = C.tg_finalize(); close(done) }
	<-done
	m.finalized = true
	close(m.calls)
	<-m.done
	if rc != C.MPI_SUCCESS {
		return mpiError("MPI_Finalize", rc)
	}
	return nil
}

// Abort ends every process of the job with the exit code (MPI_Abort): what
// a rank does when it cannot go on, so that the others do not wait for it
// forever in a collective. It does not return. It calls MPI_Abort at once,
// without waiting for a collective under way on another goroutine, which
// may never complete (MPI_Abort is the last call a process makes). After
// Finalize it exits the process with code.
func (m *MPI) Abort(code int) {
	if m.finalizedNow() {
		os.Exit(code)
	}
	C.tg_abort(C.int(code))
	os.Exit(code) // not reached: MPI_Abort ends the process
}

func (m *MPI) finalizedNow() bool {
	if !m.mu.TryLock() {
		return false // a call is under way, so MPI is not finalized
	}
	defer m.mu.Unlock()
	return m.finalized
}

func (m *MPI) checkRoot(root int) error {
	if root < 0 || root >= m.size {
		return fmt.Errorf(errRoot, root, m.size)
	}
	return nil
}

// mpiError turns an MPI return code into an error holding
// MPI_Error_string's text.
func mpiError(call string, rc C.int) error {
	buf := make([]byte, int(C.tg_max_error_string())+1)
	n := C.tg_error_string(rc, (*C.char)(unsafe.Pointer(&buf[0])))
	return &Error{Call: call, Code: int(rc), Msg: string(buf[:int(n)])}
}

// invalidCall makes an MPI call with a negative count, which MPI rejects
// with MPI_ERR_COUNT: for the tests, to check that MPI_ERRORS_RETURN turns
// an MPI error into an *Error instead of aborting the job.
func (m *MPI) invalidCall() error {
	return m.do("MPI_Bcast", func() C.int { return C.tg_bcast_f64(nil, -1, 0) })
}
