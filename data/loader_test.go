package data

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/internal/testutil"
)

// take returns the next k batches of l.
func take[T float32 | float64](l *Loader[T], k int) []Batch[T] {
	bs := make([]Batch[T], k)
	for i := range bs {
		bs[i] = l.Next()
	}
	return bs
}

// batchesEqual reports whether two runs gave the same batches, bit for bit.
func batchesEqual[T float32 | float64](a, b []Batch[T]) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slices.Equal(a[i].Labels, b[i].Labels) || !slices.Equal(a[i].X.Data(), b[i].X.Data()) ||
			!slices.Equal(a[i].X.Shape(), b[i].X.Shape()) || a[i].Epoch != b[i].Epoch || a[i].Step != b[i].Step {
			return false
		}
	}
	return true
}

// checkRaw fails t unless every example of b holds the raw values of the
// dataset example its label names (seqDataset labels are indices).
func checkRaw(t *testing.T, ds seqDataset, b Batch[float32]) {
	t.Helper()
	size := numel(ds.shape)
	for k, l := range b.Labels {
		if got := b.X.Data()[k*size : (k+1)*size]; !slices.Equal(got, example(ds, l)) {
			t.Fatalf("step %d, example %d (label %d): values %v, want the dataset's %v", b.Step, k, l, got[:3], example(ds, l)[:3])
		}
	}
}

func TestLoaderShuffle(t *testing.T) {
	ds := seqDataset{n: 10, shape: []int{2, 2, 2}}
	l := NewLoader[float32](ds, LoaderConfig{BatchSize: 3, Shuffle: true, Seed: 42})
	defer l.Close()
	if l.BatchesPerEpoch() != 4 {
		t.Fatalf("BatchesPerEpoch = %d, want ⌈10/3⌉ = 4", l.BatchesPerEpoch())
	}
	var orders [][]int
	for e := range 3 {
		var order []int
		for p, b := range take(l, 4) {
			if want := []int{3, 3, 3, 1}[p]; len(b.Labels) != want || !slices.Equal(b.X.Shape(), []int{want, 2, 2, 2}) {
				t.Fatalf("epoch %d batch %d: %d labels, X %v; want %d and [%d 2 2 2]", e, p, len(b.Labels), b.X.Shape(), want, want)
			}
			if b.Epoch != e || b.Step != 4*e+p {
				t.Fatalf("epoch %d batch %d: Epoch %d Step %d, want %d %d", e, p, b.Epoch, b.Step, e, 4*e+p)
			}
			checkRaw(t, ds, b)
			order = append(order, b.Labels...)
		}
		if sorted := slices.Sorted(slices.Values(order)); !slices.Equal(sorted, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Fatalf("epoch %d visits %v, want every example once", e, order)
		}
		if slices.IsSorted(order) {
			t.Errorf("epoch %d is not shuffled: %v", e, order)
		}
		orders = append(orders, order)
	}
	if slices.Equal(orders[0], orders[1]) || slices.Equal(orders[1], orders[2]) {
		t.Errorf("epochs repeat an order: %v", orders)
	}
	// The order of epoch e is the documented permutation of (Seed, e).
	for e, order := range orders {
		if want := permutation(42, e, 10); !slices.Equal(order, want) {
			t.Errorf("epoch %d order %v, want permutation(42, %d) = %v", e, order, e, want)
		}
	}
}

func TestLoaderSeeds(t *testing.T) {
	ds := seqDataset{n: 50, shape: []int{1, 2, 2}}
	run := func(seed uint64) []Batch[float32] {
		l := NewLoader[float32](ds, LoaderConfig{BatchSize: 8, Shuffle: true, Seed: seed, Augment: &Augment{CropPad: 1, HFlip: true}})
		defer l.Close()
		return take(l, 15)
	}
	a, b, c := run(1), run(1), run(2)
	if !batchesEqual(a, b) {
		t.Error("two loaders with seed 1 gave different batches")
	}
	if slices.Equal(a[0].Labels, c[0].Labels) || batchesEqual(a, c) {
		t.Errorf("seeds 1 and 2 gave the same first batch %v", a[0].Labels)
	}
}

func TestLoaderNoShuffle(t *testing.T) {
	ds := seqDataset{n: 5, shape: []int{1, 1, 3}}
	l := NewLoader[float32](ds, LoaderConfig{BatchSize: 2, Seed: 9})
	defer l.Close()
	var got [][]int
	for _, b := range take(l, 6) {
		checkRaw(t, ds, b)
		got = append(got, b.Labels)
	}
	want := [][]int{{0, 1}, {2, 3}, {4}, {0, 1}, {2, 3}, {4}}
	if !cmp.Equal(got, want) {
		t.Errorf("labels %v, want %v", got, want)
	}
}

