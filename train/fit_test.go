package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

func options(dir string, steps int) Options {
	return Options{Name: "fake", Steps: steps, EvalEvery: 3, Dir: dir,
		Data: data.LoaderConfig{BatchSize: 8, Shuffle: true, Seed: 5}}
}

// noSeconds returns h without its wall times, which differ between runs.
func noSeconds(h History) History {
	h = append(History(nil), h...)
	for i := range h {
		h[i].Seconds = 0
	}
	return h
}

// TestFitEvaluatesAndWritesMetrics checks the evaluation cadence (every
// EvalEvery steps and after the last), the train columns as means over
// each interval, the log lines, and that metrics.csv holds exactly the
// History Fit returns.
func TestFitEvaluatesAndWritesMetrics(t *testing.T) {
	dir := t.TempDir()
	m := &fakeModel{losses: map[int]float64{1: 1, 2: 2, 3: 6, 4: 4, 5: 4, 6: 4, 7: 0.5}}
	var log bytes.Buffer
	o := options(dir, 7)
	o.Log = &log
	h, err := Fit(context.Background(), Model[float32](m), blocks(40, 1), blocks(10, 2), o)
	if err != nil {
		t.Fatal(err)
	}
	// The fake's losses are its table's; each step counts 1 correct of 8.
	want := []struct {
		step      int
		trainLoss float64
	}{{3, 3}, {6, 4}, {7, 0.5}}
	if len(h) != len(want) {
		t.Fatalf("%d evaluations, want %d: %+v", len(h), len(want), h)
	}
	for i, w := range want {
		if h[i].Step != w.step || h[i].TrainLoss != w.trainLoss || h[i].TrainAcc != 1.0/8 || h[i].TestAcc != 0.5 {
			t.Errorf("evaluation %d: %+v, want step %d, train loss %v, train accuracy 0.125, test accuracy 0.5", i, h[i], w.step, w.trainLoss)
		}
	}
	if h[2].Seconds < h[1].Seconds || h[1].Seconds < h[0].Seconds || h[0].Seconds <= 0 {
		t.Errorf("seconds do not grow: %+v", h)
	}
	csv, err := ReadCSV(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(csv) != fmt.Sprint(h) {
		t.Errorf("metrics.csv holds\n%+v\nFit returned\n%+v", csv, h)
	}
	lines := regexp.MustCompile(`(?m)^step +(\d+)  train loss`).FindAllStringSubmatch(log.String(), -1)
	if len(lines) != 3 || lines[0][1] != "3" || lines[2][1] != "7" {
		t.Errorf("log:\n%s", log.String())
	}
	for _, f := range []string{MetricsFile, LossPlot, AccuracyPlot, CheckpointFile, OptimizerPath(CheckpointFile)} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// No evaluation but the last with EvalEvery 0.
	o = options("", 5)
	o.EvalEvery = 0
	if h, err := Fit(context.Background(), Model[float32](&fakeModel{}), blocks(40, 1), blocks(10, 2), o); err != nil || len(h) != 1 || h[0].Step != 5 {
		t.Errorf("EvalEvery 0: %+v, %v", h, err)
	}
}

// twoLayers builds the Classifier TestFitResumesBitForBit trains.
func twoLayers() *Classifier[float32] {
	m := nn.NewMLP(nn.MLPConfig[float32]{Inputs: 16, Hidden: []int{6}, Classes: 2}, rand.New(rand.NewPCG(7, 7)))
	opt, err := NewOptimizer("adam", nn.Params[float32](m), 0.01)
	if err != nil {
		panic(err)
	}
	return &Classifier[float32]{Model: m, Optimizer: opt, Flatten: true}
}

// tensors reads every tensor of a safetensors file.
func tensors(t *testing.T, path string) map[string]*tensor.Tensor[float32] {
	t.Helper()
	f, err := safetensors.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]*tensor.Tensor[float32]{}
	for _, name := range f.Names() {
		if out[name], err = safetensors.Read[float32](f, name); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestFitResumesBitForBit cancels a run after step 5 and resumes it: it
// returns the context's error having saved a checkpoint, and the resumed
// run ends with the curve, weights and Adam state of a run that never
// stopped, to the bit.
func TestFitResumesBitForBit(t *testing.T) {
	trainSet, valSet := blocks(40, 1), blocks(10, 2)
	norm := data.MeanImage(trainSet)
	opts := func(dir string) Options {
		o := options(dir, 10)
		o.Data.Normalize = &norm
		o.Recipe = map[string]string{"lr": "0.01"}
		return o
	}
	straight := t.TempDir()
	want, err := Fit(context.Background(), Model[float32](twoLayers()), trainSet, valSet, opts(straight))
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	o := opts(dir)
	var log bytes.Buffer
	o.Log = &log
	o.AfterStep = func(s StepInfo) error {
		if s.Step == 5 {
			cancel()
		}
		return nil
	}
	if _, err := Fit(ctx, Model[float32](twoLayers()), trainSet, valSet, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Fit returned %v, want context.Canceled", err)
	}
	if !strings.Contains(log.String(), "interrupted after step 5; checkpoint saved in "+filepath.Join(dir, CheckpointFile)) {
		t.Errorf("log:\n%s", log.String())
	}
	o = opts(dir)
	o.Resume = filepath.Join(dir, CheckpointFile)
	o.Log = &log
	got, err := Fit(context.Background(), Model[float32](twoLayers()), trainSet, valSet, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "resuming fake from step 5 of ") {
		t.Errorf("log:\n%s", log.String())
	}
	if fmt.Sprint(noSeconds(got)) != fmt.Sprint(noSeconds(want)) {
		t.Errorf("resumed curve\n%+v\nstraight\n%+v", got, want)
	}
	for _, name := range []string{CheckpointFile, OptimizerPath(CheckpointFile)} {
		a, b := tensors(t, filepath.Join(straight, name)), tensors(t, filepath.Join(dir, name))
		if len(a) == 0 || len(a) != len(b) {
			t.Fatalf("%s: %d tensors straight, %d resumed", name, len(a), len(b))
		}
		for k, v := range a {
			if b[k] == nil || !tensor.EqualShapes(v.Shape(), b[k].Shape()) || tensor.MaxAbsDiff(v, b[k]) != 0 {
				t.Errorf("%s: %s differs between the straight and the resumed run", name, k)
			}
		}
	}
}

// TestFitStopsOnNaN: a loss that turns NaN stops Fit at once, naming the
// step, and leaves the last evaluation's checkpoint and metrics as they
// were.
func TestFitStopsOnNaN(t *testing.T) {
	dir := t.TempDir()
	files := []string{CheckpointFile, OptimizerPath(CheckpointFile), MetricsFile}
	saved := map[string][]byte{}
	o := options(dir, 10)
	o.AfterEval = func(p Point) error {
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				return err
			}
			saved[f] = b
		}
		return nil
	}
	m := &fakeModel{losses: map[int]float64{5: math.NaN()}}
	h, err := Fit(context.Background(), Model[float32](m), blocks(40, 1), blocks(10, 2), o)
	if err == nil || !strings.Contains(err.Error(), "train: the training loss is NaN at step 5; stopped without saving (the checkpoint of step 3 in "+dir+" is kept as it was)") {
		t.Fatalf("err = %v", err)
	}
	if len(h) != 1 || h[0].Step != 3 {
		t.Errorf("history %+v, want the evaluation of step 3", h)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || !bytes.Equal(b, saved[f]) {
			t.Errorf("%s changed after the NaN (%v)", f, err)
		}
	}
	if m.steps != 5 {
		t.Errorf("the model took %d steps, want 5", m.steps)
	}
	m = &fakeModel{losses: map[int]float64{2: math.Inf(1)}}
	if _, err := Fit(context.Background(), Model[float32](m), blocks(40, 1), blocks(10, 2), options("", 10)); err == nil ||
		!strings.Contains(err.Error(), "the training loss is +Inf at step 2; stopped without saving (no checkpoint was written)") {
		t.Errorf("err = %v", err)
	}
}

