package nn_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

const (
	rnnRefJSON   = "testdata/torch_rnn.json"
	rnnRefTensor = "testdata/torch_rnn.safetensors"
	rnnRegen     = "/usr/bin/python3 nn/testdata/gen_torch_rnn.py"
)

// rnnRefFile is the layout of testdata/torch_rnn.json; the tensors are in
// testdata/torch_rnn.safetensors (see the generator's docstring).
type rnnRefFile struct {
	reftest.Header
	Dtypes []string     `json:"dtypes"`
	Cases  []rnnRefCase `json:"cases"`
}

type rnnRefCase struct {
	Name   string `json:"name"`
	Module string `json:"module"`
	Args   struct {
		InputSize     int  `json:"input_size"`
		HiddenSize    int  `json:"hidden_size"`
		NumLayers     int  `json:"num_layers"`
		Bias          bool `json:"bias"`
		BatchFirst    bool `json:"batch_first"`
		Bidirectional bool `json:"bidirectional"`
	} `json:"args"`
	Outputs   []string `json:"outputs"`
	States    bool     `json:"states"`
	Unbatched bool     `json:"unbatched"`
	Params    []string `json:"params"`
}

// rnnModule is what the test needs of the four modules.
type rnnModule[T tensor.Float] struct {
	m nn.Module[T]
	// call returns the outputs, in the order of the case's, for the input
	// and the initial states (nil when the case gives none).
	call func(x, h0, c0 *autograd.Var[T]) []*autograd.Var[T]
}

func newRNNModule[T tensor.Float](t *testing.T, c rnnRefCase) rnnModule[T] {
	a := c.Args
	rng := rand.New(rand.NewPCG(1, 2))
	opts := []nn.RNNOption{nn.RNNNumLayers(a.NumLayers), nn.RNNBias(a.Bias), nn.RNNBatchFirst(a.BatchFirst),
		nn.RNNBidirectional(a.Bidirectional)}
	switch c.Module {
	case "LSTM":
		m := nn.NewLSTM[T](a.InputSize, a.HiddenSize, rng, opts...)
		return rnnModule[T]{m, func(x, h0, c0 *autograd.Var[T]) []*autograd.Var[T] {
			out, hn, cn := m.ForwardStates(x, h0, c0)
			return []*autograd.Var[T]{out, hn, cn}
		}}
	case "GRU":
		m := nn.NewGRU[T](a.InputSize, a.HiddenSize, rng, opts...)
		return rnnModule[T]{m, func(x, h0, _ *autograd.Var[T]) []*autograd.Var[T] {
			out, hn := m.ForwardStates(x, h0)
			return []*autograd.Var[T]{out, hn}
		}}
	case "LSTMCell":
		m := nn.NewLSTMCell[T](a.InputSize, a.HiddenSize, a.Bias, rng)
		return rnnModule[T]{m, func(x, h0, c0 *autograd.Var[T]) []*autograd.Var[T] {
			h, c := m.Step(x, h0, c0)
			return []*autograd.Var[T]{h, c}
		}}
	case "GRUCell":
		m := nn.NewGRUCell[T](a.InputSize, a.HiddenSize, a.Bias, rng)
		return rnnModule[T]{m, func(x, h0, _ *autograd.Var[T]) []*autograd.Var[T] {
			return []*autograd.Var[T]{m.Step(x, h0)}
		}}
	}
	t.Fatalf("%s: case %q: unknown module %q", rnnRefJSON, c.Name, c.Module)
	return rnnModule[T]{}
}

