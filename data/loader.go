package data

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/tapegrad/tapegrad/tensor"
)

// LoaderConfig configures a Loader.
type LoaderConfig struct {
	BatchSize int
	Shuffle   bool           // a new order every epoch; false: index order
	Seed      uint64         // seeds shuffling and augmentation
	DropLast  bool           // drop each epoch's last batch if it is short
	Normalize *Normalization // nil: raw values
	Augment   *Augment       // nil: none
	// Shard, if set, makes the loader one replica's part of every epoch,
	// for data-parallel training; nil: the whole dataset.
	Shard *Shard
}

// Shard selects one replica's part of every epoch, as PyTorch's
// DistributedSampler: with N examples and R replicas, each epoch's order
// (shuffled or not, as the whole dataset's would be) is cut to a multiple
// of R — padded by repeating its first examples, or, with DropLast,
// truncated — and replica r takes positions r, r+R, r+2R, … of it. The R
// parts are disjoint (but for the padding), of equal size ⌈N/R⌉ (⌊N/R⌋
// with DropLast), and reshuffled every epoch from the shared Seed, so every
// replica must be given the same Seed. The loader's DropLast, BatchSize and
// step counting then apply to the replica's part.
//
// Global batch: the k-th example of a replica's p-th batch of an epoch is
// position (p·B + k)·R + r of the epoch's cut order, so that, when R·B
// divides N, the R replicas' batches of size B at step s are together the
// batch of size R·B of a loader without Shard — augmented alike too, since
// the k-th example of replica r draws the random source of the
// (k·R + r)-th example of that global batch.
type Shard struct {
	NumReplicas int  // R, at least 1
	Rank        int  // r, in [0, R)
	DropLast    bool // drop the tail that does not divide evenly rather than pad
}

// size returns the number of examples of a replica's part of n.
func (s *Shard) size(n int) int {
	if s.DropLast {
		return n / s.NumReplicas
	}
	return (n + s.NumReplicas - 1) / s.NumReplicas
}

// part returns the replica's positions of order, the epoch's order of all
// examples.
func (s *Shard) part(order []int) []int {
	m := s.size(len(order))
	total := m * s.NumReplicas
	out := make([]int, m)
	for i := range out {
		p := i*s.NumReplicas + s.Rank
		if p < total {
			out[i] = order[p%len(order)]
		}
	}
	return out
}

// Loader yields training batches endlessly, epoch after epoch. It prepares
// the next batch in its own goroutine while the caller trains on the current
// one: exactly one batch ahead.
//
// The batches are a pure function of the dataset, the config and the global
// step s, whatever the prefetching, Seek calls or GOMAXPROCS:
//
//   - step s belongs to epoch e = s / BatchesPerEpoch() and holds positions
//     [p·B, min((p+1)·B, Len)) of that epoch's order, p = s mod BatchesPerEpoch();
//   - epoch e's order is a permutation drawn from a ChaCha8 source keyed by
//     (Seed, e) if Shuffle is set, and 0, 1, …, Len−1 otherwise;
//   - the k-th example of step s is augmented (raw values, before
//     normalization) with a ChaCha8 source keyed by (Seed, s, k);
//   - normalization follows augmentation, so padding zeros become (0−Mean)/Std;
//   - with a Shard, an epoch's order is the replica's part of the whole
//     epoch's order, Len is the part's size, and the k-th example draws the
//     augmentation source of its place in the global batch (see Shard).
//
// Each batch is freshly allocated, and the caller may keep it, unless it
// hands the batch back with Recycle: a later batch is then written into its
// memory. A Loader's methods may be called from several goroutines. Close
// stops the goroutine.
type Loader[T tensor.Float] struct {
	ds    Dataset
	cfg   LoaderConfig // with private copies of Normalize and Augment
	shape []int
	n     int // examples
	bpe   int // batches per epoch

	mu     sync.Mutex
	next   int // global step of the batch Next returns
	closed bool
	out    chan prepared[T] // nil when no goroutine runs
	quit   chan struct{}
	done   chan struct{}

	// free holds recycled batches (Recycle) for the goroutine to fill.
	free chan Batch[T]

	// producers counts the goroutines that start launched and that have not
	// yet returned. It drops to 0 before done is closed, so it is 0 whenever
	// Close, Seek or a panic's Next has returned; the tests check it there.
	producers atomic.Int32
}

