package nn_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
)

func randTensor(rng *rand.Rand, shape ...int) *tensor.Tensor[float64] {
	t := tensor.New[float64](shape...)
	for i := range t.Data() {
		t.Data()[i] = rng.NormFloat64()
	}
	return t
}

// TestRNNParams checks the parameters' names, shapes and PyTorch's
// initialization U(−1/√H, 1/√H) for a two-layer bidirectional LSTM and GRU
// and the cells.
func TestRNNParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const in, h = 5, 4
	type want struct {
		name  string
		shape []int
	}
	layer := func(g, l int, suffix string, lin int) []want {
		s := "_l" + string(rune('0'+l)) + suffix
		return []want{{"weight_ih" + s, []int{g * h, lin}}, {"weight_hh" + s, []int{g * h, h}},
			{"bias_ih" + s, []int{g * h}}, {"bias_hh" + s, []int{g * h}}}
	}
	stack := func(g int) []want {
		var w []want
		w = append(w, layer(g, 0, "", in)...)
		w = append(w, layer(g, 0, "_reverse", in)...)
		w = append(w, layer(g, 1, "", 2*h)...)
		return append(w, layer(g, 1, "_reverse", 2*h)...)
	}
	cell := func(g int, bias bool) []want {
		w := []want{{"weight_ih", []int{g * h, in}}, {"weight_hh", []int{g * h, h}}}
		if bias {
			w = append(w, want{"bias_ih", []int{g * h}}, want{"bias_hh", []int{g * h}})
		}
		return w
	}
	opts := []nn.RNNOption{nn.RNNNumLayers(2), nn.RNNBidirectional(true)}
	for _, c := range []struct {
		name string
		m    nn.Module[float64]
		want []want
	}{
		{"LSTM", nn.NewLSTM[float64](in, h, rng, opts...), stack(4)},
		{"GRU", nn.NewGRU[float64](in, h, rng, opts...), stack(3)},
		{"LSTM no bias", nn.NewLSTM[float64](in, h, rng, nn.RNNBias(false)), []want{
			{"weight_ih_l0", []int{4 * h, in}}, {"weight_hh_l0", []int{4 * h, h}}}},
		{"LSTMCell", nn.NewLSTMCell[float64](in, h, true, rng), cell(4, true)},
		{"GRUCell no bias", nn.NewGRUCell[float64](in, h, false, rng), cell(3, false)},
	} {
		ps := nn.NamedParams(c.m)
		if len(ps) != len(c.want) {
			t.Errorf("%s: %d parameters, want %d", c.name, len(ps), len(c.want))
			continue
		}
		bound := 1 / math.Sqrt(h)
		for i, p := range ps {
			if p.Name != c.want[i].name || !tensor.EqualShapes(p.Var.Shape(), c.want[i].shape) {
				t.Errorf("%s: parameter %d is %s %v, want %s %v", c.name, i, p.Name, p.Var.Shape(), c.want[i].name, c.want[i].shape)
			}
			lo, hi := slices.Min(p.Var.Value().Data()), slices.Max(p.Var.Value().Data())
			if lo < -bound || hi > bound || hi-lo < bound/2 {
				t.Errorf("%s: %s in [%g, %g], want spread over U(±%g)", c.name, p.Name, lo, hi, bound)
			}
		}
	}
}

// TestRNNDropout checks that dropout acts between layers in training mode
// only: in evaluation mode, and with one layer, the output is that of the
// same weights without dropout.
func TestRNNDropout(t *testing.T) {
	x := autograd.NewConst(randTensor(rand.New(rand.NewPCG(5, 6)), 4, 2, 3))
	run := func(p float64, layers int, training bool) []float64 {
		m := nn.NewLSTM[float64](3, 5, rand.New(rand.NewPCG(7, 8)), nn.RNNNumLayers(layers), nn.RNNDropout(p))
		nn.SetTraining[float64](m, training)
		return m.Forward(x).Value().Data()
	}
	if d := testutil.MaxAbsDiff(run(0.5, 2, false), run(0, 2, true)); d != 0 {
		t.Errorf("2 layers, dropout 0.5 in evaluation mode: differs from no dropout by %g", d)
	}
	if d := testutil.MaxAbsDiff(run(0.5, 1, true), run(0, 1, true)); d != 0 {
		t.Errorf("1 layer, dropout 0.5 in training mode: differs from no dropout by %g", d)
	}
	if d := testutil.MaxAbsDiff(run(0.5, 2, true), run(0, 2, true)); d < 1e-3 {
		t.Errorf("2 layers, dropout 0.5 in training mode: differs from no dropout by %g only", d)
	}
	if d := testutil.MaxAbsDiff(run(1, 2, true), run(0, 1, true)); d < 1e-3 {
		t.Errorf("dropout 1: the second layer sees zeros, but the output equals one layer's")
	}
}