func TestLoaderDropLast(t *testing.T) {
	ds := seqDataset{n: 10, shape: []int{1, 1, 1}}
	keep := NewLoader[float32](ds, LoaderConfig{BatchSize: 4})
	defer keep.Close()
	if keep.BatchesPerEpoch() != 3 {
		t.Errorf("BatchesPerEpoch without DropLast = %d, want 3", keep.BatchesPerEpoch())
	}
	var sizes []int
	for _, b := range take(keep, 4) {
		sizes = append(sizes, len(b.Labels))
	}
	if !slices.Equal(sizes, []int{4, 4, 2, 4}) {
		t.Errorf("batch sizes without DropLast %v, want [4 4 2 4]", sizes)
	}

	drop := NewLoader[float32](ds, LoaderConfig{BatchSize: 4, DropLast: true, Shuffle: true, Seed: 3})
	defer drop.Close()
	if drop.BatchesPerEpoch() != 2 {
		t.Errorf("BatchesPerEpoch with DropLast = %d, want 2", drop.BatchesPerEpoch())
	}
	var dropped [][]int
	for e := range 4 {
		seen := map[int]bool{}
		for p, b := range take(drop, 2) {
			if len(b.Labels) != 4 || b.Epoch != e || b.Step != 2*e+p {
				t.Fatalf("epoch %d batch %d: %d labels, Epoch %d, Step %d; want 4, %d, %d", e, p, len(b.Labels), b.Epoch, b.Step, e, 2*e+p)
			}
			for _, l := range b.Labels {
				seen[l] = true
			}
		}
		if len(seen) != 8 {
			t.Fatalf("epoch %d saw %d distinct examples, want 8", e, len(seen))
		}
		var out []int
		for i := range 10 {
			if !seen[i] {
				out = append(out, i)
			}
		}
		dropped = append(dropped, out)
	}
	// The dropped pair is the tail of each epoch's permutation, so it varies.
	if slices.Equal(dropped[0], dropped[1]) && slices.Equal(dropped[1], dropped[2]) && slices.Equal(dropped[2], dropped[3]) {
		t.Errorf("every epoch dropped the same examples %v", dropped[0])
	}
}

func TestLoaderSeek(t *testing.T) {
	ds := seqDataset{n: 23, shape: []int{2, 3, 3}}
	cfg := LoaderConfig{BatchSize: 5, Shuffle: true, Seed: 11, Augment: &Augment{CropPad: 1, HFlip: true},
		Normalize: &Normalization{Mean: []float32{3, 4}, Std: []float32{2, 0.5}}}
	a := NewLoader[float32](ds, cfg)
	defer a.Close()
	ref := take(a, 13) // 5 batches per epoch: crosses two epoch boundaries

	for _, k := range []int{0, 4, 5, 7, 12} {
		b := NewLoader[float32](ds, cfg)
		b.Seek(k)
		if got := take(b, 13-k); !batchesEqual(got, ref[k:]) {
			t.Errorf("Seek(%d): batches differ from running %d batches", k, k)
		}
		b.Close()
	}
	// Seek back on a loader that has prefetched.
	a.Seek(3)
	if got := take(a, 2); !batchesEqual(got, ref[3:5]) {
		t.Error("Seek(3) after 13 batches: batches differ from the first run's steps 3 and 4")
	}
	// Seek forward past where the first run stopped.
	fresh := NewLoader[float32](ds, cfg)
	defer fresh.Close()
	long := take(fresh, 20)
	a.Seek(17)
	if got := take(a, 3); !batchesEqual(got, long[17:]) {
		t.Error("Seek(17): batches differ from a loader that ran 17 batches")
	}
	testutil.MustPanic(t, func() { a.Seek(-1) }, "data: Loader.Seek(-1)")
}