// prepared is what the goroutine hands to Next: a batch, or the value of a
// panic raised while preparing it.
type prepared[T tensor.Float] struct {
	batch    Batch[T]
	panicked bool
	value    any
}

// NewLoader returns a Loader of ds positioned at step 0. Its goroutine starts
// with the first Next. NewLoader panics if ds is empty, the batch size is
// below 1 (or above Len with DropLast; above the replica's part with a
// Shard), the Shard's replicas are below 1 or its rank out of range, a
// Shard with DropLast leaves a replica no example, or Normalize or Augment
// does not fit the examples' shape.
func NewLoader[T tensor.Float](ds Dataset, cfg LoaderConfig) *Loader[T] {
	shape := slices.Clone(ds.Shape())
	numel(shape)
	n := ds.Len()
	if n < 1 {
		panic(errEmpty)
	}
	if s := cfg.Shard; s != nil {
		switch {
		case s.NumReplicas < 1:
			panic(fmt.Sprintf(errShardReplicas, s.NumReplicas))
		case s.Rank < 0 || s.Rank >= s.NumReplicas:
			panic(fmt.Sprintf(errShardRank, s.Rank, s.NumReplicas))
		case s.size(n) < 1:
			panic(fmt.Sprintf(errShardEmpty, n, s.NumReplicas))
		}
		sh := *s
		cfg.Shard = &sh
		n = sh.size(n)
	}
	switch {
	case cfg.BatchSize < 1:
		panic(fmt.Sprintf(errBatchSize, cfg.BatchSize))
	case cfg.DropLast && cfg.BatchSize > n:
		panic(fmt.Sprintf(errDropLast, cfg.BatchSize, n))
	}
	cfg.Normalize = cfg.Normalize.clone()
	if cfg.Normalize != nil {
		cfg.Normalize.check(shape)
	}
	if cfg.Augment != nil {
		a := *cfg.Augment
		a.check(shape)
		cfg.Augment = &a
	}
	bpe := (n + cfg.BatchSize - 1) / cfg.BatchSize
	if cfg.DropLast {
		bpe = n / cfg.BatchSize
	}
	return &Loader[T]{ds: ds, cfg: cfg, shape: shape, n: n, bpe: bpe, free: make(chan Batch[T], recycled)}
}

// recycled is how many batches handed back by Recycle a Loader keeps: the
// one being trained on and the one prefetched make two.
const recycled = 2

// Recycle hands back the memory of b, a batch Next returned, for the
// loader to write a later batch into rather than allocate one, once the
// caller is done with it: b's X and Labels must not be used after, and a
// batch is recycled at most once. Only full batches (BatchSize examples
// of the dataset's shape) are kept, two at most; others are dropped.
// train.Fit recycles every batch a train.Classifier has trained on.
func (l *Loader[T]) Recycle(b Batch[T]) {
	if b.X == nil || len(b.Labels) != l.cfg.BatchSize || b.X.NDim() != len(l.shape)+1 ||
		b.X.Dim(0) != l.cfg.BatchSize || !slices.Equal(b.X.Shape()[1:], l.shape) {
		return
	}
	select {
	case l.free <- b:
	default:
	}
}

// reuse returns a recycled batch to fill with n examples, or a zero Batch
// if n is not a full batch or none waits.
func (l *Loader[T]) reuse(n int) Batch[T] {
	if n != l.cfg.BatchSize {
		return Batch[T]{}
	}
	select {
	case b := <-l.free:
		return b
	default:
		return Batch[T]{}
	}
}

