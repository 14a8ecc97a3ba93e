package data

import (
	"github.com/tapegrad/tapegrad/internal/testutil"
	"slices"
	"testing"
)

func TestBatches(t *testing.T) {
	ds := seqDataset{n: 10, shape: []int{1, 1, 2}}
	norm := Normalization{Mean: []float32{1, 2}}
	var labels [][]int
	var values []float32
	for b := range Batches[float32](ds, 4, &norm) {
		if b.Step != len(labels) || b.Epoch != 0 {
			t.Errorf("batch %d: Step %d Epoch %d, want %d 0", len(labels), b.Step, b.Epoch, len(labels))
		}
		if want := []int{len(b.Labels), 1, 1, 2}; !slices.Equal(b.X.Shape(), want) {
			t.Errorf("batch %d: X shape %v, want %v", len(labels), b.X.Shape(), want)
		}
		labels = append(labels, b.Labels)
		values = append(values, b.X.Data()...)
	}
	want := [][]int{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}
	if len(labels) != 3 || !slices.Equal(labels[0], want[0]) || !slices.Equal(labels[1], want[1]) || !slices.Equal(labels[2], want[2]) {
		t.Errorf("labels %v, want %v", labels, want)
	}
	// Example i is 1000i+1, 1000i+2; minus the mean pixel (1, 2): 1000i, 1000i.
	for i := range 10 {
		if values[2*i] != float32(1000*i) || values[2*i+1] != float32(1000*i) {
			t.Fatalf("example %d normalized to %v, want [%d %d]", i, values[2*i:2*i+2], 1000*i, 1000*i)
		}
	}

	// Raw values, float64, stopping early.
	n := 0
	for b := range Batches[float64](ds, 3, nil) {
		if b.X.Data()[0] != float64(1000*3*n+1) {
			t.Errorf("raw batch %d starts with %v, want %d", n, b.X.Data()[0], 1000*3*n+1)
		}
		n++
		if n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("break after 2 batches: saw %d", n)
	}

	testutil.MustPanic(t, func() { Batches[float32](ds, 0, nil) }, "data: batch size 0")
	testutil.MustPanic(t, func() { Batches[float32](ds, 2, &Normalization{Mean: make([]float32, 3)}) },
		"data: normalization with 3 means")
}

func TestStreamsArePure(t *testing.T) {
	if !slices.Equal(permutation(7, 3, 50), permutation(7, 3, 50)) {
		t.Error("permutation(7, 3) differs between calls")
	}
	if slices.Equal(permutation(7, 3, 50), permutation(7, 4, 50)) || slices.Equal(permutation(7, 3, 50), permutation(8, 3, 50)) {
		t.Error("permutations of different keys coincide")
	}
	a, b := augRand(7, 3, 2).Uint64(), augRand(7, 3, 2).Uint64()
	if a != b {
		t.Error("augRand(7, 3, 2) differs between calls")
	}
	if a == augRand(7, 3, 3).Uint64() || a == augRand(7, 2, 3).Uint64() || a == stream(7, tagPerm, 3, 2).Uint64() {
		t.Error("augmentation streams of different keys coincide")
	}
}
