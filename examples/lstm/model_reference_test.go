package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

const (
	modelRefJSON = "testdata/torch_model.json"
	modelRegen   = "/usr/bin/python3 examples/lstm/testdata/gen_torch_model.py"
)

type modelRefFile struct {
	reftest.Header
	Cases []struct {
		Name       string    `json:"name"`
		Cell       string    `json:"cell"`
		Layers     int       `json:"layers"`
		Hidden     int       `json:"hidden"`
		Classes    int       `json:"classes"`
		InputShape []int     `json:"input_shape"`
		Input      []float64 `json:"input"`
		Labels     []int     `json:"labels"`
		Params     []struct {
			Name  string    `json:"name"`
			Shape []int     `json:"shape"`
			Value []float64 `json:"value"`
			Grad  []float64 `json:"grad"`
		} `json:"params"`
		Logits []float64 `json:"logits"`
		Loss   float64   `json:"loss"`
	} `json:"cases"`
}

// TestModelMatchesPyTorch sets SeqClassifier's parameters to those of
// lstm.py's model, by state_dict name, and checks the logits, the loss and
// every parameter's gradient against PyTorch's, in float64 and float32:
// the same names in the same order, the same reading of an image as rows,
// the same scaling and the same last hidden state.
func TestModelMatchesPyTorch(t *testing.T) {
	var ref modelRefFile
	reftest.Load(t, modelRefJSON, modelRegen, &ref)
	if len(ref.Cases) != 4 {
		t.Fatalf("%d cases, want 4", len(ref.Cases))
	}
	for _, c := range ref.Cases {
		t.Run(c.Name+"/float64", func(t *testing.T) {
			checkModel[float64](t, c.Cell, c.Layers, c.Hidden, c.Classes, c.InputShape, c.Input, c.Labels, c.Params, c.Logits, c.Loss, 1e-12)
		})
		t.Run(c.Name+"/float32", func(t *testing.T) {
			checkModel[float32](t, c.Cell, c.Layers, c.Hidden, c.Classes, c.InputShape, c.Input, c.Labels, c.Params, c.Logits, c.Loss, 2e-5)
		})
	}
}

func checkModel[T tensor.Float](t *testing.T, cell string, layers, hidden, classes int, shape []int, input []float64, labels []int,
	params []struct {
		Name  string    `json:"name"`
		Shape []int     `json:"shape"`
		Value []float64 `json:"value"`
		Grad  []float64 `json:"grad"`
	}, logits []float64, loss, tol float64) {
	m := NewSeqClassifier[T](cell, shape[3], hidden, layers, classes, rand.New(rand.NewPCG(1, 2)))
	named := nn.NamedParams[T](m)
	if len(named) != len(params) {
		t.Fatalf("%d parameters, PyTorch has %d", len(named), len(params))
	}
	for i, p := range named {
		want := params[i]
		if p.Name != want.Name || !slices.Equal(p.Var.Value().Shape(), want.Shape) {
			t.Fatalf("parameter %d: %s %v, PyTorch's %s %v", i, p.Name, p.Var.Value().Shape(), want.Name, want.Shape)
		}
		for j, v := range want.Value {
			p.Var.Value().Data()[j] = T(v)
		}
	}
	x := make([]T, len(input))
	for i, v := range input {
		x[i] = T(v)
	}
	tape := autograd.NewTape[T]()
	out := m.Forward(tape.Input(tensor.FromSlice(x, shape...)))
	l := functional.CrossEntropy(out, labels)
	tape.Backward(l)
	close := func(what string, got []T, want []float64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
		}
		for i := range want {
			if d := math.Abs(float64(got[i]) - want[i]); d > tol*(1+math.Abs(want[i])) {
				t.Errorf("%s[%d] = %v, PyTorch %v (off by %.3g)", what, i, got[i], want[i], d)
			}
		}
	}
	close("logits", out.Value().Data(), logits)
	close("loss", []T{l.Value().Item()}, []float64{loss})
	for i, p := range named {
		close(fmt.Sprintf("grad %s", p.Name), p.Var.Grad().Data(), params[i].Grad)
	}
}
