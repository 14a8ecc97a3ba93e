package data

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

func TestShiftFlip(t *testing.T) {
	// Two 3×3 channels: 1…9 and 11…19.
	src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19}
	tests := []struct {
		name   string
		dy, dx int
		flip   bool
		want   []float32
	}{
		{"identity", 0, 0, false, src},
		{"down-right content moves up-left", 1, 1, false, []float32{
			5, 6, 0, 8, 9, 0, 0, 0, 0,
			15, 16, 0, 18, 19, 0, 0, 0, 0}},
		{"content moves down-right", -1, -1, false, []float32{
			0, 0, 0, 0, 1, 2, 0, 4, 5,
			0, 0, 0, 0, 11, 12, 0, 14, 15}},
		{"flip", 0, 0, true, []float32{
			3, 2, 1, 6, 5, 4, 9, 8, 7,
			13, 12, 11, 16, 15, 14, 19, 18, 17}},
		// out[y][x] = in[y−1][2−x+1]: crop first, then mirror the crop.
		{"crop then flip", -1, 1, true, []float32{
			0, 0, 0, 0, 3, 2, 0, 6, 5,
			0, 0, 0, 0, 13, 12, 0, 16, 15}},
		{"shift out entirely", 3, 0, false, make([]float32, 18)},
	}
	for _, tt := range tests {
		dst := slices.Repeat([]float32{-1}, 18) // every value must be written
		shiftFlip(dst, src, 2, 3, 3, tt.dy, tt.dx, tt.flip)
		if !cmp.Equal(dst, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, dst, tt.want)
		}
	}
}

// whichAugment returns the (dy, dx, flip) with |dy|, |dx| ≤ pad that turns src
// into dst, and false if none does.
func whichAugment(dst, src []float32, shape []int, pad int) (dy, dx int, flip, ok bool) {
	out := make([]float32, len(src))
	for dy := -pad; dy <= pad; dy++ {
		for dx := -pad; dx <= pad; dx++ {
			for _, flip := range []bool{false, true} {
				shiftFlip(out, src, shape[0], shape[1], shape[2], dy, dx, flip)
				if slices.Equal(out, dst) {
					return dy, dx, flip, true
				}
			}
		}
	}
	return 0, 0, false, false
}

func TestAugmentApplyDistribution(t *testing.T) {
	shape := []int{1, 6, 6}
	src := example(seqDataset{n: 1, shape: shape}, 0) // 1…36: no two shifts look alike
	a := Augment{CropPad: 2, HFlip: true}
	const trials = 2500
	counts := map[[2]int]int{}
	flips := 0
	dst := make([]float32, 36)
	for seed := range uint64(trials) {
		a.Apply(dst, src, shape, rand.New(rand.NewPCG(seed, 7)))
		dy, dx, flip, ok := whichAugment(dst, src, shape, 2)
		if !ok {
			t.Fatalf("seed %d: %v is no crop with padding 2 (and flip) of the source", seed, dst)
		}
		counts[[2]int{dy, dx}]++
		if flip {
			flips++
		}
		again := make([]float32, 36)
		a.Apply(again, src, shape, rand.New(rand.NewPCG(seed, 7)))
		if !slices.Equal(again, dst) {
			t.Fatalf("seed %d: two runs with the same source differ", seed)
		}
	}
	// 25 offsets, 100 expected draws each; flips 1250 ± 25 (one standard deviation).
	if len(counts) != 25 {
		t.Errorf("%d distinct offsets drawn, want all 25 of [−2, 2]²: %v", len(counts), counts)
	}
	for off, c := range counts {
		if c < 50 || c > 150 {
			t.Errorf("offset %v drawn %d times in %d, want about 100", off, c, trials)
		}
	}
	if flips < 1150 || flips > 1350 {
		t.Errorf("%d flips in %d, want about 1250", flips, trials)
	}
}

func TestAugmentZeroCopies(t *testing.T) {
	shape := []int{2, 3, 4}
	src := example(seqDataset{n: 1, shape: shape}, 0)
	dst := make([]float32, len(src))
	r := rand.New(rand.NewPCG(1, 2))
	Augment{}.Apply(dst, src, shape, r)
	if !slices.Equal(dst, src) {
		t.Errorf("zero Augment changed the example: %v", dst)
	}
	// It drew nothing: r continues where a fresh source starts.
	if got, want := r.Uint64(), rand.New(rand.NewPCG(1, 2)).Uint64(); got != want {
		t.Errorf("zero Augment drew from its source")
	}
	testutil.MustPanic(t, func() { Augment{HFlip: true}.Apply(dst, src, []int{6, 4}, r) },
		"data: augmentation needs C×H×W examples, got shape [6 4]")
	testutil.MustPanic(t, func() { Augment{CropPad: -1}.Apply(dst, src, shape, r) }, "data: Augment.CropPad is -1")
	testutil.MustPanic(t, func() { Augment{CropPad: 1}.Apply(dst[:23], src, shape, r) },
		"data: Augment.Apply with 24 source and 23 destination values")
}
