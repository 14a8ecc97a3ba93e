package train

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// LossFunc computes a batch's mean loss from the model's outputs and the
// labels, on the outputs' tape.
type LossFunc[T tensor.Float] func(out *autograd.Var[T], labels []int) *autograd.Var[T]

// Classifier trains an nn.Module with an optimizer on a tape of its own,
// which it resets at every step and whose buffers it reuses
// (autograd.Tape.ReuseBuffers), so that a step that sees the shapes of the
// last one allocates (nearly) nothing. It implements Model, for Fit.
//
// The zero value is not usable: Model and Optimizer must be set, and the
// other fields are optional. A Classifier is used by one goroutine at a
// time.
type Classifier[T tensor.Float] struct {
	Model     nn.Module[T]
	Optimizer optim.Optimizer[T] // over the model's parameters (nn.Params)
	// Loss is the loss minimized; nil means the mean softmax cross-entropy
	// of the outputs as logits (functional.CrossEntropy, PyTorch's
	// F.cross_entropy).
	Loss LossFunc[T]
	// Flatten feeds each B×C×H×W batch to the model as B×(C·H·W) rows
	// (a reshape that shares the data), for an MLP whose state_dict then
	// has no leading nn.Flatten.
	Flatten bool
	// AfterBackward, if set, is called after every backward pass, before
	// the optimizer's step: where data-parallel training averages the
	// gradients over the processes (distributed.DDP.Sync). If it returns
	// an error, the step is not taken and StepErr returns the error.
	AfterBackward func() error

	tape       *autograd.Tape[T]
	savedBytes int
	stepErr    error
}

// NewClassifier returns a Classifier of model, minimizing the softmax
// cross-entropy with opt.
func NewClassifier[T tensor.Float](model nn.Module[T], opt optim.Optimizer[T]) *Classifier[T] {
	return &Classifier[T]{Model: model, Optimizer: opt}
}

// Step is one training step on a batch x with labels:
//
//	reset the tape, zero the gradients,
//	L = Loss(Model(x), labels)       forward on the tape
//	backward from L, AfterBackward() if set, Optimizer.Step()
//
// and it returns L, the loss before the update; if AfterBackward fails, the
// optimizer's step is skipped and StepErr reports why. The tape's tensors of this
// step stay valid until the next Step, Predict or EvalBatch. Step panics if
// Model or Optimizer is nil, or as the model and loss do on a batch of the
// wrong shape.
func (c *Classifier[T]) Step(x *tensor.Tensor[T], labels []int) T {
	loss, _ := c.step(x, labels)
	return loss
}

// step is Step, returning the outputs too.
func (c *Classifier[T]) step(x *tensor.Tensor[T], labels []int) (T, *tensor.Tensor[T]) {
	tape := c.resetTape()
	c.Optimizer.ZeroGrad()
	out := c.Model.Forward(tape.Input(c.input(x)))
	loss := c.loss(out, labels)
	if c.savedBytes == 0 { // the same every step: measure it once
		c.savedBytes = tape.SavedBytes()
	}
	tape.Backward(loss)
	c.stepErr = nil
	if c.AfterBackward != nil {
		if c.stepErr = c.AfterBackward(); c.stepErr != nil {
			return loss.Value().Item(), out.Value()
		}
	}
	c.Optimizer.Step()
	return loss.Value().Item(), out.Value()
}

// StepErr returns the error of the last Step's AfterBackward, or nil: the
// step was then not taken. Fit stops with it (see StepErrer).
func (c *Classifier[T]) StepErr() error { return c.stepErr }

// TrainStep is Step, and also counts the examples of the batch whose
// largest output, before the update, is at their label (see Correct).
func (c *Classifier[T]) TrainStep(x *tensor.Tensor[T], labels []int) (loss float64, correct int) {
	l, out := c.step(x, labels)
	return float64(l), Correct(out, labels)
}

// Predict returns the model's outputs for x, computed on the reset tape
// with recording off (autograd.Tape.SetGradEnabled, PyTorch's
// torch.no_grad()), in the mode the model is in. The result is valid until
// the next Step, Predict or EvalBatch; clone it to keep it.
func (c *Classifier[T]) Predict(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	tape := c.resetTape()
	defer tape.SetGradEnabled(tape.SetGradEnabled(false))
	return c.Model.Forward(tape.Input(c.input(x))).Value()
}