// run3 runs the fake for steps into dir with EvalEvery 3.
func run3(t *testing.T, dir string, steps int, change func(*Options)) error {
	t.Helper()
	o := options(dir, steps)
	if change != nil {
		change(&o)
	}
	_, err := Fit(context.Background(), Model[float32](&fakeModel{}), blocks(40, 1), blocks(10, 2), o)
	return err
}

// TestResumeRefusesMismatchedPair: an optimizer file of another step than
// its model file is refused.
func TestResumeRefusesMismatchedPair(t *testing.T) {
	dir := t.TempDir()
	if err := run3(t, dir, 3, nil); err != nil {
		t.Fatal(err)
	}
	opath := filepath.Join(dir, OptimizerPath(CheckpointFile))
	old, err := os.ReadFile(opath)
	if err != nil {
		t.Fatal(err)
	}
	resume := func(o *Options) { o.Resume = filepath.Join(dir, CheckpointFile) }
	if err := run3(t, dir, 6, resume); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(opath, old, 0o644); err != nil {
		t.Fatal(err)
	}
	err = run3(t, dir, 9, resume)
	want := fmt.Sprintf("checkpoint %s is at step 6 but its optimizer state %s is at step \"3\": the two were not saved together", filepath.Join(dir, CheckpointFile), opath)
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

// TestResumeRefusesAnotherRecipe: resuming with another batch size, seed,
// name or recipe entry is refused, naming the setting.
func TestResumeRefusesAnotherRecipe(t *testing.T) {
	dir := t.TempDir()
	if err := run3(t, dir, 3, func(o *Options) { o.Recipe = map[string]string{"lr": "0.1"} }); err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join(dir, CheckpointFile)
	for _, c := range []struct {
		change func(*Options)
		want   string
	}{
		{func(o *Options) { o.Data.BatchSize = 4 }, "was made with batch 8, this run has batch 4"},
		{func(o *Options) { o.Data.Seed = 6 }, "was made with seed 5, this run has seed 6"},
		{func(o *Options) { o.Recipe["lr"] = "0.2" }, "was made with lr 0.1, this run has lr 0.2"},
		{func(o *Options) { o.Recipe = nil }, "was made with lr 0.1, this run has lr "},
		{func(o *Options) { o.Name = "other" }, `was made by "fake", this run is "other"`},
	} {
		err := run3(t, t.TempDir(), 6, func(o *Options) {
			o.Recipe = map[string]string{"lr": "0.1"}
			o.Resume = ckpt
			c.change(o)
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want one containing %q", err, c.want)
		}
	}
}

// TestCheckOutputs: Check finds an output directory Fit could not write
// before anything runs.
func TestCheckOutputs(t *testing.T) {
	blocked := t.TempDir()
	if err := os.Mkdir(filepath.Join(blocked, CheckpointFile), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir, want string
	}{
		{blocked, "train: output " + filepath.Join(blocked, CheckpointFile) + " exists and is not a regular file"},
		{filepath.Join(file, "out"), "train: output directory: mkdir " + file + ": not a directory"},
	} {
		o := options(c.dir, 3)
		if err := o.Check(); err == nil || err.Error() != c.want {
			t.Errorf("Check() = %v, want %s", err, c.want)
		}
	}
	readOnly := t.TempDir()
	if err := os.Chmod(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	o := options(readOnly, 3)
	if f, err := os.CreateTemp(readOnly, "probe"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Log("a read-only directory is writable here (running as root?): its case is skipped")
	} else if err := o.Check(); err == nil || !strings.Contains(err.Error(), "train: output directory "+readOnly+" is not writable") {
		t.Errorf("Check() = %v for a read-only directory", err)
	}
	for _, c := range []struct {
		change func(*Options)
		want   string
	}{
		{func(o *Options) { o.Steps = 0 }, "train: 0 steps: want at least 1"},
		{func(o *Options) { o.Data.BatchSize = 0 }, "train: batch size 0: want at least 1"},
		{func(o *Options) { o.EvalEvery = -1 }, "train: evaluation every -1 steps"},
		{func(o *Options) { o.Resume = filepath.Join(file, "none.safetensors") }, "train: resuming needs"},
	} {
		o := options("", 3)
		c.change(&o)
		if err := o.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Check() = %v, want %q", err, c.want)
		}
	}
}

// TestFitSchedule: the schedule sets the learning rate of every step,
// resumed runs included, and needs a model that takes one.
func TestFitSchedule(t *testing.T) {
	dir := t.TempDir()
	m := &lrModel{}
	var seen []float64
	o := options(dir, 4)
	o.Schedule = func(s int) float64 { return 1 / float64(s+1) }
	o.AfterStep = func(s StepInfo) error { seen = append(seen, s.LR); return nil }
	if _, err := Fit(context.Background(), Model[float32](m), blocks(40, 1), blocks(10, 2), o); err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 0.5, 1.0 / 3, 0.25}
	if fmt.Sprint(m.lr) != fmt.Sprint(want) || fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("SetLR got %v, StepInfo.LR %v, want %v", m.lr, seen, want)
	}
	m = &lrModel{}
	o.Steps, o.Resume, o.AfterStep = 6, filepath.Join(dir, CheckpointFile), nil
	if _, err := Fit(context.Background(), Model[float32](m), blocks(40, 1), blocks(10, 2), o); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(m.lr) != fmt.Sprint([]float64{0.2, 1.0 / 6}) {
		t.Errorf("resumed at step 4: SetLR got %v", m.lr)
	}
	o.Resume = ""
	if _, err := Fit(context.Background(), Model[float32](&fakeModel{}), blocks(40, 1), blocks(10, 2), o); err == nil ||
		err.Error() != "train: a Schedule needs a Model with SetLR; *train.fakeModel has none" {
		t.Errorf("err = %v", err)
	}
}

