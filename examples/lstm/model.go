package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// pixelScale brings the course's mean-subtracted pixels (−255…255) to
// about −1…1 before the recurrent layer, whose gates saturate otherwise.
const pixelScale = 1.0 / 255

// rnnLayer is what SeqClassifier needs of nn.LSTM and nn.GRU: the last
// step's hidden state of every layer.
type rnnLayer[T tensor.Float] interface {
	nn.Module[T]
	finalHidden(x *autograd.Var[T]) *autograd.Var[T]
}

type lstm[T tensor.Float] struct{ *nn.LSTM[T] }

func (m lstm[T]) finalHidden(x *autograd.Var[T]) *autograd.Var[T] {
	_, hn, _ := m.ForwardStates(x, nil, nil)
	return hn
}

type gru[T tensor.Float] struct{ *nn.GRU[T] }

func (m gru[T]) finalHidden(x *autograd.Var[T]) *autograd.Var[T] {
	_, hn := m.ForwardStates(x, nil)
	return hn
}

// SeqClassifier reads each H×W grayscale image as a sequence of H rows of
// W pixels and classifies it from the recurrent layer's last hidden state:
//
//	x_t = row t of the image / 255,  t = 1…H
//	h_H = last layer's hidden state after step H of RNN(x_1, …, x_H)
//	logits = h_H·Wᵀ + b
//
// RNN is an nn.LSTM or nn.GRU (batch first, zero initial states). Its
// state_dict is that of the PyTorch module with the children rnn and fc
// (rnn.weight_ih_l0, …, fc.weight, fc.bias), as examples/pytorch/lstm.py
// builds.
type SeqClassifier[T tensor.Float] struct {
	Cell   string // "lstm" or "gru"
	Layers int
	RNN    rnnLayer[T]
	FC     *nn.Linear[T]
}

// NewSeqClassifier returns a SeqClassifier for rows of width inputs, with
// layers stacked cells of the kind cell ("lstm" or "gru") of hidden units
// and classes outputs, initialized as PyTorch initializes nn.LSTM, nn.GRU
// and nn.Linear. It panics on another cell or a size below 1.
func NewSeqClassifier[T tensor.Float](cell string, inputs, hidden, layers, classes int, rng *rand.Rand) *SeqClassifier[T] {
	m := &SeqClassifier[T]{Cell: cell, Layers: layers}
	opts := []nn.RNNOption{nn.RNNBatchFirst(true), nn.RNNNumLayers(layers)}
	switch cell {
	case "lstm":
		m.RNN = lstm[T]{nn.NewLSTM[T](inputs, hidden, rng, opts...)}
	case "gru":
		m.RNN = gru[T]{nn.NewGRU[T](inputs, hidden, rng, opts...)}
	default:
		panic(fmt.Sprintf("lstm: NewSeqClassifier: unknown cell %q: want lstm or gru", cell))
	}
	m.FC = nn.NewLinear[T](hidden, classes, true, rng)
	return m
}

// Forward returns the logits (N×classes) for a batch of images x,
// N×1×H×W.
func (m *SeqClassifier[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	s := x.Value().Shape()
	if len(s) != 4 || s[1] != 1 {
		panic(fmt.Sprintf("lstm: SeqClassifier: input of shape %v: want N×1×H×W", s))
	}
	seq := functional.Scale(functional.Reshape(x, s[0], s[2], s[3]), T(pixelScale))
	hn := m.RNN.finalHidden(seq) // layers×N×H
	last := functional.Narrow(hn, 0, m.Layers-1, 1)
	return m.FC.Forward(functional.Reshape(last, s[0], -1))
}

// State lists the children rnn and fc.
func (m *SeqClassifier[T]) State() nn.State[T] {
	return nn.State[T]{Children: []nn.Child[T]{{Name: "rnn", Module: m.RNN}, {Name: "fc", Module: m.FC}}}
}