// EvalBatch returns the loss summed over the batch (the mean loss times
// the batch size) and the number of examples classified correctly, from
// Predict with the model in evaluation mode (nn.SetTraining); it puts the
// model back in training mode before it returns.
func (c *Classifier[T]) EvalBatch(x *tensor.Tensor[T], labels []int) (lossSum float64, correct int) {
	nn.SetTraining(c.Model, false)
	defer nn.SetTraining(c.Model, true)
	out := c.Predict(x)
	loss := c.loss(autograd.NewConst(out), labels).Value().Item()
	return float64(loss) * float64(len(labels)), Correct(out, labels)
}

// SetLR sets the optimizer's learning rate, for Options.Schedule.
func (c *Classifier[T]) SetLR(lr float64) { c.Optimizer.SetLR(lr) }

// SavedBytes returns what the ops recorded by the first Step kept for its
// backward pass (autograd.Tape.SavedBytes after the forward pass and the
// loss), or 0 before the first Step.
func (c *Classifier[T]) SavedBytes() int { return c.savedBytes }

// WriteState adds the model's state_dict to w (nn.WriteState).
func (c *Classifier[T]) WriteState(w *safetensors.Writer) { nn.WriteState(w, "", c.Model) }

// ReadState reads the model's state_dict from f, strictly (nn.ReadState).
func (c *Classifier[T]) ReadState(f *safetensors.File) error { return nn.ReadState(f, "", c.Model) }

// WriteOptimizerState adds the optimizer's state to w (optim.WriteState).
func (c *Classifier[T]) WriteOptimizerState(w *safetensors.Writer) {
	optim.WriteState(w, "", c.Optimizer)
}

// ReadOptimizerState reads the optimizer's state from f (optim.ReadState).
func (c *Classifier[T]) ReadOptimizerState(f *safetensors.File) error {
	return optim.ReadState(f, "", c.Optimizer)
}

func (c *Classifier[T]) resetTape() *autograd.Tape[T] {
	if c.Model == nil || c.Optimizer == nil {
		panic(errNoModel)
	}
	if c.tape == nil {
		c.tape = autograd.NewTape[T]()
		c.tape.ReuseBuffers(true)
		c.tape.SetRetainGraph(false) // one Backward a step: free as it goes
	}
	c.tape.Reset()
	return c.tape
}

func (c *Classifier[T]) input(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	if c.Flatten && x.NDim() > 2 {
		return x.Reshape(x.Dim(0), -1)
	}
	return x
}

func (c *Classifier[T]) loss(out *autograd.Var[T], labels []int) *autograd.Var[T] {
	if c.Loss != nil {
		return c.Loss(out, labels)
	}
	return functional.CrossEntropy(out, labels)
}

// Correct counts the rows of the B×classes scores whose largest entry is at
// the row's label (the first largest, on ties; a NaN counts as the
// largest, as in tensor.ArgMax). It panics if scores is not 2-d with one
// row per label and at least one column.
func Correct[T tensor.Float](scores *tensor.Tensor[T], labels []int) int {
	if scores.NDim() != 2 || scores.Dim(0) != len(labels) || scores.Dim(1) == 0 {
		panic(fmt.Sprintf(errCorrectRows, scores.Shape(), len(labels), len(labels)))
	}
	// Row by row, with tensor.ArgMax's rule but without its index slice or
	// its split among goroutines: every training step calls this on a
	// small matrix.
	k, data, n := scores.Dim(1), scores.Data(), 0
	for i, label := range labels {
		at := tensor.ArgMaxSlice(data[i*k : (i+1)*k])
		if at == label {
			n++
		}
	}
	return n
}

// NewOptimizer returns the optimizer name ("sgd" or "adam") over params
// with learning rate lr and PyTorch's other defaults (optim's constructors
// fill them in): SGD without momentum, dampening or weight decay; Adam with
// betas (0.9, 0.999), eps 1e-8 and no weight decay. It returns an error for any other
// name, and panics as optim.NewSGD and optim.NewAdam do (on a learning
// rate that is negative or not finite, say).
func NewOptimizer[T tensor.Float](name string, params []*autograd.Var[T], lr float64) (optim.Optimizer[T], error) {
	switch name {
	case "sgd":
		return optim.NewSGD(params, optim.LR(lr)), nil
	case "adam":
		return optim.NewAdam(params, optim.LR(lr)), nil
	}
	return nil, fmt.Errorf("unknown optimizer %q: want sgd or adam", name)
}