// TestLoaderGOMAXPROCS checks that neither the number of threads nor the
// consumer's pace changes a bit. Run it with -race.
func TestLoaderGOMAXPROCS(t *testing.T) {
	ds := seqDataset{n: 37, shape: []int{3, 4, 4}}
	cfg := LoaderConfig{BatchSize: 6, Shuffle: true, Seed: 5, Augment: &Augment{CropPad: 2, HFlip: true}}
	norm := MeanImage(ds)
	cfg.Normalize = &norm
	run := func(procs int, pause time.Duration) []Batch[float32] {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		l := NewLoader[float32](ds, cfg)
		defer l.Close()
		var bs []Batch[float32]
		for range 20 {
			bs = append(bs, l.Next())
			time.Sleep(pause) // "training": the goroutine runs ahead meanwhile
		}
		return bs
	}
	one := run(1, 0)
	if four := run(4, 0); !batchesEqual(one, four) {
		t.Error("GOMAXPROCS 1 and 4 gave different batches")
	}
	if slow := run(4, time.Millisecond); !batchesEqual(one, slow) {
		t.Error("a slow consumer got different batches")
	}
}

// TestLoaderConcurrentNext calls Next from several goroutines: every step is
// handed out exactly once.
func TestLoaderConcurrentNext(t *testing.T) {
	l := NewLoader[float32](seqDataset{n: 20, shape: []int{1, 1, 2}}, LoaderConfig{BatchSize: 3, Shuffle: true})
	defer l.Close()
	var mu sync.Mutex
	var steps []int
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				b := l.Next()
				mu.Lock()
				steps = append(steps, b.Step)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	slices.Sort(steps)
	for i, s := range steps {
		if s != i {
			t.Fatalf("steps handed out %v, want 0…39 once each", steps)
		}
	}
}

func TestLoaderAugment(t *testing.T) {
	ds := seqDataset{n: 16, shape: []int{2, 5, 5}}
	l := NewLoader[float32](ds, LoaderConfig{BatchSize: 8, Shuffle: true, Seed: 1, Augment: &Augment{CropPad: 2, HFlip: true}})
	defer l.Close()
	changed, flipped := 0, 0
	for _, b := range take(l, 4) {
		for k, label := range b.Labels {
			got := b.X.Data()[k*50 : (k+1)*50]
			dy, dx, flip, ok := whichAugment(got, example(ds, label), ds.shape, 2)
			if !ok {
				t.Fatalf("step %d example %d: not a padded crop of example %d", b.Step, k, label)
			}
			// It is the documented draw for (Seed, step, k).
			want := make([]float32, 50)
			Augment{CropPad: 2, HFlip: true}.Apply(want, example(ds, label), ds.shape, augRand(1, b.Step, k))
			if !slices.Equal(got, want) {
				t.Fatalf("step %d example %d: augmentation is not the one keyed by (1, %d, %d)", b.Step, k, b.Step, k)
			}
			if dy != 0 || dx != 0 || flip {
				changed++
			}
			if flip {
				flipped++
			}
		}
	}
	if changed < 24 || flipped == 0 || flipped == 32 {
		t.Errorf("%d of 32 examples changed, %d flipped: augmentation looks inactive or stuck", changed, flipped)
	}
}

func TestLoaderNormalize(t *testing.T) {
	ds := seqDataset{n: 4, shape: []int{2, 1, 2}}
	norm := Normalization{Mean: []float32{1, 2}, Std: []float32{4, 8}}
	l := NewLoader[float64](ds, LoaderConfig{BatchSize: 4, Normalize: &norm})
	defer l.Close()
	norm.Mean[0] = 1000 // the loader keeps its own copy
	b := l.Next()
	// Example 1 is 1001, 1002 (channel 0) and 1003, 1004 (channel 1).
	want := []float64{250, 250.25, 125.125, 125.25}
	if got := b.X.Data()[4:8]; !slices.Equal(got, want) {
		t.Errorf("normalized example 1 = %v, want %v", got, want)
	}
}

