package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

// The files Fit writes into Options.Dir.
const (
	MetricsFile    = "metrics.csv"            // History.WriteCSV of the evaluations
	LossPlot       = "loss.png"               // History.WritePlots
	AccuracyPlot   = "accuracy.png"           // History.WritePlots
	CheckpointFile = "checkpoint.safetensors" // the model; its optimizer state is in OptimizerPath(CheckpointFile)
)

// ErrStop, returned by a callback (Options.AfterStep, Options.AfterEval),
// ends training early as if Options.Steps had been reached: Fit evaluates,
// writes its files and returns without error.
var ErrStop = errors.New("train: stop training")

// StepInfo describes a training step that has just been taken, for
// Options.AfterStep.
type StepInfo struct {
	Step    int     // steps taken so far, this one included
	Loss    float64 // the batch's mean loss, before the update
	Correct int     // the batch's examples classified correctly, before the update
	Count   int     // the examples of the batch
	LR      float64 // the learning rate Options.Schedule set for the step; 0 without a schedule
	Seconds float64 // the step's wall time
}

// Options configures Fit. Steps and Data.BatchSize must be set; the zero
// value of every other field means what its comment says.
type Options struct {
	// Name names the run in plot titles and in the checkpoint; a run
	// resumes only from a checkpoint of the same name.
	Name string
	// Steps is the number of optimization steps in all, counted from the
	// start of the run: a run resumed at step s takes Steps − s more.
	Steps int
	// Data says how the training batches are drawn (data.NewLoader): batch
	// size, shuffling and its seed, normalization, augmentation. The batch
	// of step s depends only on Data and s, so a resumed run sees the
	// batches an uninterrupted one would have. Evaluation batches are
	// normalized the same way, without augmentation.
	Data data.LoaderConfig
	// EvalEvery is the number of steps between evaluations on the whole
	// validation set; 0 evaluates only after the last step. Each
	// evaluation is a Point of the History, logged, saved to MetricsFile
	// and followed by a checkpoint. The last step is always evaluated.
	EvalEvery int
	// EvalBatch is the batch size of evaluation; 0 means 500.
	EvalBatch int
	// Schedule, if set, gives the learning rate of every step s (0, 1, …),
	// set before the step; the Model must then be an LRSetter.
	Schedule optim.Schedule
	// Dir is where Fit writes MetricsFile, the two plots and the
	// checkpoint (CheckpointFile and its optimizer file); empty, Fit
	// writes nothing. It is created if missing.
	Dir string
	// Resume is the model file of a checkpoint to continue from (its
	// optimizer file beside it); empty, training starts afresh.
	Resume string
	// Recipe holds settings of the run that Fit cannot see, such as the
	// learning rate or the layer sizes, by name. It is recorded in the
	// checkpoint with the batch size, EvalEvery and the shuffling seed, and
	// a run resumes only with the same values for all of them.
	Recipe map[string]string
	// Log receives a line per evaluation and a line when training resumes
	// or stops early; nil discards them.
	Log io.Writer
	// Progress receives a progress bar (the step, the loss, a smoothed
	// images/s) redrawn in place if it is a terminal, and otherwise a plain
	// line every ProgressEvery and after the last step; nil shows nothing.
	Progress io.Writer
	// ProgressEvery is the time between plain progress lines; 0 means 10 s.
	ProgressEvery time.Duration
	// AfterStep, if set, is called after every training step, and
	// AfterEval after every evaluation. An error other than ErrStop ends
	// Fit with that error, without saving anything more.
	AfterStep func(StepInfo) error
	AfterEval func(Point) error
}

// Check reports options Fit cannot use, without loading any data: Steps
// or Data.BatchSize below 1, EvalEvery or EvalBatch below 0, a Dir that
// cannot be created or written into (or where an output file is in the way
// as a directory), and a Resume checkpoint whose files are missing. Fit
// calls it first; a command-line program calls it before loading its data
// too, to fail at once.
func (o *Options) Check() error {
	switch {
	case o.Steps < 1:
		return fmt.Errorf("train: %d steps: want at least 1", o.Steps)
	case o.Data.BatchSize < 1:
		return fmt.Errorf("train: batch size %d: want at least 1", o.Data.BatchSize)
	case o.EvalEvery < 0:
		return fmt.Errorf("train: evaluation every %d steps: want 0 (only at the end) or more", o.EvalEvery)
	case o.EvalBatch < 0:
		return fmt.Errorf("train: evaluation batch size %d: want 0 (500) or more", o.EvalBatch)
	}
	if o.Dir != "" {
		if err := checkWritable(o.Dir); err != nil {
			return err
		}
	}
	if o.Resume != "" {
		for _, p := range []string{o.Resume, OptimizerPath(o.Resume)} {
			if _, err := os.Stat(p); err != nil {
				return fmt.Errorf("train: resuming needs %s and %s: %w", o.Resume, OptimizerPath(o.Resume), err)
			}
		}
	}
	return nil
}

