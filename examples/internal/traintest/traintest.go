// Package traintest runs a trainer end to end on tiny synthetic data, for
// the trainers' tests.
package traintest

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/examples/internal/course"
	"github.com/tapegrad/tapegrad/train"
)

// Run is a trainer's entry point: its flags in args.
type Run func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// EndToEnd trains with run on a synthetic MNIST-format data set, checks that
// it wrote its curves, plots and checkpoint and ended with the test
// accuracy, then checks that stopping halfway and resuming from the
// checkpoint gives the same curve as running straight through. extra holds
// the trainer's own flags.
func EndToEnd(t *testing.T, run Run, steps int, extra ...string) {
	t.Helper()
	data := t.TempDir()
	if err := course.WriteSyntheticMNIST(data, 48, 20, 1); err != nil {
		t.Fatal(err)
	}
	common := append([]string{"-dataset", "mnist", "-data", data, "-batch", "8", "-eval-every", "2", "-seed", "7"}, extra...)
	args := func(out string, steps int, more ...string) []string {
		return append(append(append([]string{}, common...), "-out", out, "-steps", strconv.Itoa(steps)), more...)
	}

	straight := t.TempDir()
	var stdout bytes.Buffer
	if err := run(context.Background(), args(straight, steps), &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if last := lines[len(lines)-1]; !regexp.MustCompile(`^test accuracy: \d\.\d{4}$`).MatchString(last) {
		t.Errorf("last line %q, want \"test accuracy: 0.xxxx\"\n%s", last, stdout.String())
	}
	for _, f := range []string{"metrics.csv", "loss.png", "accuracy.png", "checkpoint.safetensors", "checkpoint.optim.safetensors"} {
		if st, err := os.Stat(filepath.Join(straight, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}

	resumed := t.TempDir()
	if err := run(context.Background(), args(resumed, steps/2), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	checkpoint := filepath.Join(resumed, "checkpoint.safetensors")
	if err := run(context.Background(), args(resumed, steps, "-resume", checkpoint), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	want, got := curve(t, straight), curve(t, resumed)
	if len(want) != len(got) {
		t.Fatalf("resumed run has %d evaluations, straight %d", len(got), len(want))
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("evaluation %d: resumed %+v, straight %+v", i, got[i], want[i])
		}
	}
}

// curve reads metrics.csv without the wall time.
func curve(t *testing.T, out string) train.History {
	t.Helper()
	h, err := train.ReadCSV(filepath.Join(out, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range h {
		h[i].Seconds = 0
	}
	return h
}