// TestRNNPanics checks the messages of bad sizes, options and shapes.
func TestRNNPanics(t *testing.T) {
	// An empty batch is allowed, as in PyTorch; an empty sequence is not.
	if out := nn.NewGRU[float64](3, 2, rand.New(rand.NewPCG(1, 1))).Forward(autograd.NewConst(tensor.New[float64](4, 0, 3))); !tensor.EqualShapes(out.Shape(), []int{4, 0, 2}) {
		t.Errorf("GRU on an empty batch: output of shape %v, want [4 0 2]", out.Shape())
	}
	rng := rand.New(rand.NewPCG(1, 1))
	lstm := nn.NewLSTM[float64](3, 2, rng, nn.RNNNumLayers(2))
	gru := nn.NewGRU[float64](3, 2, rng, nn.RNNBatchFirst(true))
	lc := nn.NewLSTMCell[float64](3, 2, true, rng)
	gc := nn.NewGRUCell[float64](3, 2, true, rng)
	z := func(shape ...int) *autograd.Var[float64] { return autograd.NewConst(tensor.New[float64](shape...)) }
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() { nn.NewLSTM[float64](0, 2, rng) }, "nn: LSTM: input_size 0 and hidden_size 2 must be positive"},
		{func() { nn.NewGRUCell[float64](3, -1, true, rng) }, "nn: GRUCell: input_size 3 and hidden_size -1 must be positive"},
		{func() { nn.NewGRU[float64](3, 2, rng, nn.RNNNumLayers(0)) }, "nn: GRU: num_layers must be positive, got 0"},
		{func() { nn.NewLSTM[float64](3, 2, rng, nn.RNNDropout(1.5)) }, "nn: LSTM: dropout must be in [0, 1], got 1.5"},
		{func() { lstm.Forward(z(4, 2, 4)) }, "nn: LSTM: input of shape [4 2 4]: want L×N×3"},
		{func() { lstm.Forward(z(4)) }, "nn: LSTM: input of shape [4]: want"},
		{func() { lstm.ForwardStates(z(4, 2, 3), z(1, 2, 2), nil) }, "nn: LSTM: h0 of shape [1 2 2]: want [2 2 2] for the input of shape [4 2 3]"},
		{func() { lstm.ForwardStates(z(4, 3), nil, z(2, 1, 2)) }, "nn: LSTM: c0 of shape [2 1 2]: want [2 2] for the input of shape [4 3]"},
		{func() { gru.ForwardStates(z(2, 4, 3), z(1, 4, 2)) }, "nn: GRU: h0 of shape [1 4 2]: want [1 2 2]"},
		{func() { lstm.Forward(z(0, 2, 3)) }, "nn: LSTM: input of shape [0 2 3]: the sequence length must be positive"},
		{func() { gru.Forward(z(2, 0, 3)) }, "nn: GRU: input of shape [2 0 3]: the sequence length must be positive"},
		{func() { lc.Step(z(2, 4), nil, nil) }, "nn: LSTMCell: input of shape [2 4]: want N×3 or 3 (unbatched)"},
		{func() { lc.Step(z(2, 3), z(2, 3), nil) }, "nn: LSTMCell: state of shape [2 3]: want [2 2] for the input of shape [2 3]"},
		{func() { gc.Step(z(3), z(1, 2)) }, "nn: GRUCell: state of shape [1 2]: want [2] for the input of shape [3]"},
	} {
		testutil.MustPanic(t, c.f, c.want)
	}
}

// TestRNNSavedBytesPerStep checks the memory of backpropagation through
// time stated in nn/rnn.go: each step of an LSTM keeps 7·N·H elements (the
// fused cell 6·N·H, the product h·W_hhᵀ its h), each step of a GRU 5·N·H
// (the cell 4·N·H besides the h the product keeps), and the one product of
// the input with W_ih keeps the input, N·In more per step.
func TestRNNSavedBytesPerStep(t *testing.T) {
	const n, in, h = 3, 4, 5
	rng := rand.New(rand.NewPCG(9, 10))
	for _, c := range []struct {
		name      string
		m         nn.Module[float64]
		cell      string
		cellElems int // per step, under the cell's name
		elems     int // per step in all
	}{
		{"LSTM", nn.NewLSTM[float64](in, h, rng), "LSTMCell", 6 * n * h, 7*n*h + n*in},
		{"GRU", nn.NewGRU[float64](in, h, rng), "GRUCell", 4 * n * h, 5*n*h + n*in},
	} {
		saved := func(steps int) (int, int) {
			tape := autograd.NewTape[float64]()
			c.m.Forward(tape.Input(randTensor(rng, steps, n, in)))
			return tape.SavedBytes(), tape.SavedBytesByOp()[c.cell]
		}
		b7, cell7 := saved(7)
		b8, cell8 := saved(8)
		if got, want := b8-b7, 8*c.elems; got != want {
			t.Errorf("%s: one more step keeps %d bytes, want %d", c.name, got, want)
		}
		if got, want := cell8, 8*8*c.cellElems; got != want {
			t.Errorf("%s: %s keeps %d bytes over 8 steps, want %d", c.name, c.cell, got, want)
		}
		if cell8-cell7 != 8*c.cellElems {
			t.Errorf("%s: %s keeps %d bytes more for one more step, want %d", c.name, c.cell, cell8-cell7, 8*c.cellElems)
		}
	}
}