// BatchesPerEpoch returns the number of batches in an epoch: ⌈Len/B⌉, or
// ⌊Len/B⌋ with DropLast.
func (l *Loader[T]) BatchesPerEpoch() int { return l.bpe }

// Next returns the batch of the current global step and advances by one.
// A panic raised by the dataset while preparing the batch is raised again
// here. Next panics after Close.
func (l *Loader[T]) Next() Batch[T] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		panic(errClosed)
	}
	if l.out == nil {
		l.start()
	}
	p := <-l.out
	if p.panicked {
		l.stop()
		panic(p.value)
	}
	l.next++
	return p.batch
}

// Seek positions the loader so that the next batch is global step step, the
// batch a fresh loader returns after step calls to Next: for resuming from a
// checkpoint. It discards the prefetched batch. Seek panics if step < 0.
func (l *Loader[T]) Seek(step int) {
	if step < 0 {
		panic(fmt.Sprintf(errSeek, step))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stop()
	l.next = step
}

// Close stops the prefetching goroutine and waits for it to exit. Calling it
// again does nothing.
func (l *Loader[T]) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stop()
	l.closed = true
}

// start launches the goroutine at step l.next. l.mu must be held.
func (l *Loader[T]) start() {
	l.out = make(chan prepared[T])
	l.quit = make(chan struct{})
	l.done = make(chan struct{})
	l.producers.Add(1)
	go l.produce(l.next, l.out, l.quit, l.done)
}

// stop ends the goroutine, if one runs, and waits for it. l.mu must be held.
func (l *Loader[T]) stop() {
	if l.out == nil {
		return
	}
	close(l.quit)
	<-l.done
	l.out, l.quit, l.done = nil, nil, nil
}

// produce prepares the batches of steps start, start+1, … and hands each to
// out, until quit is closed or preparing a batch panics. As it returns, it
// decrements l.producers and then closes done.
func (l *Loader[T]) produce(start int, out chan<- prepared[T], quit <-chan struct{}, done chan<- struct{}) {
	defer func() {
		l.producers.Add(-1)
		close(done)
	}()
	epoch, order := -1, []int(nil)
	for step := start; ; step++ {
		select {
		case <-quit:
			return
		default:
		}
		p := l.prepare(step, &epoch, &order)
		select {
		case out <- p:
		case <-quit:
			return
		}
		if p.panicked {
			return
		}
	}
}

// prepare builds the batch of step, recomputing the epoch's order when step
// starts a new epoch, and turns a panic into a prepared value.
func (l *Loader[T]) prepare(step int, epoch *int, order *[]int) (p prepared[T]) {
	defer func() {
		if v := recover(); v != nil {
			p = prepared[T]{panicked: true, value: v}
		}
	}()
	e, pos := step/l.bpe, step%l.bpe
	if e != *epoch {
		*epoch, *order = e, l.order(e)
	}
	lo := pos * l.cfg.BatchSize
	hi := min(lo+l.cfg.BatchSize, l.n)
	stride, offset := 1, 0
	if s := l.cfg.Shard; s != nil {
		stride, offset = s.NumReplicas, s.Rank
	}
	b := assemble(l.reuse(hi-lo), l.ds, l.shape, (*order)[lo:hi], l.cfg.Normalize, l.cfg.Augment, l.cfg.Seed, step, stride, offset, true)
	b.Epoch = e
	return prepared[T]{batch: b}
}

// order returns the order of the examples in epoch e: of the replica's
// part, with a Shard.
func (l *Loader[T]) order(e int) []int {
	n := l.ds.Len()
	var idx []int
	if l.cfg.Shuffle {
		idx = permutation(l.cfg.Seed, e, n)
	} else {
		idx = make([]int, n)
		for i := range idx {
			idx[i] = i
		}
	}
	if l.cfg.Shard != nil {
		return l.cfg.Shard.part(idx)
	}
	return idx
}