// checkWritable creates dir if needed and checks that files can be
// created in it and that none of Fit's outputs is in the way.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("train: output directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tapegrad-write-test*")
	if err != nil {
		return fmt.Errorf("train: output directory %s is not writable: %w", dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	for _, name := range []string{MetricsFile, LossPlot, AccuracyPlot, CheckpointFile, OptimizerPath(CheckpointFile)} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.Mode().IsRegular() {
			return fmt.Errorf("train: output %s exists and is not a regular file", p)
		}
	}
	return nil
}

// Fit trains m on batches of trainSet for opts.Steps steps, evaluating it
// on the whole of valSet every opts.EvalEvery steps and after the last
// step, and returns the History of the evaluations: the one PyTorch
// Lightning's Trainer.fit and Keras's Model.fit draw.
//
// Each step draws the next batch, sets the learning rate from the
// schedule and calls m.TrainStep; a Classifier's batches are then handed
// back to the loader for later ones (data.Loader.Recycle). A loss that is NaN or infinite stops
// training at once, with an error naming the step: nothing more is
// written, so the files of the last evaluation (metrics and checkpoint)
// stay as they were. After each evaluation Fit writes the metrics and a
// checkpoint into opts.Dir, and at the end the metrics, the plots and
// the final checkpoint. Every file is written atomically, and resuming
// from a checkpoint (opts.Resume) continues bit for bit: the same
// batches, weights, optimizer state and curve as a run that never
// stopped.
//
// When ctx is cancelled (on Ctrl-C, say), Fit finishes the step under way,
// saves a checkpoint, the metrics and the plots, and returns the History
// so far with ctx's error. It returns an error too if opts fails Check,
// valSet is empty, opts.Schedule is set for a model that is no LRSetter,
// the checkpoint to resume from does not fit, a file cannot be written, a
// callback fails, or a StepErrer model reports a failed step.
func Fit[T tensor.Float](ctx context.Context, m Model[T], trainSet, valSet data.Dataset, opts Options) (History, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	if valSet == nil || valSet.Len() == 0 {
		return nil, errors.New("train: Fit needs a non-empty validation set")
	}
	setter, ok := m.(LRSetter)
	if opts.Schedule != nil && !ok {
		return nil, fmt.Errorf("train: a Schedule needs a Model with SetLR; %T has none", m)
	}
	f := fitter[T]{m: m, o: opts, val: valSet, log: opts.Log, saved: -1}
	if f.log == nil {
		f.log = io.Discard
	}
	f.recipe = maps.Clone(opts.Recipe)
	if f.recipe == nil {
		f.recipe = map[string]string{}
	}
	f.recipe["batch"] = strconv.Itoa(opts.Data.BatchSize)
	f.recipe["eval-every"] = strconv.Itoa(opts.EvalEvery)
	f.recipe["seed"] = strconv.FormatUint(opts.Data.Seed, 10)
	f.recipe["shuffle"] = strconv.FormatBool(opts.Data.Shuffle)
	if opts.Resume != "" {
		s, err := loadCheckpoint(opts.Resume, opts.Name, f.recipe, m)
		if err != nil {
			return nil, err
		}
		f.s = s
		if filepath.Clean(opts.Resume) == filepath.Join(opts.Dir, CheckpointFile) {
			f.saved = s.Step // the checkpoint to write is the one read
		}
		fmt.Fprintf(f.log, "resuming %s from step %d of %s\n", opts.Name, s.Step, opts.Resume)
	}

	loader := data.NewLoader[T](trainSet, opts.Data)
	defer loader.Close()
	// A Classifier keeps nothing of a batch once its step is over, so the
	// loader may write later batches into the batch's memory: no
	// allocation, no zeroing and no page faults for the input each step.
	// Another Model might keep x, so its batches are left to it.
	_, recycle := m.(*Classifier[T])
	loader.Seek(f.s.Step)
	every := opts.ProgressEvery
	if every == 0 {
		every = 10 * time.Second
	}
	prog := newProgress(opts.Progress, opts.Steps, f.s.Step, every)
	report, evaluated := Point{}, false // the latest evaluation
	if n := len(f.s.History); n > 0 {
		report, evaluated = f.s.History[n-1], true
	}
	for stop := false; f.s.Step < opts.Steps && !stop; {
		var err error
		if err = ctx.Err(); err != nil {
			prog.clear()
			if err := f.save(f.s.History, true); err != nil {
				return f.s.History, err
			}
			fmt.Fprintf(f.log, "\ninterrupted after step %d", f.s.Step)
			if opts.Dir != "" {
				fmt.Fprintf(f.log, "; checkpoint saved in %s", filepath.Join(opts.Dir, CheckpointFile))
			}
			fmt.Fprintln(f.log)
			return f.s.History, err
		}
		info := StepInfo{Step: f.s.Step + 1}
		if opts.Schedule != nil {
			info.LR = opts.Schedule(f.s.Step)
			setter.SetLR(info.LR)
		}
		b := loader.Next()
		start := time.Now()
		info.Loss, info.Correct = m.TrainStep(b.X, b.Labels)
		info.Seconds, info.Count = time.Since(start).Seconds(), len(b.Labels)
		if recycle {
			loader.Recycle(b)
		}
		if se, ok := m.(StepErrer); ok {
			if err := se.StepErr(); err != nil {
				prog.clear()
				return f.s.History, fmt.Errorf("train: step %d: %w", info.Step, err)
			}
		}
		if math.IsNaN(info.Loss) || math.IsInf(info.Loss, 0) {
			prog.clear()
			return f.s.History, f.diverged("training loss", info.Loss, info.Step)
		}
		f.s.Step++
		f.s.Seconds += info.Seconds
		f.s.Interval.LossSum += info.Loss * float64(info.Count)
		f.s.Interval.Correct += info.Correct
		f.s.Interval.Count += info.Count
		prog.step(f.s.Step, info.Loss, info.Count, info.Seconds)
		if stop, err = callback(opts.AfterStep, info); err != nil {
			return f.s.History, err
		}
		boundary := opts.EvalEvery > 0 && f.s.Step%opts.EvalEvery == 0
		if !boundary && f.s.Step < opts.Steps && !stop {
			continue
		}
		p := f.evaluate()
		if math.IsNaN(p.TestLoss) || math.IsInf(p.TestLoss, 0) {
			prog.clear()
			return f.s.History, f.diverged("validation loss", p.TestLoss, f.s.Step)
		}
		report, evaluated = p, true
		prog.clear()
		fmt.Fprintf(f.log, "step %6d  train loss %.4f  accuracy %.4f  test loss %.4f  accuracy %.4f  (%.1f s)\n",
			p.Step, p.TrainLoss, p.TrainAcc, p.TestLoss, p.TestAcc, p.Seconds)
		if boundary {
			f.s.Interval = interval{}
			f.s.History = append(f.s.History, p)
			if err = f.save(f.s.History, false); err != nil {
				return f.s.History, err
			}
		}
		stopEval, err := callback(opts.AfterEval, p)
		if err != nil {
			return f.s.History, err
		}
		stop = stop || stopEval
	}
	prog.finish()
	// A run that stops off an interval boundary (the last step, or ErrStop)
	// reports an evaluation of the open interval, but its checkpoint keeps
	// the interval open, so that a run resumed from it with more steps
	// draws the curve a longer run would have drawn.
	curve := f.s.History
	if f.s.Step > 0 && (!evaluated || report.Step != f.s.Step) {
		report = f.evaluate()
		evaluated = true
	}
	if n := len(curve); evaluated && (n == 0 || curve[n-1].Step != report.Step) {
		curve = append(curve[:n:n], report)
	}
	return curve, f.save(curve, true)
}

