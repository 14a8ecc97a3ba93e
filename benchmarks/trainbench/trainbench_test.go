package trainbench

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestImages(t *testing.T) {
	a := Images(rand.New(rand.NewPCG(1, 2)), 7, 3, 4, 5)
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if a.Len() != 7 || !slices.Equal(a.Shape(), []int{3, 4, 5}) || a.Classes() != Classes {
		t.Errorf("Images: %d images of %v, %d classes; want 7 of [3 4 5], %d", a.Len(), a.Shape(), a.Classes(), Classes)
	}
	seen := map[uint8]bool{}
	for _, v := range a.Pixels {
		seen[v] = true
	}
	if len(seen) < 150 { // 420 uniform draws from 256 values: about 206 distinct
		t.Errorf("the 420 pixels take %d distinct values, want about 206 of uniform draws", len(seen))
	}
	if tail := a.Pixels[416:]; tail[0] == 0 && tail[1] == 0 && tail[2] == 0 && tail[3] == 0 {
		t.Error("the last pixels, past the last multiple of 8, are all 0")
	}
	b := Images(rand.New(rand.NewPCG(1, 2)), 7, 3, 4, 5)
	if !slices.Equal(a.Pixels, b.Pixels) || !slices.Equal(a.Labels, b.Labels) {
		t.Error("Images differ for the same seed")
	}
}

// TestFitPaired checks that FitPaired takes its steps in chunks, calling
// the other step once per training step, and that both sides get time.
func TestFitPaired(t *testing.T) {
	tr := NewMLP(rand.New(rand.NewPCG(1, 2)), 1, 6, 6)
	if got := tr.Options.Data.BatchSize; got != 200 {
		t.Fatalf("batch %d, want the course's 200", got)
	}
	calls := 0
	p, err := tr.FitPaired(6, 3, func() { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 6 {
		t.Errorf("other was called %d times in 6 steps, want 6", calls)
	}
	if p.TrainerWall <= 0 || p.OtherWall <= 0 {
		t.Errorf("wall times %v and %v, want both positive", p.TrainerWall, p.OtherWall)
	}
	sec, err := tr.Fit(2)
	if err != nil || !(sec > 0) {
		t.Errorf("Fit(2) = %v, %v: want a positive training time", sec, err)
	}
}

// TestNewConvNetIn checks that the ConvNet trainer takes the shape it is
// given (Fashion-MNIST's 1×28×28, whose planes W2's CIFAR-10 shape does not
// have) and the course's batch, and that it trains.
func TestNewConvNetIn(t *testing.T) {
	tr := NewConvNetIn(rand.New(rand.NewPCG(1, 2)), 1, 28, 28)
	if got := tr.Train.Shape(); !slices.Equal(got, []int{1, 28, 28}) {
		t.Errorf("training images of %v, want [1 28 28]", got)
	}
	if got := tr.Options.Data.BatchSize; got != 32 {
		t.Errorf("batch %d, want the course's 32", got)
	}
	if got := tr.Train.Len(); got != FashionMNISTImages {
		t.Errorf("%d training images, want Fashion-MNIST's %d", got, FashionMNISTImages)
	}
	if sec, err := tr.Fit(1); err != nil || !(sec > 0) {
		t.Errorf("Fit(1) = %v, %v: want a positive training time", sec, err)
	}
}
