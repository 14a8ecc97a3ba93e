package data

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/tensor"
)

// TestLoaderRecycle checks that recycling every batch after use, as
// train.Fit does, changes no batch (values, labels, shapes, epochs and
// steps, across a short last batch of each epoch, augmentation and
// normalization), and that the loader does write into recycled memory.
func TestLoaderRecycle(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	img := &Images{Pixels: make([]uint8, 23*3*4*4), Labels: make([]uint8, 23), C: 3, H: 4, W: 4, NumClasses: 5}
	for i := range img.Pixels {
		img.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := range img.Labels {
		img.Labels[i] = uint8(rng.IntN(5))
	}
	mean := MeanImage(img)
	for name, c := range map[string]struct {
		ds  Dataset
		cfg LoaderConfig
	}{
		"images, mean image": {img, LoaderConfig{BatchSize: 5, Shuffle: true, Seed: 2, Normalize: &mean}},
		"images, augmented":  {img, LoaderConfig{BatchSize: 5, Shuffle: true, Seed: 2, Normalize: &mean, Augment: &Augment{CropPad: 1, HFlip: true}}},
		"sequence, raw":      {seqDataset{n: 11, shape: []int{2, 3, 3}}, LoaderConfig{BatchSize: 4, Shuffle: true, Seed: 9}},
	} {
		const steps = 15 // three epochs and more, each with a short last batch
		fresh := NewLoader[float32](c.ds, c.cfg)
		want := make([]Batch[float32], steps)
		for i := range want {
			b := fresh.Next()
			want[i] = Batch[float32]{X: b.X.Clone(), Labels: slices.Clone(b.Labels), Epoch: b.Epoch, Step: b.Step}
		}
		fresh.Close()

		l := NewLoader[float32](c.ds, c.cfg)
		got := make([]Batch[float32], steps)
		seen := map[*float32]bool{}
		reused := 0
		var keep []Batch[float32] // no batch's memory is freed and reallocated
		for i := range got {
			b := l.Next()
			keep = append(keep, b)
			if seen[&b.X.Data()[0]] {
				reused++
			}
			seen[&b.X.Data()[0]] = true
			got[i] = Batch[float32]{X: b.X.Clone(), Labels: slices.Clone(b.Labels), Epoch: b.Epoch, Step: b.Step}
			l.Recycle(b)
		}
		l.Close()
		if !batchesEqual(got, want) {
			t.Errorf("%s: recycled batches differ from fresh ones", name)
		}
		// A full batch, once recycled, is filled by the next full batch
		// the goroutine prepares (at the latest two steps later); short
		// ones are dropped. Either epoch pattern (F F F F S, F F S) gives
		// at least 8 reuses in 15 steps whatever the goroutine's timing.
		if reused < steps/2 {
			t.Errorf("%s: %d of %d batches were written into recycled memory, want at least %d", name, reused, steps, steps/2)
		}
	}
}

// TestRecycleDropsForeignBatches checks that Recycle ignores batches that
// could not be a full batch of Next's: no X, labels not one per row, an
// example of another shape.
func TestRecycleDropsForeignBatches(t *testing.T) {
	ds := seqDataset{n: 6, shape: []int{1, 2, 2}}
	l := NewLoader[float32](ds, LoaderConfig{BatchSize: 3})
	defer l.Close()
	l.Recycle(Batch[float32]{})                                                     // no X
	l.Recycle(Batch[float32]{X: tensor.New[float32](3, 1, 2, 2), Labels: []int{0}}) // labels of another length
	other := Batch[float32]{X: tensor.New[float32](3, 2, 2, 1), Labels: make([]int, 3)}
	l.Recycle(other) // another example shape
	for range 4 {
		b := l.Next()
		if &b.X.Data()[0] == &other.X.Data()[0] {
			t.Fatal("a batch was written into a recycled batch of another shape")
		}
		checkRaw(t, ds, b)
	}
}