// TestLoaderClose checks that Close, and Seek, end the prefetching goroutine
// before returning. It counts the goroutines through Loader.producers, which a
// goroutine leaves before it signals its exit: runtime.NumGoroutine would also
// count goroutines of earlier tests still on their way out, and flake.
func TestLoaderClose(t *testing.T) {
	ds := seqDataset{n: 10, shape: []int{1, 2, 2}}
	loaders := make([]*Loader[float32], 5)
	for i := range loaders {
		loaders[i] = NewLoader[float32](ds, LoaderConfig{BatchSize: 2, Shuffle: true})
		if n := loaders[i].producers.Load(); n != 0 {
			t.Fatalf("loader %d: %d goroutines before the first Next, want 0", i, n)
		}
		loaders[i].Next() // starts the goroutine, which prefetches and blocks
	}
	for i, l := range loaders {
		if n := l.producers.Load(); n != 1 {
			t.Fatalf("loader %d: %d goroutines after Next, want 1", i, n)
		}
	}
	// Seek stops the goroutine; the next Next starts one again.
	loaders[1].Seek(7)
	if n := loaders[1].producers.Load(); n != 0 {
		t.Errorf("%d goroutines after Seek, want 0", n)
	}
	if b := loaders[1].Next(); b.Step != 7 {
		t.Errorf("Next after Seek(7) returned step %d", b.Step)
	}
	if n := loaders[1].producers.Load(); n != 1 {
		t.Errorf("%d goroutines after Seek and Next, want 1", n)
	}
	for i, l := range loaders {
		l.Close()
		if n := l.producers.Load(); n != 0 {
			t.Errorf("loader %d: %d goroutines after Close, want 0: it leaked its goroutine", i, n)
		}
		l.Close() // idempotent
		if n := l.producers.Load(); n != 0 {
			t.Errorf("loader %d: %d goroutines after a second Close, want 0", i, n)
		}
	}
	unused := NewLoader[float32](ds, LoaderConfig{BatchSize: 2})
	unused.Close()
	if n := unused.producers.Load(); n != 0 {
		t.Errorf("%d goroutines after closing an unused loader, want 0", n)
	}
	testutil.MustPanic(t, func() { loaders[0].Next() }, "data: Next on a closed Loader")
	testutil.MustPanic(t, func() { unused.Next() }, "data: Next on a closed Loader")
	if n := loaders[0].producers.Load(); n != 0 {
		t.Errorf("%d goroutines after Next on a closed loader, want 0", n)
	}
}

// panicky panics on example 5.
type panicky struct{ seqDataset }

func (p panicky) Example(i int, dst []float32) int {
	if i == 5 {
		panic("broken example 5")
	}
	return p.seqDataset.Example(i, dst)
}

func TestLoaderPanicReachesNext(t *testing.T) {
	l := NewLoader[float32](panicky{seqDataset{n: 10, shape: []int{1, 1, 1}}}, LoaderConfig{BatchSize: 4})
	defer l.Close()
	if b := l.Next(); !slices.Equal(b.Labels, []int{0, 1, 2, 3}) {
		t.Fatalf("first batch %v, want [0 1 2 3]", b.Labels)
	}
	testutil.MustPanic(t, func() { l.Next() }, "broken example 5")
	if n := l.producers.Load(); n != 0 {
		t.Errorf("%d goroutines after the panic reached Next, want 0", n)
	}
	l.Seek(2) // the batch after the broken one works
	if b := l.Next(); !slices.Equal(b.Labels, []int{8, 9}) {
		t.Errorf("after Seek(2): %v, want [8 9]", b.Labels)
	}
}

func TestNewLoaderPanics(t *testing.T) {
	ds := seqDataset{n: 10, shape: []int{3, 2, 2}}
	tests := []struct {
		name string
		ds   Dataset
		cfg  LoaderConfig
		want string
	}{
		{"batch 0", ds, LoaderConfig{}, "data: batch size 0, want at least 1"},
		{"DropLast too big", ds, LoaderConfig{BatchSize: 11, DropLast: true}, "data: batch size 11 with DropLast exceeds the dataset's 10 examples"},
		{"empty", seqDataset{shape: []int{1}}, LoaderConfig{BatchSize: 1}, "data: the dataset has no examples"},
		{"normalization", ds, LoaderConfig{BatchSize: 1, Normalize: &Normalization{Mean: make([]float32, 4)}}, "data: normalization with 4 means"},
		{"std", ds, LoaderConfig{BatchSize: 1, Normalize: &Normalization{Mean: make([]float32, 3), Std: make([]float32, 12)}}, "data: normalization with 3 means and 12 stds"},
		{"augment shape", seqDataset{n: 2, shape: []int{12}}, LoaderConfig{BatchSize: 1, Augment: &Augment{HFlip: true}}, "data: augmentation needs C×H×W"},
		{"crop pad", ds, LoaderConfig{BatchSize: 1, Augment: &Augment{CropPad: -2}}, "data: Augment.CropPad is -2"},
		{"bad shape", seqDataset{n: 2, shape: []int{3, 0, 2}}, LoaderConfig{BatchSize: 1}, "data: example shape [3 0 2]"},
		{"shard replicas", ds, LoaderConfig{BatchSize: 1, Shard: &Shard{}}, "data: Shard with 0 replicas, want at least 1"},
		{"shard rank", ds, LoaderConfig{BatchSize: 1, Shard: &Shard{NumReplicas: 3, Rank: 3}}, "data: Shard rank 3 out of range [0, 3)"},
		{"shard negative rank", ds, LoaderConfig{BatchSize: 1, Shard: &Shard{NumReplicas: 3, Rank: -1}}, "data: Shard rank -1 out of range [0, 3)"},
		{"shard empty", ds, LoaderConfig{BatchSize: 1, Shard: &Shard{NumReplicas: 11, DropLast: true}}, "data: Shard with DropLast of 10 examples over 11 replicas leaves each replica none"},
		{"shard DropLast batch", ds, LoaderConfig{BatchSize: 6, DropLast: true, Shard: &Shard{NumReplicas: 2}}, "data: batch size 6 with DropLast exceeds the dataset's 5 examples"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			testutil.MustPanic(t, func() { NewLoader[float32](tt.ds, tt.cfg) }, tt.want)
		})
	}
	// A batch larger than the dataset is fine without DropLast: one short batch per epoch.
	l := NewLoader[float32](ds, LoaderConfig{BatchSize: 11})
	defer l.Close()
	if b := l.Next(); l.BatchesPerEpoch() != 1 || len(b.Labels) != 10 {
		t.Errorf("batch 11 of 10 examples: %d per epoch, %d labels; want 1, 10", l.BatchesPerEpoch(), len(b.Labels))
	}
}

