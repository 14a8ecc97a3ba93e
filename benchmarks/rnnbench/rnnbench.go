package rnnbench

import (
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
	"github.com/tapegrad/tapegrad/train"
)

// W8's settings (WORKLOADS.md).
const (
	Batch   = 128  // sequences per step
	Steps   = 28   // time steps: the image's rows
	Inputs  = 28   // features per step: a row's pixels
	Hidden  = 128  // the LSTM's hidden size
	Classes = 10   // outputs of the linear layer
	LR      = 1e-3 // Adam's learning rate
)

// Model is the LSTM classifier: an nn.LSTM over batch-first N×Steps×Inputs
// sequences, and a linear layer on its hidden state after the last step.
type Model struct {
	LSTM *nn.LSTM[float32]
	FC   *nn.Linear[float32]
}

// NewModel draws the LSTM's weights and then the linear layer's from rng,
// with PyTorch's initialization.
func NewModel(rng *rand.Rand) *Model {
	return &Model{
		LSTM: nn.NewLSTM[float32](Inputs, Hidden, rng, nn.RNNBatchFirst(true)),
		FC:   nn.NewLinear[float32](Hidden, Classes, true, rng),
	}
}

// Forward returns the N×Classes logits of N×Steps×Inputs sequences:
// fc(lstm(x)[:, -1]).
func (m *Model) Forward(x *autograd.Var[float32]) *autograd.Var[float32] {
	out := m.LSTM.Forward(x)
	n, l := out.Shape()[0], out.Shape()[1]
	last := functional.Reshape(functional.Slice(out, functional.All(), functional.Span(l-1, l)), n, Hidden)
	return m.FC.Forward(last)
}

// State lists the children "lstm" and "fc", as the PyTorch twin's
// attributes.
func (m *Model) State() nn.State[float32] {
	return nn.State[float32]{Children: []nn.Child[float32]{{Name: "lstm", Module: m.LSTM}, {Name: "fc", Module: m.FC}}}
}

// Net is the model trained by a train.Classifier with Adam, and one fixed
// batch. It is used by one goroutine at a time.
type Net struct {
	Model      *Model
	Classifier *train.Classifier[float32]
	X          *tensor.Tensor[float32] // Batch×Steps×Inputs, drawn from N(0, 1)
	Labels     []int                   // Batch labels in [0, Classes)
}

// NewNet builds the model, Adam with lr LR and PyTorch's other defaults,
// and a batch of Batch labels and then sequences, all drawn from rng in
// that order.
func NewNet(rng *rand.Rand) *Net {
	m := NewModel(rng)
	labels := make([]int, Batch)
	for i := range labels {
		labels[i] = rng.IntN(Classes)
	}
	x := tensor.RandN[float32](rng, Batch, Steps, Inputs)
	opt := optim.NewAdam(nn.Params[float32](m), optim.LR(LR))
	return &Net{Model: m, Classifier: train.NewClassifier[float32](m, opt), X: x, Labels: labels}
}

// TrainStep is one training step on the net's batch,
// train.Classifier.Step: zero the gradients, forward on the reset tape,
// mean softmax cross-entropy, backward and Adam's update. It returns the
// loss before the update.
func (n *Net) TrainStep() float32 { return n.Classifier.Step(n.X, n.Labels) }

// SavedBytes returns what the ops recorded by the first TrainStep kept for
// the backward pass, 0 before it.
func (n *Net) SavedBytes() int { return n.Classifier.SavedBytes() }

// FLOPs returns the floating-point operations of the matrix products of
// one training step. Per time step, the input's product with W_ih (4H×In)
// costs 2·N·4H·In forward and as much for W_ih's gradient (the input
// needs none), and the hidden state's product with W_hh (4H×H) 2·N·4H·H
// forward and twice that backward (W_hh's gradient and h's); the linear
// layer costs 3·2·N·H·Classes. Element-wise work is left out.
func FLOPs() float64 {
	perStep := 2 * float64(Batch) * 4 * Hidden * float64(2*Inputs+3*Hidden)
	return Steps*perStep + 3*2*float64(Batch)*Hidden*Classes
}
