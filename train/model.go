package train

import (
	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// Model is what Fit trains: a classifier that takes optimization steps on
// batches, evaluates batches, and saves and restores its state for
// checkpoints. Classifier implements it for an nn.Module and an optimizer
// on the tape; a model trained otherwise (by hand-written backprop, say)
// implements it itself.
type Model[T tensor.Float] interface {
	// TrainStep takes one optimization step on a batch x (B×…, normalized)
	// with B labels and returns the batch's mean loss and how many of its
	// examples the model classified correctly before the step.
	TrainStep(x *tensor.Tensor[T], labels []int) (loss float64, correct int)
	// EvalBatch returns the loss summed over a batch and the number of
	// examples classified correctly, in evaluation mode, without training.
	EvalBatch(x *tensor.Tensor[T], labels []int) (lossSum float64, correct int)
	// WriteState and ReadState save and restore the model's parameters and
	// buffers, under their PyTorch state_dict names for a checkpoint that
	// PyTorch loads.
	WriteState(w *safetensors.Writer)
	ReadState(f *safetensors.File) error
	// WriteOptimizerState and ReadOptimizerState do the same for the
	// optimizer's state (nothing, for plain SGD).
	WriteOptimizerState(w *safetensors.Writer)
	ReadOptimizerState(f *safetensors.File) error
}

// StepErrer is a Model whose training step can fail for a reason outside
// the computation — a collective of data-parallel training, say. Fit calls
// StepErr after every TrainStep and stops with its error, if any, saving
// nothing more. Classifier is one.
type StepErrer interface {
	StepErr() error
}

// LRSetter is a Model whose learning rate a schedule can set
// (Options.Schedule). Classifier is one.
type LRSetter interface {
	SetLR(lr float64)
}

// Evaluate returns m's mean loss and accuracy over every example of ds,
// taken in order batch at a time and normalized with norm (nil: raw
// values), through m.EvalBatch; a Classifier evaluates under
// SetGradEnabled(false), in evaluation mode. It panics if batch < 1 or
// norm does not fit ds (see data.Batches), or if ds is empty.
func Evaluate[T tensor.Float](m Model[T], ds data.Dataset, batch int, norm *data.Normalization) (loss, accuracy float64) {
	if ds.Len() == 0 {
		panic(errEmptyEval)
	}
	var lossSum float64
	correct := 0
	for b := range data.Batches[T](ds, batch, norm) {
		l, c := m.EvalBatch(b.X, b.Labels)
		lossSum += l
		correct += c
	}
	n := float64(ds.Len())
	return lossSum / n, float64(correct) / n
}