// TestShardMatchesDistributedSampler pins Shard to the indices PyTorch's
// DistributedSampler(shuffle=False) gives every replica: the cut to a
// multiple of the replicas, padding by repetition (more than once when
// the data are fewer than the replicas), drop_last, the interleaving.
func TestShardMatchesDistributedSampler(t *testing.T) {
	const path = "testdata/torch_distributed_sampler.json"
	var ref struct {
		reftest.Header
		Cases []struct {
			N        int     `json:"n"`
			Replicas int     `json:"replicas"`
			DropLast bool    `json:"drop_last"`
			Parts    [][]int `json:"parts"`
		} `json:"cases"`
	}
	reftest.Load(t, path, "/usr/bin/python3 data/testdata/gen_torch_distributed_sampler.py", &ref)
	if len(ref.Cases) < 8 {
		t.Fatalf("%s: %d cases, want at least 8", path, len(ref.Cases))
	}
	for _, c := range ref.Cases {
		ds := seqDataset{n: c.N, shape: []int{1}}
		for r, want := range c.Parts {
			sh := &Shard{NumReplicas: c.Replicas, Rank: r, DropLast: c.DropLast}
			l := NewLoader[float32](ds, LoaderConfig{BatchSize: len(want), Shard: sh})
			got := l.Next().Labels
			l.Close()
			if !slices.Equal(got, want) || l.BatchesPerEpoch() != 1 {
				t.Errorf("%d examples, %d replicas, drop_last %v, rank %d: %v (%d batches), want torch's %v",
					c.N, c.Replicas, c.DropLast, r, got, l.BatchesPerEpoch(), want)
			}
		}
	}
}

