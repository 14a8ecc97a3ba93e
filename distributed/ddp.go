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
// is complete (and those before it have been started), a goroutine
// all-reduces it while the hooks go on. Sync starts what is left, waits
// for every bucket and adds the averaged gradient into the parameters'
// gradients (so a gradient accumulated before the pass is kept).
//
// What overlaps: the engine passes a leaf's gradient to its hooks when it
// flushes the leaves, at the end of the backward pass (once every
// contribution has been summed), so a bucket's all-reduce overlaps the
// copying of the later buckets and the next all-reduces, not the
// computation of the earlier layers' gradients as in PyTorch. Flushing
// each leaf as soon as its last contribution arrives would give that
// overlap, but SyncBatchNorm's collectives in the backward pass would then
// race with the buckets' for the order of the collectives, which must be
// the same on every rank.
//
// Buckets are all-reduced in a fixed order on every rank, whatever order
// the hooks fire in. A parameter that received no gradient in a pass
// (unused by this rank's forward) counts as zero; after Sync every
// parameter has a gradient.
//
// A DDP serves one backward pass at a time: call Sync after each backward
// pass (train.Classifier.AfterBackward does), and before reading the
// gradients.
type DDP[T tensor.Float] struct {
	Module nn.Module[T]
	comm   Comm
	params []nn.Param[T]

	buckets  []*bucket[T]
	slots    []slot              // slots[i]: where parameter i lives in its bucket
	zeros    []*tensor.Tensor[T] // zero tensors the hooks hand back
	next     int                 // the next bucket to hand to the goroutine
	work     chan *bucket[T]
	results  chan error
	commTime time.Duration // time in the all-reduces, written by reduce, read after Sync
}

// bucket is a contiguous buffer for the gradients of some parameters.
type bucket[T tensor.Float] struct {
	params  []int // indices into DDP.params
	buf     []T
	have    []bool // have[j]: params[j]'s gradient of this pass is in buf
	missing int
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
	d.work = make(chan *bucket[T], len(d.buckets))
	d.results = make(chan error, len(d.buckets))
	go d.reduce(d.work, d.results)
	return d, nil
}

// Comm returns the communicator d trains over.
func (d *DDP[T]) Comm() Comm { return d.comm }

// Buckets returns the number of gradient buckets.
func (d *DDP[T]) Buckets() int { return len(d.buckets) }

// hook returns parameter i's gradient hook: it copies the pass's gradient
// into the bucket, hands back zeros (Sync adds the average instead), and
// starts the buckets that are complete.
func (d *DDP[T]) hook(i int) autograd.Hook[T] {
	return func(g *tensor.Tensor[T]) *tensor.Tensor[T] {
		s := d.slots[i]
		b := d.buckets[s.bucket]
		if b.have[s.index] { // a second backward pass before Sync: add up
			for k, v := range g.Data() {
				b.buf[s.offset+k] += v
			}
		} else {
			copy(b.buf[s.offset:], g.Data())
			b.have[s.index] = true
			b.missing--
		}
		d.launch(false)
		return d.zeros[i]
	}
}

// launch hands the goroutine the complete buckets that are next in order;
// with all set, every bucket left, its missing gradients as zeros.
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
		d.work <- b
		d.next++
	}
}

// reduce is the goroutine that all-reduces buckets and averages them.
func (d *DDP[T]) reduce(work <-chan *bucket[T], results chan<- error) {
	for b := range work {
		start := time.Now()
		err := AllReduceSum(d.comm, b.buf)
		d.commTime += time.Since(start)
		if err == nil && d.comm.Size() > 1 {
			inv := 1 / T(d.comm.Size())
			for k := range b.buf {
				b.buf[k] *= inv
			}
		}
		results <- err
	}
}

// Sync waits for the all-reduce of every bucket of the last backward pass
// (starting those not yet complete) and adds each parameter's averaged
// gradient into its gradient. It returns the first error of a collective;
// the gradients are then left without this pass's contribution.
func (d *DDP[T]) Sync() error {
	d.launch(true)
	var first error
	for range d.buckets {
		if err := <-d.results; err != nil && first == nil {
			first = err
		}
	}
	d.next = 0
	for _, b := range d.buckets {
		clear(b.have)
		b.missing = len(b.params)
	}
	if first != nil {
		return first
	}
	for i, p := range d.params {
		s := d.slots[i]
		avg := d.buckets[s.bucket].buf[s.offset : s.offset+p.Var.Value().Size()]
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

// CommTime returns the time the all-reduces of the gradients have taken
// since NewDDP, summed over buckets: on the same machine, mostly the wait
// for the slowest rank; across machines, the transfer too. Call it after
// Sync, never during a backward pass.
func (d *DDP[T]) CommTime() time.Duration { return d.commTime }

// Close stops the goroutine of d. The hooks stay registered on the
// parameters.
func (d *DDP[T]) Close() { close(d.work) }

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
