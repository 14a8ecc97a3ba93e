package train

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// fakeModel learns nothing but depends on every batch it sees: its "loss"
// is a running checksum, so two runs agree only if they see the same batches
// in the same order. Its state is the checksum.
type fakeModel struct {
	sum      float64
	steps    int
	cancelAt int // cancel at this step (0: never)
	cancel   func()
}

func (m *fakeModel) TrainStep(x *tensor.Tensor[float32], labels []int) (float64, int) {
	m.steps++
	for i, v := range x.Data() {
		m.sum += float64(v) * float64(i%7+1) * 1e-6
	}
	if m.steps == m.cancelAt {
		m.cancel()
	}
	return m.sum, labels[0] % 2
}

func (m *fakeModel) Evaluate(x *tensor.Tensor[float32], labels []int) (float64, int) {
	return m.sum * float64(len(labels)), len(labels) / 2
}

func (m *fakeModel) WriteState(w *safetensors.Writer) {
	safetensors.Add(w, "sum", tensor.FromSlice([]float64{m.sum}).Reshape())
}

func (m *fakeModel) ReadState(f *safetensors.File) error {
	t, err := safetensors.Read[float64](f, "sum")
	if err == nil {
		m.sum = t.Item()
	}
	return err
}

func (m *fakeModel) WriteOptimizerState(*safetensors.Writer)    {}
func (m *fakeModel) ReadOptimizerState(*safetensors.File) error { return nil }

func synthetic(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := WriteSyntheticMNIST(dir, 40, 12, 1); err != nil {
		t.Fatal(err)
	}
	return dir
}

func config(dataDir, out string, steps int) Config {
	return Config{Name: "fake", LR: 1, Steps: steps, Batch: 8, EvalEvery: 3, Dataset: "mnist", DataDir: dataDir, Seed: 5, Out: out}
}

func metrics(t *testing.T, out string) History {
	t.Helper()
	h, err := ReadCSV(filepath.Join(out, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range h {
		h[i].Seconds = 0 // wall time differs between runs
	}
	return h
}

func TestRunWritesEverything(t *testing.T) {
	dir, out := synthetic(t), t.TempDir()
	var stdout bytes.Buffer
	newModel := func([]int, int, *rand.Rand) Model { return &fakeModel{} }
	if err := Run(context.Background(), config(dir, out, 7), newModel, &stdout, nil); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if last := lines[len(lines)-1]; !regexp.MustCompile(`^test accuracy: \d\.\d{4}$`).MatchString(last) {
		t.Errorf("last line %q", last)
	}
	if got := len(metrics(t, out)); got != 3 { // steps 3, 6 and the last, 7
		t.Errorf("%d evaluations, want 3", got)
	}
	for _, f := range []string{"metrics.csv", "loss.png", "accuracy.png", "checkpoint.safetensors", "checkpoint.optim.safetensors"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// Interrupting saves a checkpoint; resuming from it draws exactly the curve
// of an uninterrupted run.
func TestInterruptAndResumeContinueTheCurve(t *testing.T) {
	dir := synthetic(t)
	straight := t.TempDir()
	if err := Run(context.Background(), config(dir, straight, 10), func([]int, int, *rand.Rand) Model { return &fakeModel{} }, &bytes.Buffer{}, nil); err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout bytes.Buffer
	interrupted := func([]int, int, *rand.Rand) Model { return &fakeModel{cancelAt: 5, cancel: cancel} }
	if err := Run(ctx, config(dir, out, 10), interrupted, &stdout, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "interrupted after step 5") {
		t.Fatalf("output:\n%s", stdout.String())
	}
	c := config(dir, out, 10)
	c.Resume = filepath.Join(out, "checkpoint.safetensors")
	if err := Run(context.Background(), c, func([]int, int, *rand.Rand) Model { return &fakeModel{} }, &bytes.Buffer{}, nil); err != nil {
		t.Fatal(err)
	}
	want, got := metrics(t, straight), metrics(t, out)
	if len(got) != len(want) {
		t.Fatalf("resumed run has %d evaluations, straight %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("evaluation %d: resumed %+v, straight %+v", i, got[i], want[i])
		}
	}
}

func TestResumeRefusesAnotherRun(t *testing.T) {
	dir, out := synthetic(t), t.TempDir()
	newModel := func([]int, int, *rand.Rand) Model { return &fakeModel{} }
	if err := Run(context.Background(), config(dir, out, 3), newModel, &bytes.Buffer{}, nil); err != nil {
		t.Fatal(err)
	}
	c := config(dir, out, 6)
	c.Seed, c.Resume = 6, filepath.Join(out, "checkpoint.safetensors")
	if err := Run(context.Background(), c, newModel, &bytes.Buffer{}, nil); err == nil || !strings.Contains(err.Error(), `seed "5", this run has "6"`) {
		t.Errorf("err = %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Steps = 0 }, "-steps"},
		{func(c *Config) { c.Batch = 0 }, "-batch"},
		{func(c *Config) { c.LR = 0 }, "-lr"},
		{func(c *Config) { c.Dataset = "imagenet" }, `unknown -dataset "imagenet"`},
		{func(c *Config) { c.DataDir = "" }, "-dataset mnist needs -data DIR"},
	} {
		cfg := config(t.TempDir(), t.TempDir(), 3)
		c.change(&cfg)
		err := Run(context.Background(), cfg, func([]int, int, *rand.Rand) Model { return &fakeModel{} }, &bytes.Buffer{}, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want one containing %q", err, c.want)
		}
	}
}

func TestParseSizes(t *testing.T) {
	if got, err := ParseSizes("100, 50"); err != nil || len(got) != 2 || got[0] != 100 || got[1] != 50 {
		t.Errorf("ParseSizes(\"100, 50\") = %v, %v", got, err)
	}
	if got, err := ParseSizes(""); err != nil || got != nil {
		t.Errorf("ParseSizes(\"\") = %v, %v", got, err)
	}
	if _, err := ParseSizes("100,0"); err == nil {
		t.Error("ParseSizes accepted a zero size")
	}
}