// TestShardsMakeTheGlobalBatch checks what data-parallel training relies
// on: at every step, the R replicas' batches of B interleaved are the batch
// of R·B that one loader without Shard gives — the same examples, the same
// augmentation, bit for bit — over several reshuffled epochs; and that
// within an epoch the parts are disjoint.
func TestShardsMakeTheGlobalBatch(t *testing.T) {
	ds := seqDataset{n: 24, shape: []int{1, 4, 4}}
	for _, replicas := range []int{2, 3} {
		const b = 4
		base := LoaderConfig{Shuffle: true, Seed: 9, Augment: &Augment{CropPad: 1, HFlip: true}}
		gcfg := base
		gcfg.BatchSize = replicas * b
		global := NewLoader[float32](ds, gcfg)
		parts := make([]*Loader[float32], replicas)
		for r := range parts {
			cfg := base
			cfg.BatchSize, cfg.Shard = b, &Shard{NumReplicas: replicas, Rank: r}
			parts[r] = NewLoader[float32](ds, cfg)
			if parts[r].BatchesPerEpoch() != global.BatchesPerEpoch() {
				t.Fatalf("%d replicas: %d batches per epoch, the global loader %d", replicas, parts[r].BatchesPerEpoch(), global.BatchesPerEpoch())
			}
		}
		steps := 3 * global.BatchesPerEpoch()
		var firstEpoch []int
		seen := map[int]bool{}
		for s := range steps {
			g := global.Next()
			if s%global.BatchesPerEpoch() == 0 {
				clear(seen)
			}
			for r, l := range parts {
				pb := l.Next()
				if pb.Epoch != g.Epoch {
					t.Fatalf("step %d: replica %d in epoch %d, global %d", s, r, pb.Epoch, g.Epoch)
				}
				for k, label := range pb.Labels {
					j := k*replicas + r
					if label != g.Labels[j] || !slices.Equal(pb.X.Data()[k*16:(k+1)*16], g.X.Data()[j*16:(j+1)*16]) {
						t.Fatalf("%d replicas, step %d: replica %d's example %d (%d) is not the global batch's %d (%d), or augmented otherwise",
							replicas, s, r, k, label, j, g.Labels[j])
					}
					if seen[label] {
						t.Fatalf("%d replicas, epoch %d: example %d twice", replicas, pb.Epoch, label)
					}
					seen[label] = true
				}
			}
			if s < global.BatchesPerEpoch() {
				firstEpoch = append(firstEpoch, g.Labels...)
			} else if s == global.BatchesPerEpoch() && slices.Equal(g.Labels, firstEpoch[:len(g.Labels)]) {
				t.Errorf("%d replicas: epoch 1 starts as epoch 0 did: not reshuffled", replicas)
			}
		}
		global.Close()
		for _, l := range parts {
			l.Close()
		}
	}
}

// TestShardPadsShuffledOrder checks the padding under shuffling: 10
// examples over 3 replicas give each 4, the 10 once each and the first two
// of the epoch's order again, and a replica's part changes every epoch.
func TestShardPadsShuffledOrder(t *testing.T) {
	ds := seqDataset{n: 10, shape: []int{1}}
	var epochs [2][][]int
	for r := range 3 {
		l := NewLoader[float32](ds, LoaderConfig{BatchSize: 4, Shuffle: true, Seed: 3, Shard: &Shard{NumReplicas: 3, Rank: r}})
		for e := range 2 {
			epochs[e] = append(epochs[e], l.Next().Labels)
		}
		l.Close()
	}
	for e, parts := range epochs {
		order := permutation(3, e, 10)
		count := map[int]int{}
		for _, p := range parts {
			for _, i := range p {
				count[i]++
			}
		}
		for i := range 10 {
			want := 1
			if i == order[0] || i == order[1] {
				want = 2
			}
			if count[i] != want {
				t.Errorf("epoch %d: example %d appears %d times over the replicas, want %d (order %v, parts %v)", e, i, count[i], want, order, parts)
			}
		}
	}
	if slices.Equal(epochs[0][0], epochs[1][0]) {
		t.Errorf("replica 0 has the part %v in epochs 0 and 1: not reshuffled", epochs[0][0])
	}
}

// TestLoaderLargeBatchStreamed checks a batch above streamBytes, which the
// Loader's goroutine writes with streaming stores and yields while it
// assembles, against the same examples from Batches, which writes them
// with ordinary stores: the same bits, with the course's mean image.
func TestLoaderLargeBatchStreamed(t *testing.T) {
	const n, c, h, w = 120, 3, 32, 32
	if n*c*h*w*4 < streamBytes {
		t.Fatalf("the batch, %d bytes, is below streamBytes (%d)", n*c*h*w*4, streamBytes)
	}
	ds := &Images{Pixels: make([]uint8, n*c*h*w), Labels: make([]uint8, n), C: c, H: h, W: w, NumClasses: 10}
	for i := range ds.Pixels {
		ds.Pixels[i] = uint8(i*7 + i/13)
	}
	for i := range ds.Labels {
		ds.Labels[i] = uint8(i % 10)
	}
	mean := MeanImage(ds)
	l := NewLoader[float32](ds, LoaderConfig{BatchSize: n, Normalize: &mean})
	defer l.Close()
	got := l.Next()
	for want := range Batches[float32](ds, n, &mean) {
		if !slices.Equal(got.Labels, want.Labels) {
			t.Fatalf("labels differ: %v, want %v", got.Labels, want.Labels)
		}
		for j, v := range want.X.Data() {
			if g := got.X.Data()[j]; math.Float32bits(g) != math.Float32bits(v) {
				t.Fatalf("value %d is %v, want %v", j, g, v)
			}
		}
	}
}