// TestFitErrStop: a callback's ErrStop ends training as if the steps were
// done: evaluated, saved, no error.
func TestFitErrStop(t *testing.T) {
	dir := t.TempDir()
	o := options(dir, 100)
	o.AfterStep = func(s StepInfo) error {
		if s.Step == 4 {
			return ErrStop
		}
		return nil
	}
	h, err := Fit(context.Background(), Model[float32](&fakeModel{}), blocks(40, 1), blocks(10, 2), o)
	if err != nil || len(h) != 2 || h[0].Step != 3 || h[1].Step != 4 {
		t.Fatalf("Fit = %+v, %v; want evaluations at 3 and 4", h, err)
	}
	if csv, err := ReadCSV(filepath.Join(dir, MetricsFile)); err != nil || len(csv) != 2 {
		t.Errorf("metrics.csv: %+v, %v", csv, err)
	}
	// Stopped at an evaluation step, the evaluation is a full interval's.
	o.AfterStep = func(s StepInfo) error {
		if s.Step == 6 {
			return ErrStop
		}
		return nil
	}
	h, err = Fit(context.Background(), Model[float32](&fakeModel{}), blocks(40, 1), blocks(10, 2), o)
	if err != nil || len(h) != 2 || h[1].Step != 6 {
		t.Fatalf("Fit = %+v, %v; want evaluations at 3 and 6", h, err)
	}
	if s, err := loadCheckpoint(filepath.Join(dir, CheckpointFile), "fake", map[string]string{"batch": "8", "eval-every": "3", "seed": "5", "shuffle": "true"}, Model[float32](&fakeModel{})); err != nil ||
		s.Step != 6 || len(s.History) != 2 || s.Interval != (interval{}) {
		t.Errorf("checkpoint after ErrStop at 6: %+v, %v", s, err)
	}
	boom := errors.New("boom")
	o.AfterStep = nil
	o.AfterEval = func(Point) error { return boom }
	if _, err := Fit(context.Background(), Model[float32](&fakeModel{}), blocks(40, 1), blocks(10, 2), o); err != boom {
		t.Errorf("err = %v, want the callback's", err)
	}
}

