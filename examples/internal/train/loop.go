package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// Model is what a trainer trains.
type Model interface {
	// TrainStep takes one optimization step on a batch (B×C×H×W, normalized)
	// and returns the batch's mean loss and how many examples it classified
	// correctly before the step.
	TrainStep(x *tensor.Tensor[float32], labels []int) (loss float64, correct int)
	// Evaluate returns the summed loss and the number of correct predictions
	// on a batch, in evaluation mode, without training.
	Evaluate(x *tensor.Tensor[float32], labels []int) (lossSum float64, correct int)
	// WriteState and ReadState save and restore the model's parameters and
	// buffers under their PyTorch state_dict names.
	WriteState(w *safetensors.Writer)
	ReadState(f *safetensors.File) error
	// WriteOptimizerState and ReadOptimizerState do the same for the
	// optimizer's state (nothing, for plain SGD).
	WriteOptimizerState(w *safetensors.Writer)
	ReadOptimizerState(f *safetensors.File) error
}

// NewModel builds a trainer's model for examples of the given shape (C×H×W)
// and number of classes, drawing initial weights from rng.
type NewModel func(shape []int, classes int, rng *rand.Rand) Model

// Run trains the model newModel builds on the data set c names, printing an
// evaluation line on stdout every c.EvalEvery steps and a progress bar on
// progress (nil for none). At the end it writes metrics.csv, loss.png,
// accuracy.png and checkpoint.safetensors into c.Out and prints, as its last
// line, "test accuracy: " and the final accuracy. When ctx is cancelled (the
// trainers cancel it on Ctrl-C) it saves a checkpoint of the steps done and
// returns without error.
func Run(ctx context.Context, c Config, newModel NewModel, stdout, progress io.Writer) error {
	if err := c.validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(c.Out, 0o755); err != nil {
		return err
	}
	train, test, err := LoadData(ctx, c, progress)
	if err != nil {
		return err
	}
	norm := data.MeanImage(train) // the course's preprocessing: subtract the mean training image
	model := newModel(train.Shape(), train.Classes(), rand.New(rand.NewPCG(c.Seed, 0x7a9e)))
	var s state
	if c.Resume != "" {
		if s, err = loadCheckpoint(c.Resume, c, model); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "resuming %s from step %d of %s\n", c.Name, s.Step, c.Resume)
	}
	fmt.Fprintf(stdout, "%s on %s: %d training and %d test images of %v, %d classes\n",
		c.Name, c.Dataset, train.Len(), test.Len(), train.Shape(), train.Classes())

	loader := data.NewLoader[float32](train, data.LoaderConfig{
		BatchSize: c.Batch, Shuffle: true, Seed: c.Seed, Normalize: &norm,
	})
	defer loader.Close()
	loader.Seek(s.Step)
	bar := newBar(c.Steps, s.Step, progress)
	checkpoint := filepath.Join(c.Out, "checkpoint.safetensors")
	trained := 0.0 // seconds of training in this process
	if n := len(s.History); n > 0 {
		trained = s.History[n-1].Seconds
	}
	var report Point // the latest evaluation
	if n := len(s.History); n > 0 {
		report = s.History[n-1]
	}
	for s.Step < c.Steps {
		if ctx.Err() != nil {
			if err := saveCheckpoint(checkpoint, c, model, s); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "\ninterrupted after step %d; checkpoint saved: resume with -resume %s\n", s.Step, checkpoint)
			return nil
		}
		b := loader.Next()
		start := time.Now()
		loss, correct := model.TrainStep(b.X, b.Labels)
		elapsed := time.Since(start).Seconds()
		trained += elapsed
		s.Step++
		s.Interval.LossSum += loss * float64(len(b.Labels))
		s.Interval.Correct += correct
		s.Interval.Count += len(b.Labels)
		bar.Describe(fmt.Sprintf("step %d  loss %.4f  %.0f images/s", s.Step, loss, float64(len(b.Labels))/elapsed))
		bar.Add(1)
		boundary := s.Step%c.EvalEvery == 0
		if !boundary && s.Step < c.Steps {
			continue
		}
		p := evaluate(model, test, &norm, c.evalBatch())
		p.Step, p.Seconds = s.Step, trained
		p.TrainLoss = s.Interval.LossSum / float64(s.Interval.Count)
		p.TrainAcc = float64(s.Interval.Correct) / float64(s.Interval.Count)
		report = p
		if boundary {
			s.Interval = interval{}
			s.History = append(s.History, p)
		}
		bar.Clear()
		fmt.Fprintf(stdout, "step %6d  train loss %.4f  accuracy %.4f  test loss %.4f  accuracy %.4f  (%.1f s)\n",
			p.Step, p.TrainLoss, p.TrainAcc, p.TestLoss, p.TestAcc, p.Seconds)
	}
	bar.Finish()
	// The evaluation of a last step that is not on an interval boundary is
	// reported and plotted, but the checkpoint keeps the open interval, so
	// that a run resumed from it with more steps draws the curve a longer
	// run would have drawn.
	curve := s.History
	if n := len(curve); n == 0 || curve[n-1].Step != report.Step {
		curve = append(curve[:n:n], report)
	}
	if err := finish(c, model, s, curve, checkpoint); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "test accuracy: %.4f\n", curve[len(curve)-1].TestAcc)
	return nil
}

func (c Config) evalBatch() int {
	if c.EvalBatch > 0 {
		return c.EvalBatch
	}
	return 500
}

// evaluate returns the mean loss and the accuracy on the whole test set.
func evaluate(m Model, test data.Dataset, norm *data.Normalization, batch int) Point {
	var lossSum float64
	correct := 0
	for b := range data.Batches[float32](test, batch, norm) {
		l, c := m.Evaluate(b.X, b.Labels)
		lossSum += l
		correct += c
	}
	n := float64(test.Len())
	return Point{TestLoss: lossSum / n, TestAcc: float64(correct) / n}
}

// finish writes the curve, its plots and the checkpoint.
func finish(c Config, m Model, s state, curve History, checkpoint string) error {
	return errors.Join(
		curve.WriteCSV(filepath.Join(c.Out, "metrics.csv")),
		curve.WritePlots(c.Out, fmt.Sprintf("%s on %s", c.Name, c.Dataset)),
		saveCheckpoint(checkpoint, c, m, s),
	)
}

// newBar returns a progress bar over the steps, starting at done, writing
// to w (or nowhere).
func newBar(steps, done int, w io.Writer) *progressbar.ProgressBar {
	if w == nil {
		w = io.Discard
	}
	bar := progressbar.NewOptions(steps,
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	bar.Set(done)
	return bar
}
