package distributed

import (
	"fmt"
	"slices"
	"time"
	"unsafe"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// DefaultBucketBytes is the size of DDP's gradient buckets unless
// DDPOptions.BucketBytes says otherwise: PyTorch's bucket_cap_mb of 25 MiB.
const DefaultBucketBytes = 25 << 20

// DDPOptions configures NewDDP. The zero value is PyTorch's defaults.
type DDPOptions struct {
	// BucketBytes caps a bucket's size in bytes; 0 means
	// DefaultBucketBytes. A parameter larger than the cap has a bucket of
	// its own.
	BucketBytes int
	// SyncBatchNorm replaces every batch norm of the model's Sequentials by
	// a SyncBatchNorm over the communicator (ConvertSyncBatchNorm), so that
	// training-mode statistics are those of the global batch. Off, as in
	// PyTorch's DistributedDataParallel, each process normalizes with the
	// statistics of its own batch and keeps its own running statistics.
	SyncBatchNorm bool
}

// DDP trains a module data-parallel, as PyTorch's DistributedDataParallel:
// every rank holds a replica of the model and computes the gradient of its
// own share of the global batch; DDP averages the gradients over the ranks,
// so that after Sync every replica holds the same gradient — that of the
// mean loss over the global batch when the ranks' batches have equal
// sizes — and the same optimizer step keeps the replicas equal.
//
// NewDDP broadcasts rank 0's parameters and buffers to the other ranks,
// once: unlike PyTorch's default (broadcast_buffers=True), buffers such as
// batch norm's running statistics are not broadcast again before every
// forward pass, so without SyncBatchNorm each rank keeps its own (a
// checkpoint written by rank 0 holds rank 0's).
//
// The parameters are cut into buckets of about BucketBytes, in reverse
// order (the order in which backward produces their gradients). A hook on
// every parameter (autograd.Var.RegisterHook) copies the pass's gradient
// into its bucket and hands the engine zeros instead; as soon as a bucket
// is complete (and those before it have been started), the hook starts
// its all-reduce without waiting for it (Comm.IAllReduceFloat32), on the
// goroutine running the backward pass, and the later hooks test the
// all-reduces under way, which is when MPI moves their data. Sync starts
// what is left, waits for every bucket and adds the averaged gradient into
// the parameters' gradients (so a gradient accumulated before the pass is
// kept).
//
// What overlaps: the engine runs a parameter's hooks as soon as the
// backward pass has summed its last contribution (the backward of the
// lowest node using it has run), so a bucket's all-reduce is under way
// while the backward pass computes the gradients of the earlier layers, as
// in PyTorch. Every collective — the buckets' and SyncBatchNorm's, which
// runs in the backward pass too — is started on that one goroutine, in the
// order of the backward walk, which is the same on every rank, as MPI
// requires. How much of the transfer happens during the computation
// depends on the MPI library: Open MPI progresses a non-blocking
// all-reduce only inside MPI calls, here the hooks' tests and Sync's
// waits, so the last bucket, started by the last hooks, is mostly
// transferred in Sync. (With anomaly detection on, the engine runs the
// hooks at the end of the pass, and nothing overlaps.)
//
// Buckets are all-reduced in a fixed order on every rank, whatever order
// the hooks fire in. A parameter that received no gradient in a pass
// (unused by this rank's forward) counts as zero; after Sync every
// parameter has a gradient. Its bucket, incomplete, is started by Sync
// rather than during the pass: if other ranks did use it, and other
// collectives (SyncBatchNorm's) follow it in the backward pass, the ranks
// would then start their collectives in different orders, which mixes
// their data or hangs (Local reports it when the collectives' lengths or
// kinds differ). So with SyncBatchNorm, every rank must use
// the same parameters (PyTorch's DDP asks the same without
// find_unused_parameters).
//
// A DDP serves one backward pass at a time: call Sync after each backward
// pass (train.Classifier.AfterBackward does), and before reading the
// gradients. A second backward pass reaching a parameter before Sync
// panics, as in PyTorch, since its bucket may be on its way already.
type DDP[T tensor.Float] struct {
	Module nn.Module[T]
	comm   Comm
	params []nn.Param[T]

	buckets  []*bucket[T]
	slots    []slot              // slots[i]: where parameter i lives in its bucket
	zeros    []*tensor.Tensor[T] // zero tensors the hooks hand back
	next     int                 // the next bucket to start
	tested   int                 // the first started bucket not known to be complete
	commTime time.Duration       // time spent starting, testing and waiting for the all-reduces
}

// bucket is a contiguous buffer for the gradients of some parameters.
type bucket[T tensor.Float] struct {
	params  []int // indices into DDP.params
	buf     []T
	have    []bool // have[j]: params[j]'s gradient of this pass is in buf
	missing int
	req     Request // the all-reduce under way, once started
	err     error   // its error, if starting or testing it failed
	done    bool    // a Test found req complete
}

type slot struct{ bucket, index, offset int }

// NewDDP wraps m for data-parallel training over comm: it broadcasts rank
// 0's parameters and buffers to every rank (returning the error if that
// fails), converts batch norms with opts.SyncBatchNorm, cuts the
// parameters into buckets and registers the gradient hooks. It panics if
// opts.BucketBytes is negative.
func NewDDP[T tensor.Float](comm Comm, m nn.Module[T], opts DDPOptions) (*DDP[T], error) {
	cap := opts.BucketBytes
	if cap == 0 {
		cap = DefaultBucketBytes
	}
	if cap < 1 {
		panic(fmt.Sprintf(errBucketBytes, opts.BucketBytes))
	}
	if err := BroadcastState(comm, m, 0); err != nil {
		return nil, err
	}
	if opts.SyncBatchNorm {
		ConvertSyncBatchNorm(m, comm)
	}
	d := &DDP[T]{Module: m, comm: comm, params: nn.NamedParams(m)}
	d.slots = make([]slot, len(d.params))
	d.zeros = make([]*tensor.Tensor[T], len(d.params))
	var zero T
	elem := int(unsafe.Sizeof(zero))
	var cur *bucket[T]
	for i := len(d.params) - 1; i >= 0; i-- {
		n := d.params[i].Var.Value().Size()
		if cur == nil || (len(cur.buf)+n)*elem > cap && len(cur.params) > 0 {
			cur = &bucket[T]{}
			d.buckets = append(d.buckets, cur)
		}
		d.slots[i] = slot{bucket: len(d.buckets) - 1, index: len(cur.params), offset: len(cur.buf)}
		cur.params = append(cur.params, i)
		cur.buf = append(cur.buf, make([]T, n)...)
	}
	for _, b := range d.buckets {
		b.have = make([]bool, len(b.params))
		b.missing = len(b.params)
	}
	for i, p := range d.params {
		d.zeros[i] = tensor.New[T](p.Var.Shape()...)
		p.Var.RegisterHook(d.hook(i))
	}
	return d, nil
}

// Comm returns the communicator d trains over.
func (d *DDP[T]) Comm() Comm { return d.comm }

// Buckets returns the number of gradient buckets.
func (d *DDP[T]) Buckets() int { return len(d.buckets) }

// hook returns parameter i's gradient hook: it copies the pass's gradient
// into the bucket, hands back zeros (Sync adds the average instead),
// starts the buckets that are complete and tests those under way.
func (d *DDP[T]) hook(i int) autograd.Hook[T] {
	return func(g *tensor.Tensor[T]) *tensor.Tensor[T] {
		s := d.slots[i]
		b := d.buckets[s.bucket]
		if b.have[s.index] {
			panic(fmt.Sprintf(errDDPTwice, d.params[i].Name))
		}
		copy(b.buf[s.offset:], g.Data())
		b.have[s.index] = true
		b.missing--
		d.launch(false)
		d.progress()
		return d.zeros[i]
	}
}

// launch starts the all-reduces of the complete buckets that are next in
// order; with all set, of every bucket left, its missing gradients as
// zeros.
func (d *DDP[T]) launch(all bool) {
	for d.next < len(d.buckets) {
		b := d.buckets[d.next]
		if b.missing > 0 && !all {
			return
		}
		for j, p := range b.params {
			if !b.have[j] {
				s := d.slots[p]
				clear(b.buf[s.offset : s.offset+d.params[p].Var.Value().Size()])
			}
		}
		start := time.Now()
		b.req, b.err = IAllReduceSum(d.comm, b.buf)
		d.commTime += time.Since(start)
		d.next++
	}
}

// progress tests the all-reduces under way, in order, up to the first
// that is not complete: with MPI, the calls in which they progress.
func (d *DDP[T]) progress() {
	start := time.Now()
	for ; d.tested < d.next; d.tested++ {
		b := d.buckets[d.tested]
		if b.err != nil {
			continue
		}
		done, err := b.req.Test()
		if !done {
			break
		}
		b.done, b.err = true, err
	}
	d.commTime += time.Since(start)
}

// wait waits for every all-reduce started and returns the first error,
// leaving d ready for the next backward pass.
func (d *DDP[T]) wait() error {
	start := time.Now()
	var first error
	for _, b := range d.buckets[:d.next] {
		if b.err == nil && !b.done {
			b.err = b.req.Wait()
		}
		if first == nil {
			first = b.err
		}
	}
	d.commTime += time.Since(start)
	for _, b := range d.buckets {
		clear(b.have)
		b.missing = len(b.params)
		b.req, b.err, b.done = nil, nil, false
	}
	d.next, d.tested = 0, 0
	return first
}

// Sync starts the all-reduces of the buckets not yet started (those a
// parameter without a gradient kept incomplete), waits for every bucket of
// the last backward pass and adds each parameter's averaged gradient into
// its gradient. It returns the first error of a collective; the gradients
// are then left without this pass's contribution.
func (d *DDP[T]) Sync() error {
	d.launch(true)
	if err := d.wait(); err != nil {
		return err
	}
	inv := 1 / T(d.comm.Size())
	for i, p := range d.params {
		s := d.slots[i]
		avg := d.buckets[s.bucket].buf[s.offset : s.offset+p.Var.Value().Size()]
		if inv != 1 {
			for k := range avg {
				avg[k] *= inv
			}
		}
		if g := p.Var.Grad(); g != nil {
			for k, v := range avg {
				g.Data()[k] += v
			}
			continue
		}
		p.Var.SetGrad(tensor.FromSlice(slices.Clone(avg), p.Var.Shape()...))
	}
	return nil
}

// CommTime returns the time the goroutine running the backward passes
// and Sync has spent in the gradients' all-reduces since NewDDP: starting
// and testing them in the hooks, and waiting for them in Sync. It is the
// communication the backward pass did not hide: on the same machine,
// mostly the wait for the slowest rank; across machines, the transfer
// too. Call it after Sync, never during a backward pass.
func (d *DDP[T]) CommTime() time.Duration { return d.commTime }

// Close waits for the all-reduces a backward pass without Sync has left
// under way, and drops their results. The hooks stay registered on the
// parameters; d can go on being used.
func (d *DDP[T]) Close() { d.wait() }

// BroadcastState copies root's parameters and buffers of m into every
// other rank's m, in nn.NamedParams and nn.NamedBuffers order.
func BroadcastState[T tensor.Float](comm Comm, m nn.Module[T], root int) error {
	for _, p := range nn.NamedParams(m) {
		if err := Broadcast(comm, p.Var.Value().Data(), root); err != nil {
			return fmt.Errorf("distributed: broadcasting parameter %s: %w", p.Name, err)
		}
	}
	for _, b := range nn.NamedBuffers(m) {
		if err := Broadcast(comm, b.Value.Data(), root); err != nil {
			return fmt.Errorf("distributed: broadcasting buffer %s: %w", b.Name, err)
		}
	}
	return nil
}
