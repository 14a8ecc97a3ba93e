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
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args(straight, steps), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	// stderr is no terminal here: progress comes as plain lines.
	if strings.ContainsRune(stderr.String(), '\r') {
		t.Errorf("progress on a non-terminal has carriage returns:\n%q", stderr.String())
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
	// Ctrl-C (a cancelled context) saves a checkpoint and exits 0.
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	stdout.Reset()
	interrupted := t.TempDir()
	err := run(cancelled, args(interrupted, steps), &stdout, io.Discard)
	if code := course.ExitCode("trainer", err, io.Discard); code != 0 ||
		!strings.Contains(stdout.String(), "interrupted after step 0; checkpoint saved in "+filepath.Join(interrupted, "checkpoint.safetensors")) ||
		!strings.HasSuffix(stdout.String(), "resume with -resume "+filepath.Join(interrupted, "checkpoint.safetensors")+"\n") {
		t.Errorf("interrupted: exit %d (%v), stdout:\n%s", code, err, stdout.String())
	}
	// Resuming with another recipe is refused.
	err = run(context.Background(), args(t.TempDir(), steps, "-resume", checkpoint, "-batch", "4"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "was made with -batch 8, this run has -batch 4") {
		t.Errorf("resuming with another -batch: %v", err)
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

// Flags checks that a trainer validates its flags before it trains: a bad
// value ends it with exit status 2 and one line on stderr naming the flag,
// without a line of training on stdout, and -h exits 0. extra holds the
// trainer's own flags.
func Flags(t *testing.T, name string, run Run, extra ...string) {
	t.Helper()
	data := t.TempDir()
	if err := course.WriteSyntheticMNIST(data, 48, 20, 1); err != nil {
		t.Fatal(err)
	}
	blocked := t.TempDir() // an -out whose checkpoint path is taken by a directory
	if err := os.Mkdir(filepath.Join(blocked, "checkpoint.safetensors"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string // stderr, or its first line for -h
	}{
		{[]string{"-lr", "NaN"}, 2, name + ": -lr NaN: want a positive finite number\n"},
		{[]string{"-lr", "Inf"}, 2, name + ": -lr +Inf: want a positive finite number\n"},
		{[]string{"-lr", "-0.1"}, 2, name + ": -lr -0.1: want a positive finite number\n"},
		{[]string{"-steps", "0"}, 2, name + ": -steps 0: want at least 1\n"},
		{[]string{"-eval-every", "0"}, 2, name + ": -eval-every 0: want at least 1\n"},
		{[]string{"-batch", "49"}, 2, name + ": -batch 49 is larger than the training set (48 images)\n"},
		{[]string{"-dataset", "imagenet"}, 2, name + ": unknown -dataset \"imagenet\": want cifar10, fashion-mnist or mnist\n"},
		{[]string{"-out", blocked}, 2, name + ": train: output " + filepath.Join(blocked, "checkpoint.safetensors") + " exists and is not a regular file\n"},
		{[]string{"-resume", filepath.Join(blocked, "none.safetensors")}, 2, name + ": train: resuming needs "},
		{[]string{"extra"}, 2, name + ": unexpected argument \"extra\": every setting is a flag (-h lists them)\n"},
		{[]string{"-h"}, 0, "Usage of " + name + ":\n"},
	} {
		code, stdout, stderr := exit(t, name, run, data, append(extra, c.args...))
		got := stderr
		if c.code == 0 || strings.HasSuffix(c.want, " ") {
			got = got[:min(len(got), len(c.want))]
		}
		if code != c.code || got != c.want {
			t.Errorf("%v: exit %d with stderr %q, want %d and %q", c.args, code, stderr, c.code, c.want)
		}
		if c.code != 0 && strings.Contains(stdout, "step") {
			t.Errorf("%v: trained before failing:\n%s", c.args, stdout)
		}
	}
}

// BadFlag checks that the trainer refuses args, which hold a trainer's own
// flag, with exit status 2 and the one line want on stderr.
func BadFlag(t *testing.T, name string, run Run, args []string, want string) {
	t.Helper()
	data := t.TempDir()
	if err := course.WriteSyntheticMNIST(data, 48, 20, 1); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := exit(t, name, run, data, args); code != 2 || stderr != want+"\n" {
		t.Errorf("%v: exit %d with stderr %q, want 2 and %q", args, code, stderr, want)
	}
}

// exit runs the trainer for 2 steps on the synthetic data in data, into a
// fresh -out, with args after the others, and returns its exit status and
// output.
func exit(t *testing.T, name string, run Run, data string, args []string) (code int, stdout, stderr string) {
	t.Helper()
	all := append([]string{"-dataset", "mnist", "-data", data, "-out", t.TempDir(), "-steps", "2", "-batch", "8"}, args...)
	var out, errs bytes.Buffer
	code = course.ExitCode(name, run(context.Background(), all, &out, &errs), &errs)
	return code, out.String(), errs.String()
}

// Diverges trains with a learning rate so large that the loss overflows,
// and checks that the trainer stops with an error naming the step and the
// loss, before writing any checkpoint of the bad steps.
func Diverges(t *testing.T, name string, run Run, extra ...string) {
	t.Helper()
	data := t.TempDir()
	if err := course.WriteSyntheticMNIST(data, 48, 20, 1); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	args := append([]string{"-dataset", "mnist", "-data", data, "-out", out, "-steps", "30", "-eval-every", "30", "-batch", "8", "-lr", "1e30"}, extra...)
	var stderr bytes.Buffer
	err := run(context.Background(), args, io.Discard, io.Discard)
	code := course.ExitCode(name, err, &stderr)
	if re := regexp.MustCompile(`^` + name + `: train: the training loss is (NaN|\+Inf) at step \d+; stopped without saving \(no checkpoint was written\)`); code != 1 || !re.MatchString(stderr.String()) {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "checkpoint.safetensors")); err == nil {
		t.Error("a checkpoint was written")
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
