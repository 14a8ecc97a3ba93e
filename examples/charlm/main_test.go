package main

import (
	"bytes"
	"context"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/examples/internal/course"
	"github.com/tapegrad/tapegrad/tensor"
)

// writeText writes a synthetic text of n characters to a file: words from
// a small list, lines of at most 60 characters, a tab and a non-ASCII
// character in the first line.
func writeText(t *testing.T, n int) string {
	t.Helper()
	words := []string{"the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "far", "away."}
	rng := rand.New(rand.NewPCG(9, 9))
	var b strings.Builder
	b.WriteString("caf\u00e9\tbar\n")
	line := 0
	for b.Len() < n {
		w := words[rng.IntN(len(words))]
		if line+len(w) > 60 {
			b.WriteByte('\n')
			line = 0
		} else if line > 0 {
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	path := filepath.Join(t.TempDir(), "text.txt")
	if err := os.WriteFile(path, []byte(b.String()[:n]), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEncodeDecode(t *testing.T) {
	got := Encode([]byte("\n !A~\t\x01\u00e9"))
	want := []int{0, 1, 2, 34, 95, 1, 32, 32, 32} // é is two bytes, each '?'
	if !slices.Equal(got, want) {
		t.Fatalf("Encode = %v, want %v", got, want)
	}
	if s := Decode(got); s != "\n !A~ ???" {
		t.Errorf("Decode = %q", s)
	}
	all := make([]int, 96)
	for i := range all {
		all[i] = i
	}
	if back := Encode([]byte(Decode(all))); !slices.Equal(back, all) {
		t.Errorf("Encode(Decode(0…95)) = %v", back)
	}
}

// TestWindow: the labels are the characters after the inputs, from the
// training split only.
func TestWindow(t *testing.T) {
	ids := make([]int, 50)
	for i := range ids {
		ids[i] = i
	}
	tr, val := split(ids)
	if len(tr) != 45 || len(val) != 5 || val[0] != 45 {
		t.Fatalf("split: %d and %d from %d", len(tr), len(val), val[0])
	}
	x := tensor.New[float32](3, 4)
	labels := make([]int, 12)
	Window(x, labels, tr, rand.New(rand.NewPCG(1, 1)))
	for i, v := range x.Data() {
		if labels[i] != int(v)+1 || labels[i] > 44 {
			t.Fatalf("position %d: input %v, label %d", i, v, labels[i])
		}
	}
}

// TestRun trains a few steps on a synthetic text and checks the output:
// the evaluations, a sample of the requested length and the two final
// lines, a validation loss below the uniform guess (log₂ 96 bits), and the
// files in -out. The same seed gives the same output.
func TestRun(t *testing.T) {
	text := writeText(t, 3000)
	out := t.TempDir()
	args := []string{"-text", text, "-steps", "4", "-batch", "2", "-eval-every", "2", "-lr", "3e-3",
		"-sample-len", "30", "-out", out}
	var stdout bytes.Buffer
	if err := run(context.Background(), args, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	o := stdout.String()
	re := regexp.MustCompile(`(?s)^charlm on .*: 3000 characters, 2700 for training and 300 for validation; .*\n` +
		`step +2: train \d\.\d{4} bpc, validation \d\.\d{4} bpc \(.*\)\n` +
		`step +4: train \d\.\d{4} bpc, validation (\d\.\d{4}) bpc \(.*\)\n` +
		`\nsample \(temperature 0\.8\):\n(.{30})\n\n` +
		`validation bpc: (\d\.\d{4})\ntraining time: \d+\.\d s\n$`)
	m := re.FindStringSubmatch(o)
	if m == nil {
		t.Fatalf("output:\n%s", o)
	}
	if m[1] != m[3] {
		t.Errorf("final validation bpc %s, last evaluation's %s", m[3], m[1])
	}
	if bpc, _ := strconv.ParseFloat(m[3], 64); !(bpc < math.Log2(96)) {
		t.Errorf("validation bpc %v, not below log₂ 96 = %.4f", bpc, math.Log2(96))
	}
	for _, f := range []string{"metrics.csv", "checkpoint.safetensors"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(out, "metrics.csv"))
	if lines := strings.Split(strings.TrimSpace(string(csv)), "\n"); len(lines) != 3 || lines[0] != "step,train_bpc,val_bpc,seconds" {
		t.Errorf("metrics.csv:\n%s", csv)
	}

	var again bytes.Buffer
	args[len(args)-1] = t.TempDir()
	if err := run(context.Background(), args, &again, io.Discard); err != nil {
		t.Fatal(err)
	}
	strip := regexp.MustCompile(`\(\d+\.\d s of training\)|training time: .*`)
	if a, b := strip.ReplaceAllString(o, ""), strip.ReplaceAllString(again.String(), ""); a != b {
		t.Errorf("same seed, other output:\n%s\n---\n%s", a, b)
	}
}

// TestFlags: bad flags and a too-short text end with an error before any
// training, bad flags with status 2.
func TestFlags(t *testing.T) {
	text := writeText(t, 3000)
	short := writeText(t, 1000)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-lr", "NaN"}, 2, "charlm: -lr NaN: want a positive finite number\n"},
		{[]string{"-lr", "-1"}, 2, "charlm: -lr -1: want a positive finite number\n"},
		{[]string{"-steps", "0"}, 2, "charlm: -steps 0: want at least 1\n"},
		{[]string{"-batch", "0"}, 2, "charlm: -batch 0: want at least 1\n"},
		{[]string{"-eval-every", "0"}, 2, "charlm: -eval-every 0: want at least 1\n"},
		{[]string{"-temperature", "0"}, 2, "charlm: -temperature 0: want a positive finite number\n"},
		{[]string{"-sample-len", "-1"}, 2, "charlm: -sample-len -1: want 0 or more\n"},
		{[]string{"-steps", "x"}, 2, "charlm: invalid value \"x\" for flag -steps: parse error\n"},
		{[]string{"extra"}, 2, "charlm: unexpected argument \"extra\": every setting is a flag (-h lists them)\n"},
		{[]string{"-text", short}, 1, "charlm: " + short + ": 1000 characters are too few: want at least 1290, so that both splits hold a window of 129\n"},
		{[]string{"-text", filepath.Join(t.TempDir(), "none")}, 1, ""},
	} {
		args := append([]string{"-text", text, "-steps", "1", "-batch", "1", "-out", t.TempDir()}, c.args...)
		var stdout, stderr bytes.Buffer
		code := course.ExitCode("charlm", run(context.Background(), args, &stdout, &stderr), &stderr)
		if code != c.code || (c.want != "" && stderr.String() != c.want) || stdout.Len() > 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want %d and %q", c.args, code, stderr.String(), stdout.String(), c.code, c.want)
		}
	}
}

// TestInterrupted: a cancelled context (Ctrl-C) stops before the next
// step, saves the weights and returns nil.
func TestInterrupted(t *testing.T) {
	text := writeText(t, 3000)
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout bytes.Buffer
	err := run(ctx, []string{"-text", text, "-steps", "3", "-batch", "1", "-out", out}, &stdout, io.Discard)
	want := "interrupted after step 0; weights saved in " + filepath.Join(out, "checkpoint.safetensors") + "\n"
	if err != nil || !strings.HasSuffix(stdout.String(), want) {
		t.Errorf("error %v, stdout:\n%s", err, stdout.String())
	}
	if _, err := os.Stat(filepath.Join(out, "checkpoint.safetensors")); err != nil {
		t.Error(err)
	}
}