// fitter is Fit's state.
type fitter[T tensor.Float] struct {
	m      Model[T]
	o      Options
	val    data.Dataset
	log    io.Writer
	recipe map[string]string
	s      state
	saved  int // the step of the last checkpoint written or read; -1: none
}

// evaluate evaluates the model on the validation set and closes the
// current interval into a Point, without resetting it.
func (f *fitter[T]) evaluate() Point {
	batch := f.o.EvalBatch
	if batch == 0 {
		batch = 500
	}
	p := Point{Step: f.s.Step, Seconds: f.s.Seconds}
	p.TestLoss, p.TestAcc = Evaluate(f.m, f.val, batch, f.o.Data.Normalize)
	if iv := f.s.Interval; iv.Count > 0 {
		p.TrainLoss = iv.LossSum / float64(iv.Count)
		p.TrainAcc = float64(iv.Correct) / float64(iv.Count)
	} else { // an evaluation right after one: the interval is empty
		p.TrainLoss, p.TrainAcc = math.NaN(), math.NaN()
	}
	return p
}

// save writes the metrics of curve, the plots too if plots is set, and a
// checkpoint of the current state unless one of this step exists.
func (f *fitter[T]) save(curve History, plots bool) error {
	if f.o.Dir == "" {
		return nil
	}
	if f.saved != f.s.Step {
		if err := saveCheckpoint(filepath.Join(f.o.Dir, CheckpointFile), f.o.Name, f.recipe, f.m, f.s); err != nil {
			return err
		}
		f.saved = f.s.Step
	}
	if err := curve.WriteCSV(filepath.Join(f.o.Dir, MetricsFile)); err != nil {
		return err
	}
	if plots && len(curve) > 0 {
		return curve.WritePlots(f.o.Dir, f.o.Name)
	}
	return nil
}

// diverged is the error of a non-finite loss at step.
func (f *fitter[T]) diverged(what string, loss float64, step int) error {
	kept := "no checkpoint was written"
	if f.o.Dir != "" && f.saved >= 0 {
		kept = fmt.Sprintf("the checkpoint of step %d in %s is kept as it was", f.saved, f.o.Dir)
	}
	return fmt.Errorf("train: the %s is %v at step %d; stopped without saving (%s): try a lower learning rate",
		what, loss, step, kept)
}

// callback calls cb with v, if set, and reports whether it asked to stop.
func callback[V any](cb func(V) error, v V) (stop bool, err error) {
	if cb == nil {
		return false, nil
	}
	if err = cb(v); errors.Is(err, ErrStop) {
		return true, nil
	}
	return false, err
}
