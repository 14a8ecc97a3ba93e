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
static int tg_iallreduce_f32(float *buf, int n, MPI_Request *req) {
	return MPI_Iallreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, req);
}
static int tg_iallreduce_f64(double *buf, int n, MPI_Request *req) {
	return MPI_Iallreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, req);
}
static int tg_test(MPI_Request *req, int *flag) { return MPI_Test(req, flag, MPI_STATUS_IGNORE); }
static int tg_wait(MPI_Request *req) { return MPI_Wait(req, MPI_STATUS_IGNORE); }
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
// benchmarks/README.md.) MPI_Test and MPI_Wait of a non-blocking
// all-reduce take the mutex too. A collective must be started in the same
// order on every rank: DDP starts its buckets in a fixed order, on the
// goroutine of the backward pass, for that reason.
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

// IAllReduceFloat32 starts AllReduceFloat32 without waiting for it
// (MPI_Iallreduce, in place): buf must be left alone until the Request
// completes, and MPI moves its data only during MPI calls (the Request's
// Test and Wait, or any other). A buffer over maxCount elements takes
// several requests, completed together.
func (m *MPI) IAllReduceFloat32(buf []float32) (Request, error) {
	return m.iallReduce(len(buf), func(i, n int, req *C.MPI_Request) C.int {
		return C.tg_iallreduce_f32((*C.float)(unsafe.Pointer(&buf[i])), C.int(n), req)
	}, unsafe.Pointer(unsafe.SliceData(buf)))
}

// IAllReduceFloat64 is IAllReduceFloat32 for float64 buffers.
func (m *MPI) IAllReduceFloat64(buf []float64) (Request, error) {
	return m.iallReduce(len(buf), func(i, n int, req *C.MPI_Request) C.int {
		return C.tg_iallreduce_f64((*C.double)(unsafe.Pointer(&buf[i])), C.int(n), req)
	}, unsafe.Pointer(unsafe.SliceData(buf)))
}

// iallReduce starts the all-reduce of a buffer of n elements at data, in
// pieces of at most maxCount that start(i, k, req) starts at element i.
// MPI keeps the buffer's address until the request completes, so the
// buffer is pinned (runtime.Pinner) until then.
func (m *MPI) iallReduce(n int, start func(i, k int, req *C.MPI_Request) C.int, data unsafe.Pointer) (Request, error) {
	if n == 0 {
		return doneRequest{}, nil
	}
	r := &mpiRequest{m: m, reqs: make([]C.MPI_Request, 0, (n+maxCount-1)/maxCount)}
	r.pin.Pin(data)
	for i := 0; i < n; i += maxCount {
		k := min(n-i, maxCount)
		r.reqs = append(r.reqs, nil)
		err := m.do("MPI_Iallreduce", func() C.int { return start(i, k, &r.reqs[len(r.reqs)-1]) })
		if err != nil {
			r.reqs = r.reqs[:len(r.reqs)-1]
			if len(r.reqs) == 0 {
				r.pin.Unpin()
				return nil, err
			}
			r.err = err // wait for the pieces started, then report it
			break
		}
	}
	return r, nil
}

// mpiRequest is an all-reduce MPI_Iallreduce started: one MPI request per
// piece of the buffer.
type mpiRequest struct {
	m    *MPI
	reqs []C.MPI_Request // the pieces not yet complete
	pin  runtime.Pinner  // the buffer, until every piece is complete
	done bool
	err  error
}

// Test reports whether every piece of the all-reduce has completed
// (MPI_Test), and then its error.
func (r *mpiRequest) Test() (bool, error) {
	return r.finish("MPI_Test", func(req *C.MPI_Request) (bool, C.int) {
		var flag C.int
		rc := C.tg_test(req, &flag)
		return flag != 0, rc
	})
}

// Wait returns once every piece of the all-reduce has completed
// (MPI_Wait), with its error.
func (r *mpiRequest) Wait() error {
	_, err := r.finish("MPI_Wait", func(req *C.MPI_Request) (bool, C.int) { return true, C.tg_wait(req) })
	return err
}

// finish calls f on the pieces not yet complete, in order, until one is
// not complete or fails; once none is left (or a call failed), it unpins
// the buffer.
func (r *mpiRequest) finish(name string, f func(*C.MPI_Request) (bool, C.int)) (bool, error) {
	if r.done {
		return true, r.err
	}
	for len(r.reqs) > 0 {
		var complete bool
		err := r.m.do(name, func() C.int {
			ok, rc := f(&r.reqs[0])
			complete = ok
			return rc
		})
		if err != nil {
			r.err, r.reqs = err, nil
			break
		}
		if !complete {
			return false, nil
		}
		r.reqs = r.reqs[1:]
	}
	r.done = true
	r.pin.Unpin()
	return true, r.err
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
