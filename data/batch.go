package data

import (
	"encoding/binary"
	"fmt"
	"iter"
	"math/rand/v2"
	"runtime"
	"slices"
	"unsafe"

	"github.com/tapegrad/tapegrad/tensor"
)

// Batch is a batch of examples ready for training or evaluation.
type Batch[T tensor.Float] struct {
	X      *tensor.Tensor[T] // B×C×H×W: B examples of the dataset's shape
	Labels []int             // B labels
	Epoch  int               // 0-based epoch the batch belongs to
	Step   int               // 0-based global step: batch index counted across epochs
}

// Batches returns the examples of ds in order, batchSize at a time, for
// evaluation: no shuffling, no augmentation, and a short last batch when
// batchSize does not divide Len. Each batch is normalized with norm unless
// norm is nil; its Epoch is 0 and its Step its index. Batches are freshly
// allocated, so the caller may keep them.
//
//	for b := range data.Batches[float32](test, 500, &norm) { … }
//
// Batches panics if batchSize < 1 or norm does not fit ds's shape.
func Batches[T tensor.Float](ds Dataset, batchSize int, norm *Normalization) iter.Seq[Batch[T]] {
	shape := ds.Shape()
	numel(shape)
	if batchSize < 1 {
		panic(fmt.Sprintf(errBatchSize, batchSize))
	}
	if norm != nil {
		norm.check(shape)
	}
	return func(yield func(Batch[T]) bool) {
		n := ds.Len()
		idx := make([]int, 0, batchSize)
		for step, lo := 0, 0; lo < n; step, lo = step+1, lo+batchSize {
			idx = idx[:0]
			for i := lo; i < min(lo+batchSize, n); i++ {
				idx = append(idx, i)
			}
			b := assemble(Batch[T]{}, ds, shape, idx, norm, nil, 0, step, 1, 0, false)
			if !yield(b) {
				return
			}
		}
	}
}

// assemble builds the batch of examples idx for global step step: it reads
// each example, augments it (if aug is set) with the source augRand(seed,
// step, k·stride+offset) for the k-th example, normalizes it (if norm is
// set) and converts it to T. The stride and offset are 1 and 0, except for
// a shard of a distributed loader (its number of replicas and its rank):
// the k-th example of a rank's batch is then the (k·stride+offset)-th of the
// global batch. It writes into the memory of into, a recycled batch, if
// that is of the batch's shape (every value and label is overwritten), and
// into a new batch otherwise. With background (the Loader's goroutine,
// beside a training step), it writes a large batch around the caches
// (streamBytes) and yields its processor every yieldBytes.
func assemble[T tensor.Float](into Batch[T], ds Dataset, shape, idx []int, norm *Normalization, aug *Augment, seed uint64, step, stride, offset int, background bool) Batch[T] {
	size := numel(shape)
	x, labels := into.X, into.Labels
	if x == nil || len(labels) != len(idx) || x.Size() != len(idx)*size || !slices.Equal(x.Shape()[1:], shape) {
		x = tensor.New[T](append([]int{len(idx)}, shape...)...)
		labels = make([]int, len(idx))
	}
	images, direct := ds.(*Images)
	direct = direct && aug == nil
	var raw, augmented []float32
	if !direct {
		raw = make([]float32, size)
	}
	if aug != nil {
		augmented = make([]float32, size)
	}
	exampleBytes := size * int(unsafe.Sizeof(T(0)))
	stream := background && len(idx)*exampleBytes >= streamBytes
	written := 0
	for k, i := range idx {
		if written += exampleBytes; background && written >= yieldBytes {
			written = 0
			runtime.Gosched()
		}
		dst := x.Data()[k*size : (k+1)*size]
		if direct { // the pixels straight into the batch, in one pass
			if a := k + prefetchAhead; a < len(idx) {
				prefetch(images.Pixels[idx[a]*size : (idx[a]+1)*size])
			}
			labels[k] = images.example(i)
			normalizeInto(dst, images.Pixels[i*size:(i+1)*size], norm, stream)
			continue
		}
		labels[k] = ds.Example(i, raw)
		v := raw
		if aug != nil {
			aug.Apply(augmented, raw, shape, augRand(seed, step, k*stride+offset))
			v = augmented
		}
		normalizeInto(dst, v, norm, stream)
	}
	return Batch[T]{X: x, Labels: labels, Step: step}
}

// Domain tags of the random streams, so that no permutation shares a stream
// with an augmentation.
const (
	tagPerm    = 1
	tagAugment = 2
)

// stream returns the ChaCha8 generator keyed by (seed, tag, a, b): the 32-byte
// seed holds the four numbers little-endian, so distinct keys give
// independent streams.
func stream(seed, tag, a, b uint64) *rand.Rand {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[0:], seed)
	binary.LittleEndian.PutUint64(key[8:], tag)
	binary.LittleEndian.PutUint64(key[16:], a)
	binary.LittleEndian.PutUint64(key[24:], b)
	return rand.New(rand.NewChaCha8(key))
}

// permutation returns the shuffled order of epoch e: a pure function of
// (seed, e).
func permutation(seed uint64, e, n int) []int {
	return stream(seed, tagPerm, uint64(e), 0).Perm(n)
}

// augRand returns the source that augments the k-th example of global step
// step: a pure function of (seed, step, k).
func augRand(seed uint64, step, k int) *rand.Rand {
	return stream(seed, tagAugment, uint64(step), uint64(k))
}

// streamBytes is the size of a batch's X from which assemble writes it
// with streaming stores, where it can (normalizeInto): the Loader fills
// the next batch while the current step runs, and a batch this large would
// push the step's operands out of the caches and not stay there itself.
// For W1's 2.4 MB batch, streaming brought the trainer's step 3% closer
// to its workload's (BenchmarkTrainerGap/W1 1.15 → 1.12, medians of six
// alternated runs, 2026-12-04); for W1s's 0.6 MB it changed nothing.
const streamBytes = 1 << 20

// yieldBytes is how much of a batch assemble writes, in the background,
// before it yields its processor (runtime.Gosched) to any goroutine that
// waits for one: the training step's helpers, which would otherwise wait
// until the whole batch is done, while the step's goroutine did their share
// of its product alone. For W1 (12 KB examples) yielding every 4 or 8
// examples brought the trainer's step from 1.13 to 1.07–1.08 of its
// workload's (BenchmarkTrainerGap/W1, medians of four alternated runs);
// every example was no better than never (1.11). At 64 KiB, W1 1.13 →
// 1.08, W1s and W2 unchanged (medians of six alternated runs).
const yieldBytes = 64 << 10

// prefetchAhead is how many examples ahead assemble asks for the pixels of
// a data set's example (prefetch) while it converts the current one: a
// batch's examples lie at random places of a data set much larger than the
// caches (Fashion-MNIST's 47 MB), and a row read cold, line by line, costs
// several times its conversion.
var prefetchAhead = 4