// TestRNNReference runs LSTM, GRU, LSTMCell and GRUCell on PyTorch's
// weights, inputs and initial states, and compares the outputs, the final
// states and the gradients of Σ g ⊙ output with respect to the input, the
// initial states and every parameter with PyTorch's, in float64 and
// float32; it also checks that the parameters have PyTorch's state_dict
// names in PyTorch's order.
func TestRNNReference(t *testing.T) {
	var ref rnnRefFile
	reftest.Load(t, rnnRefJSON, rnnRegen, &ref)
	if !slices.Equal(ref.Dtypes, []string{"float64", "float32"}) {
		t.Fatalf("%s: dtypes %v, want [float64 float32]", rnnRefJSON, ref.Dtypes)
	}
	f, err := safetensors.OpenFile(rnnRefTensor)
	if err != nil {
		t.Fatalf("%v (regenerate with %s)", err, rnnRegen)
	}
	defer f.Close()
	unique := reftest.Unique(t, rnnRefJSON)
	kinds := map[string]int{}
	for _, c := range ref.Cases {
		unique(c.Name)
		kinds[c.Module]++
		t.Run(c.Name+"/float64", func(t *testing.T) { testRNNReference[float64](t, f, c, "float64", 1e-10) })
		t.Run(c.Name+"/float32", func(t *testing.T) { testRNNReference[float32](t, f, c, "float32", 2e-5) })
	}
	for _, m := range []string{"LSTM", "GRU", "LSTMCell", "GRUCell"} {
		if kinds[m] < 4 {
			t.Errorf("%s: %d cases of %s, want at least 4", rnnRefJSON, kinds[m], m)
		}
	}
}

func testRNNReference[T tensor.Float](t *testing.T, f *safetensors.File, c rnnRefCase, dtype string, rtol float64) {
	read := func(key string) *tensor.Tensor[T] {
		t.Helper()
		v, err := safetensors.Read[T](f, c.Name+"/"+dtype+"/"+key)
		if err != nil {
			t.Fatalf("%v (regenerate with %s)", err, rnnRegen)
		}
		return v
	}
	m := newRNNModule[T](t, c)
	params := nn.NamedParams(m.m)
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Name
		w := read("param/" + p.Name)
		if !tensor.EqualShapes(w.Shape(), p.Var.Shape()) {
			t.Fatalf("%s: shape %v, PyTorch's %v", p.Name, p.Var.Shape(), w.Shape())
		}
		copy(p.Var.Value().Data(), w.Data())
	}
	if !slices.Equal(names, c.Params) {
		t.Fatalf("parameters %v, want PyTorch's state_dict keys %v", names, c.Params)
	}
	tape := autograd.NewTape[T]()
	x := tape.Param(read("in/x"))
	var h0, c0 *autograd.Var[T]
	if c.States {
		h0 = tape.Param(read("in/h0"))
		if c.Module == "LSTM" || c.Module == "LSTMCell" {
			c0 = tape.Param(read("in/c0"))
		}
	}
	outs := m.call(x, h0, c0)
	var loss *autograd.Var[T]
	for i, name := range c.Outputs {
		compareRef(t, "out/"+name, outs[i].Value(), read("out/"+name), rtol)
		term := functional.Sum(functional.Mul(outs[i], autograd.NewConst(read("g/"+name))))
		if loss == nil {
			loss = term
		} else {
			loss = functional.Add(loss, term)
		}
	}
	tape.Backward(loss)
	compareRef(t, "grad/x", x.Grad(), read("grad/x"), rtol)
	if h0 != nil {
		compareRef(t, "grad/h0", h0.Grad(), read("grad/h0"), rtol)
	}
	if c0 != nil {
		compareRef(t, "grad/c0", c0.Grad(), read("grad/c0"), rtol)
	}
	for _, p := range params {
		compareRef(t, "grad/"+p.Name, p.Var.Grad(), read("grad/"+p.Name), rtol)
	}
}

// compareRef fails t unless got has want's shape and every value is within
// rtol·(|w| + 1) of PyTorch's w.
func compareRef[T tensor.Float](t *testing.T, what string, got, want *tensor.Tensor[T], rtol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: no gradient, want PyTorch's of shape %v", what, want.Shape())
		return
	}
	if !tensor.EqualShapes(got.Shape(), want.Shape()) {
		t.Errorf("%s: shape %v, want PyTorch's %v", what, got.Shape(), want.Shape())
		return
	}
	for i, w := range want.Data() {
		g := got.Data()[i]
		if d := math.Abs(float64(g) - float64(w)); !(d <= rtol*(math.Abs(float64(w))+1)) {
			t.Errorf("%s: at flat index %d: got %.12g, want %.12g (PyTorch), difference %.3g", what, i, g, w, d)
			return
		}
	}
}
