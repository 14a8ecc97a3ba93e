package train

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// ModuleModel trains an nn.Module with an optimizer on a tape it reuses
// every step, minimizing the mean softmax cross-entropy. With Flatten the
// B×C×H×W images are fed as B×(C·H·W) rows, for an MLP.
type ModuleModel struct {
	Module  nn.Module[float32]
	Opt     optim.Optimizer[float32]
	Flatten bool
	tape    *autograd.Tape[float32]
}

func (m *ModuleModel) input(x *tensor.Tensor[float32]) *tensor.Tensor[float32] {
	if m.Flatten {
		return x.Reshape(x.Dim(0), -1)
	}
	return x
}

// TrainStep runs forward, loss, backward and the optimizer's step.
func (m *ModuleModel) TrainStep(x *tensor.Tensor[float32], labels []int) (float64, int) {
	if m.tape == nil {
		m.tape = autograd.NewTape[float32]()
		m.tape.ReuseBuffers(true) // the loss and logits are read before the next Reset
	}
	m.tape.Reset()
	m.Opt.ZeroGrad()
	logits := m.Module.Forward(m.tape.Input(m.input(x)))
	loss := functional.CrossEntropy(logits, labels)
	m.tape.Backward(loss)
	m.Opt.Step()
	return float64(loss.Value().Item()), Correct(logits.Value(), labels)
}

// Evaluate computes the loss and predictions in evaluation mode.
func (m *ModuleModel) Evaluate(x *tensor.Tensor[float32], labels []int) (float64, int) {
	nn.SetTraining(m.Module, false)
	defer nn.SetTraining(m.Module, true)
	logits := m.Module.Forward(autograd.NewConst(m.input(x))).Detach()
	loss := functional.CrossEntropy(logits, labels).Value().Item()
	return float64(loss) * float64(len(labels)), Correct(logits.Value(), labels)
}

func (m *ModuleModel) WriteState(w *safetensors.Writer)          { nn.WriteState(w, "", m.Module) }
func (m *ModuleModel) ReadState(f *safetensors.File) error       { return nn.ReadState(f, "", m.Module) }
func (m *ModuleModel) WriteOptimizerState(w *safetensors.Writer) { optim.WriteState(w, "", m.Opt) }
func (m *ModuleModel) ReadOptimizerState(f *safetensors.File) error {
	return optim.ReadState(f, "", m.Opt)
}

// Correct counts the rows of the B×classes scores whose largest entry is at
// the label.
func Correct(scores *tensor.Tensor[float32], labels []int) int {
	n := 0
	for i, p := range tensor.ArgMax(scores, 1) {
		if p == labels[i] {
			n++
		}
	}
	return n
}

// NewOptimizer returns Adam with the learning rate lr over params if name
// is "adam", and plain SGD otherwise.
func NewOptimizer(name string, params []*autograd.Var[float32], lr float64) optim.Optimizer[float32] {
	if name == "adam" {
		return optim.NewAdam(params, optim.LR(lr))
	}
	return optim.NewSGD(params, optim.LR(lr))
}

// ParseSizes parses a comma-separated list of positive layer sizes such as
// "100,50"; an empty string is no hidden layer.
func ParseSizes(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var sizes []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad layer size %q in %q: want positive integers separated by commas", f, s)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}