// TestRNNTrainsWithClipping fits a GRU and a linear read-out to a fixed
// sequence target with Adam and gradient-norm clipping (optim.ClipGradNorm,
// as one clips recurrent networks' gradients): the loss must fall by half,
// and clipping must leave the gradients' norm at PyTorch's
// maxNorm·norm/(norm + 1e-6) when it was above maxNorm.
func TestRNNTrainsWithClipping(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	gru := nn.NewGRU[float64](2, 6, rng, nn.RNNBatchFirst(true))
	head := nn.NewLinear[float64](6, 1, true, rng)
	params := append(nn.Params[float64](gru), nn.Params[float64](head)...)
	opt := optim.NewAdam(params, optim.LR(0.02))
	x, y := randTensor(rng, 4, 6, 2), randTensor(rng, 4, 6, 1)
	tape := autograd.NewTape[float64]()
	var first, last float64
	clipped := false
	for step := range 60 {
		tape.Reset()
		out := head.Forward(gru.Forward(tape.Input(x)))
		d := functional.Sub(out, autograd.NewConst(y))
		loss := functional.Mean(functional.Mul(d, d))
		tape.Backward(loss)
		norm := optim.ClipGradNorm(params, 0.5)
		if norm > 0.5 {
			after := 0.0
			for _, p := range params {
				for _, g := range p.Grad().Data() {
					after += g * g
				}
			}
			// PyTorch's coefficient 0.5/(norm + 1e-6)
			if want := 0.5 * norm / (norm + 1e-6); math.Abs(math.Sqrt(after)-want) > 1e-12 {
				t.Fatalf("step %d: norm %g clipped to %.15g, want %.15g", step, norm, math.Sqrt(after), want)
			}
			clipped = true
		}
		opt.Step()
		opt.ZeroGrad()
		if step == 0 {
			first = loss.Value().Data()[0]
		}
		last = loss.Value().Data()[0]
	}
	if !clipped {
		t.Errorf("the gradient norm never exceeded 0.5; the test does not exercise clipping")
	}
	if !(last < first/2) {
		t.Errorf("loss %g after 60 steps from %g, want below half", last, first)
	}
}

// TestRNNGradGrad checks first- and second-order gradients through a whole
// two-layer bidirectional LSTM and GRU, with respect to the input and the
// initial states, against central differences (gradtest.Check and
// GradGradCheck): create-graph works through the slicing, the per-step
// products, the cells and the joins.
func TestRNNGradGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const l, n, in, h = 3, 2, 2, 2
	opts := []nn.RNNOption{nn.RNNNumLayers(2), nn.RNNBidirectional(true)}
	lstm := nn.NewLSTM[float64](in, h, rng, opts...)
	gru := nn.NewGRU[float64](in, h, rng, append(opts, nn.RNNBatchFirst(true))...)
	// One output: the sequence's and the final states' values, joined.
	join := func(vs ...*autograd.Var[float64]) *autograd.Var[float64] {
		flat := make([]*autograd.Var[float64], len(vs))
		for i, v := range vs {
			flat[i] = functional.Reshape(v, -1)
		}
		return functional.Concat(flat, 0)
	}
	for _, c := range []struct {
		name   string
		f      func(x []*autograd.Var[float64]) *autograd.Var[float64]
		inputs []*tensor.Tensor[float64]
	}{
		{"LSTM", func(x []*autograd.Var[float64]) *autograd.Var[float64] {
			out, hn, cn := lstm.ForwardStates(x[0], x[1], x[2])
			return join(out, hn, cn)
		}, []*tensor.Tensor[float64]{randTensor(rng, l, n, in), randTensor(rng, 4, n, h), randTensor(rng, 4, n, h)}},
		{"GRU", func(x []*autograd.Var[float64]) *autograd.Var[float64] {
			out, hn := gru.ForwardStates(x[0], x[1])
			return join(out, hn)
		}, []*tensor.Tensor[float64]{randTensor(rng, n, l, in), randTensor(rng, 4, n, h)}},
	} {
		if err := gradtest.Check(c.f, c.inputs, nil); err != nil {
			t.Errorf("%s: first order: %v", c.name, err)
		}
		if err := gradtest.GradGradCheck(c.f, c.inputs, nil); err != nil {
			t.Errorf("%s: second order: %v", c.name, err)
		}
	}
}
