package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/tapegrad/tapegrad/examples/internal/course"
	"github.com/tapegrad/tapegrad/examples/internal/traintest"
	"github.com/tapegrad/tapegrad/train"
)

func TestEndToEnd(t *testing.T) {
	traintest.EndToEnd(t, run, 4, "-t-max", "4", "-width", "4")
}

func TestFlags(t *testing.T) {
	traintest.Flags(t, "resnet", run, "-width", "4")
}

func TestBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-depth", "10"}, "resnet: -depth 10: want 6n+2 with n ≥ 1 (8, 14, 20, …)"},
		{[]string{"-depth", "2"}, "resnet: -depth 2: want 6n+2 with n ≥ 1 (8, 14, 20, …)"},
		{[]string{"-width", "0"}, "resnet: -width 0: want at least 1"},
		{[]string{"-momentum", "1"}, "resnet: -momentum 1: want a number in [0, 1)"},
		{[]string{"-momentum", "NaN"}, "resnet: -momentum NaN: want a number in [0, 1)"},
		{[]string{"-weight-decay", "-1e-4"}, "resnet: -weight-decay -0.0001: want a finite number ≥ 0"},
		{[]string{"-weight-decay", "Inf"}, "resnet: -weight-decay +Inf: want a finite number ≥ 0"},
		{[]string{"-crop-pad", "-2"}, "resnet: -crop-pad -2: want at least 0, or -1 for the data set's default"},
		{[]string{"-t-max", "-1"}, "resnet: -t-max -1: want at least 0"},
		{[]string{"-depth", "x"}, "resnet: invalid value \"x\" for flag -depth: parse error"},
	} {
		traintest.BadFlag(t, "resnet", run, c.args, c.want)
	}
}

func TestDiverges(t *testing.T) {
	traintest.Diverges(t, "resnet", run, "-width", "4", "-t-max", "0", "-momentum", "0")
}

// TestRecipeFlags checks that the crop, the flip, the schedule, momentum,
// weight decay and the depth reach the training: each changes the test
// loss after two steps from the same seed.
func TestRecipeFlags(t *testing.T) {
	dataDir := t.TempDir()
	if err := course.WriteSyntheticMNIST(dataDir, 48, 20, 1); err != nil {
		t.Fatal(err)
	}
	testLoss := func(args ...string) float64 {
		t.Helper()
		out := t.TempDir()
		all := append([]string{"-dataset", "mnist", "-data", dataDir, "-out", out, "-steps", "2", "-batch", "8",
			"-width", "4", "-t-max", "2", "-seed", "3"}, args...)
		if err := run(context.Background(), all, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		h, err := train.ReadCSV(filepath.Join(out, train.MetricsFile))
		if err != nil {
			t.Fatal(err)
		}
		return h[len(h)-1].TestLoss
	}
	base := testLoss()
	if again := testLoss(); again != base {
		t.Fatalf("the same run twice: test loss %v, then %v", base, again)
	}
	for _, args := range [][]string{
		{"-crop-pad", "0"}, {"-crop-pad", "4"}, {"-hflip=false"}, {"-t-max", "0"},
		{"-momentum", "0"}, {"-weight-decay", "0.1"}, {"-depth", "14"},
	} {
		if got := testLoss(args...); got == base {
			t.Errorf("%v: test loss %v, the same as without it", args, got)
		}
	}
}