// TestFitProgressLines: progress to a writer that is not a terminal is
// plain lines, never carriage returns.
func TestFitProgressLines(t *testing.T) {
	var progress bytes.Buffer
	o := options("", 5)
	o.Progress, o.ProgressEvery = &progress, 1 // a line every step
	if _, err := Fit(context.Background(), Model[float32](&fakeModel{}), blocks(40, 1), blocks(10, 2), o); err != nil {
		t.Fatal(err)
	}
	out := progress.String()
	if strings.ContainsRune(out, '\r') {
		t.Errorf("progress has carriage returns: %q", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	re := regexp.MustCompile(`^step (\d)/5  loss \d+\.\d{4}  \d+ images/s$`)
	if len(lines) != 5 {
		t.Fatalf("%d progress lines, want 5:\n%s", len(lines), out)
	}
	for i, l := range lines {
		if m := re.FindStringSubmatch(l); m == nil || m[1] != fmt.Sprint(i+1) {
			t.Errorf("line %q", l)
		}
	}
}

// errModel is a fakeModel whose step fails at step fail.
type errModel struct {
	fakeModel
	fail int
}

func (m *errModel) StepErr() error {
	if m.steps == m.fail {
		return errors.New("all-reduce failed")
	}
	return nil
}

// TestFitStopsOnStepErr checks that Fit stops at a StepErrer's failed step
// with its error, naming the step, and writes no checkpoint for it.
func TestFitStopsOnStepErr(t *testing.T) {
	dir := t.TempDir()
	m := &errModel{fail: 2}
	_, err := Fit(context.Background(), Model[float32](m), blocks(40, 1), blocks(10, 2), options(dir, 7))
	if err == nil || err.Error() != "train: step 2: all-reduce failed" {
		t.Fatalf("Fit = %v, want train: step 2: all-reduce failed", err)
	}
	if m.steps != 2 {
		t.Errorf("%d steps taken, want 2", m.steps)
	}
	if _, err := os.Stat(filepath.Join(dir, CheckpointFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a checkpoint was written: %v", err)
	}
}
