package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Recurrent layers (issue 20): LSTMCell and GRUCell, one step, and LSTM
// and GRU, stacks of them run over a sequence, as PyTorch's modules of the
// same names. Each step is two matrix products, x_t·W_ihᵀ and h·W_hhᵀ
// (MatMul), and one fused op for the pointwise part, ops.LSTMCell or
// ops.GRUCell.
//
// Backpropagation through time keeps, per step and per layer and
// direction, what the step's ops keep: the product h·W_hhᵀ keeps h (N·H
// elements; W_hh is kept once for all steps), and the fused cell 6·N·H
// (LSTM: the four gates, tanh(c') and c) or 4·N·H besides the h the
// product keeps (GRU: r, z, n and the hidden part of n's pre-activation).
// That is 7·N·H elements per LSTM step and 5·N·H per GRU step: 56·N·H and
// 40·N·H bytes in float64, 28·N·H and 20·N·H in float32
// (TestRNNSavedBytesPerStep checks it with Tape.SavedBytes and
// SavedBytesByOp). The product x_t·W_ih keeps the step's input x_t, N·In
// elements (for a layer above the first, the h of the layer below, already
// counted, or with two directions their concatenation, 2·N·H).

// rnnInit fills ts with PyTorch's initialization of its recurrent modules:
// every weight and bias from U(−1/√hidden, 1/√hidden), in order.
func rnnInit[T tensor.Float](hidden int, rng *rand.Rand, ts ...*tensor.Tensor[T]) {
	k := 1 / math.Sqrt(float64(hidden))
	for _, t := range ts {
		if t != nil {
			Uniform(t, -k, k, rng)
		}
	}
}

// cellParams is the weights of one cell: W_ih (G·H×In), W_hh (G·H×H) and
// the biases b_ih and b_hh (G·H, nil without bias) for G gates.
type cellParams[T tensor.Float] struct {
	WeightIH, WeightHH, BiasIH, BiasHH *autograd.Var[T]
}

func newCellParams[T tensor.Float](gates, in, hidden int, bias bool, rng *rand.Rand) cellParams[T] {
	wi, wh := tensor.New[T](gates*hidden, in), tensor.New[T](gates*hidden, hidden)
	var bi, bh *tensor.Tensor[T]
	if bias {
		bi, bh = tensor.New[T](gates*hidden), tensor.New[T](gates*hidden)
	}
	rnnInit(hidden, rng, wi, wh, bi, bh)
	p := cellParams[T]{WeightIH: autograd.NewParam(wi), WeightHH: autograd.NewParam(wh)}
	if bias {
		p.BiasIH, p.BiasHH = autograd.NewParam(bi), autograd.NewParam(bh)
	}
	return p
}

// params lists the weights under PyTorch's names with the suffix given
// ("" for a cell, "_l0", "_l1_reverse", … for a layer of LSTM or GRU).
func (p cellParams[T]) params(suffix string) []Param[T] {
	ps := []Param[T]{{Name: "weight_ih" + suffix, Var: p.WeightIH}, {Name: "weight_hh" + suffix, Var: p.WeightHH}}
	if p.BiasIH != nil {
		ps = append(ps, Param[T]{Name: "bias_ih" + suffix, Var: p.BiasIH}, Param[T]{Name: "bias_hh" + suffix, Var: p.BiasHH})
	}
	return ps
}

func checkRNNSizes(name string, in, hidden int) {
	if in <= 0 || hidden <= 0 {
		panic(fmt.Sprintf(errRNNSizes, name, in, hidden))
	}
}

// zeroState is a constant N×H (or H, unbatched) state of zeros.
func zeroState[T tensor.Float](shape ...int) *autograd.Var[T] {
	return autograd.NewConst(tensor.New[T](shape...))
}

// cellBatch checks a cell's input x (N×In, or In unbatched) and states
// (N×H, or H; nil for zeros) and returns them as batches, and whether x
// was unbatched.
func cellBatch[T tensor.Float](name string, in, hidden int, x *autograd.Var[T], states ...*autograd.Var[T]) (xb *autograd.Var[T], sb []*autograd.Var[T], unbatched bool) {
	xs := x.Shape()
	switch {
	case len(xs) == 1 && xs[0] == in:
		unbatched = true
		xb = functional.Reshape(x, 1, in)
	case len(xs) == 2 && xs[1] == in:
		xb = x
	default:
		panic(fmt.Sprintf(errRNNCellInput, name, xs, in, in))
	}
	n := xb.Shape()[0]
	sb = make([]*autograd.Var[T], len(states))
	for i, s := range states {
		switch {
		case s == nil:
			sb[i] = zeroState[T](n, hidden)
		case unbatched && tensor.EqualShapes(s.Shape(), []int{hidden}):
			sb[i] = functional.Reshape(s, 1, hidden)
		case !unbatched && tensor.EqualShapes(s.Shape(), []int{n, hidden}):
			sb[i] = s
		default:
			want := []int{n, hidden}
			if unbatched {
				want = want[1:]
			}
			panic(fmt.Sprintf(errRNNCellState, name, s.Shape(), want, xs))
		}
	}
	return xb, sb, unbatched
}

// unbatch drops the batch axis of a state when the input was unbatched.
func unbatch[T tensor.Float](s *autograd.Var[T], unbatched bool) *autograd.Var[T] {
	if !unbatched {
		return s
	}
	return functional.Reshape(s, s.Shape()[1:]...)
}

// LSTMCell is PyTorch's nn.LSTMCell: one step of a long short-term memory
// cell, with the parameters weight_ih (4H×In), weight_hh (4H×H), bias_ih
// and bias_hh (4H, absent without bias), gates in PyTorch's order i, f, g,
// o:
//
//	a = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh
//	i, f, g, o = σ(a_i), σ(a_f), tanh(a_g), σ(a_o)
//	c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')
type LSTMCell[T tensor.Float] struct {
	InputSize, HiddenSize int
	cellParams[T]
}

// NewLSTMCell returns an LSTM cell from inputSize features to hiddenSize,
// as PyTorch's nn.LSTMCell(input_size, hidden_size, bias), every weight
// and bias drawn from U(−1/√hiddenSize, 1/√hiddenSize) by rng. It panics
// unless both sizes are positive.
func NewLSTMCell[T tensor.Float](inputSize, hiddenSize int, bias bool, rng *rand.Rand) *LSTMCell[T] {
	checkRNNSizes("LSTMCell", inputSize, hiddenSize)
	return &LSTMCell[T]{InputSize: inputSize, HiddenSize: hiddenSize,
		cellParams: newCellParams[T](4, inputSize, hiddenSize, bias, rng)}
}

// Step returns the new hidden and cell states for the input x (N×In, or
// In unbatched) and the states h and c (N×H, or H; nil for zeros), as
// PyTorch's cell(x, (h, c)). It panics if the shapes do not fit.
func (m *LSTMCell[T]) Step(x, h, c *autograd.Var[T]) (h2, c2 *autograd.Var[T]) {
	xb, s, ub := cellBatch("LSTMCell", m.InputSize, m.HiddenSize, x, h, c)
	h2, c2 = functional.LSTMCell(xb, s[0], s[1], m.WeightIH, m.WeightHH, m.BiasIH, m.BiasHH)
	return unbatch(h2, ub), unbatch(c2, ub)
}

// Forward returns the new hidden state from zero states, h' of
// Step(x, nil, nil).
func (m *LSTMCell[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	h, _ := m.Step(x, nil, nil)
	return h
}

// State lists weight_ih, weight_hh and, with bias, bias_ih and bias_hh.
func (m *LSTMCell[T]) State() State[T] { return State[T]{Params: m.params("")} }

// GRUCell is PyTorch's nn.GRUCell: one step of a gated recurrent unit,
// with the parameters weight_ih (3H×In), weight_hh (3H×H), bias_ih and
// bias_hh (3H, absent without bias), gates in PyTorch's order r, z, n:
//
//	u = x·W_ihᵀ + b_ih,  w = h·W_hhᵀ + b_hh
//	r = σ(u_r + w_r),  z = σ(u_z + w_z),  n = tanh(u_n + r ⊙ w_n)
//	h' = (1 − z) ⊙ n + z ⊙ h
type GRUCell[T tensor.Float] struct {
	InputSize, HiddenSize int
	cellParams[T]
}

// NewGRUCell returns a GRU cell from inputSize features to hiddenSize, as
// PyTorch's nn.GRUCell(input_size, hidden_size, bias), every weight and
// bias drawn from U(−1/√hiddenSize, 1/√hiddenSize) by rng. It panics
// unless both sizes are positive.
func NewGRUCell[T tensor.Float](inputSize, hiddenSize int, bias bool, rng *rand.Rand) *GRUCell[T] {
	checkRNNSizes("GRUCell", inputSize, hiddenSize)
	return &GRUCell[T]{InputSize: inputSize, HiddenSize: hiddenSize,
		cellParams: newCellParams[T](3, inputSize, hiddenSize, bias, rng)}
}

// Step returns the new hidden state for the input x (N×In, or In
// unbatched) and the state h (N×H, or H; nil for zeros), as PyTorch's
// cell(x, h). It panics if the shapes do not fit.
func (m *GRUCell[T]) Step(x, h *autograd.Var[T]) *autograd.Var[T] {
	xb, s, ub := cellBatch("GRUCell", m.InputSize, m.HiddenSize, x, h)
	return unbatch(functional.GRUCell(xb, s[0], m.WeightIH, m.WeightHH, m.BiasIH, m.BiasHH), ub)
}

// Forward returns the new hidden state from a zero state, Step(x, nil).
func (m *GRUCell[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return m.Step(x, nil) }

// State lists weight_ih, weight_hh and, with bias, bias_ih and bias_hh.
func (m *GRUCell[T]) State() State[T] { return State[T]{Params: m.params("")} }

// RNNOption is an argument of PyTorch's nn.LSTM and nn.GRU beyond
// input_size and hidden_size, given to NewLSTM and NewGRU. The
// constructors start from PyTorch's defaults (one layer, with biases,
// sequence-first, no dropout, one direction) and apply the options in
// order.
type RNNOption func(*rnnConfig)

type rnnConfig struct {
	layers                   int
	noBias, batchFirst, bidi bool
	dropout                  float64
}

// RNNNumLayers sets the number of stacked layers (PyTorch's num_layers=).
func RNNNumLayers(n int) RNNOption { return func(c *rnnConfig) { c.layers = n } }

// RNNBias says whether the layers have the biases b_ih and b_hh (PyTorch's
// bias=; true by default).
func RNNBias(bias bool) RNNOption { return func(c *rnnConfig) { c.noBias = !bias } }

// RNNBatchFirst says whether inputs and outputs are N×L×… rather than
// L×N×… (PyTorch's batch_first=); the states are (D·layers)×N×H either way.
func RNNBatchFirst(batchFirst bool) RNNOption {
	return func(c *rnnConfig) { c.batchFirst = batchFirst }
}

// RNNDropout sets the probability of dropout on the outputs of every layer
// but the last, in training mode only (PyTorch's dropout=).
func RNNDropout(p float64) RNNOption { return func(c *rnnConfig) { c.dropout = p } }

// RNNBidirectional says whether every layer also runs over the sequence
// backwards, its outputs concatenated after the forward direction's
// (PyTorch's bidirectional=).
func RNNBidirectional(bidi bool) RNNOption { return func(c *rnnConfig) { c.bidi = bidi } }

// rnn is what LSTM and GRU share: the stack of cells and the loop over
// time, layers and directions.
type rnn[T tensor.Float] struct {
	InputSize, HiddenSize, NumLayers int
	Bias, BatchFirst, Bidirectional  bool
	Dropout                          float64
	// Cells holds layer l's forward direction at 2l (l without
	// bidirectional) and its reverse direction at 2l+1.
	Cells []cellParams[T]
	name  string
	gates int
	rng   *rand.Rand
	eval  bool
}

func newRNN[T tensor.Float](name string, gates, in, hidden int, rng *rand.Rand, opts []RNNOption) rnn[T] {
	checkRNNSizes(name, in, hidden)
	cfg := rnnConfig{layers: 1}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.layers < 1 {
		panic(fmt.Sprintf(errRNNLayers, name, cfg.layers))
	}
	if !(cfg.dropout >= 0 && cfg.dropout <= 1) {
		panic(fmt.Sprintf(errRNNDropout, name, cfg.dropout))
	}
	r := rnn[T]{InputSize: in, HiddenSize: hidden, NumLayers: cfg.layers, Bias: !cfg.noBias,
		BatchFirst: cfg.batchFirst, Bidirectional: cfg.bidi, Dropout: cfg.dropout,
		name: name, gates: gates, rng: rng}
	dirs := r.dirs()
	for l := range cfg.layers {
		lin := in
		if l > 0 {
			lin = dirs * hidden
		}
		for range dirs {
			r.Cells = append(r.Cells, newCellParams[T](gates, lin, hidden, !cfg.noBias, rng))
		}
	}
	return r
}

func (r *rnn[T]) dirs() int {
	if r.Bidirectional {
		return 2
	}
	return 1
}

// SetTraining switches dropout between layers on (training) and off.
func (r *rnn[T]) SetTraining(training bool) { r.eval = !training }

// State lists every cell's weights under PyTorch's names: weight_ih_l0,
// weight_hh_l0, bias_ih_l0, bias_hh_l0, then the same with _reverse for the
// reverse direction, then layer 1's, and so on.
func (r *rnn[T]) State() State[T] {
	var s State[T]
	for i, c := range r.Cells {
		suffix := fmt.Sprintf("_l%d", i/r.dirs())
		if i%r.dirs() == 1 {
			suffix += "_reverse"
		}
		s.Params = append(s.Params, c.params(suffix)...)
	}
	return s
}

// run runs the stack over x with the initial states h0 (and c0 for an
// LSTM), nil for zeros, and returns the output and the final states.
func (r *rnn[T]) run(x, h0, c0 *autograd.Var[T]) (out, hn, cn *autograd.Var[T]) {
	lstm := r.gates == 4
	xs := x.Shape()
	unbatched := len(xs) == 2
	if !(len(xs) == 3 || unbatched) || xs[len(xs)-1] != r.InputSize {
		panic(fmt.Sprintf(errRNNInput, r.name, xs, r.InputSize, r.InputSize, r.InputSize))
	}
	seq := x
	switch {
	case unbatched:
		seq = functional.Reshape(x, xs[0], 1, xs[1])
	case r.BatchFirst:
		seq = functional.Permute(x, 1, 0, 2)
	}
	steps, n, hsz := seq.Shape()[0], seq.Shape()[1], r.HiddenSize
	if steps == 0 {
		panic(fmt.Sprintf(errRNNEmpty, r.name, xs))
	}
	cells := len(r.Cells)
	stateShape := []int{cells, n, hsz}
	if unbatched {
		stateShape = []int{cells, hsz}
	}
	state := func(s *autograd.Var[T], what string, i int) *autograd.Var[T] {
		if s == nil {
			return zeroState[T](n, hsz)
		}
		if !tensor.EqualShapes(s.Shape(), stateShape) {
			panic(fmt.Sprintf(errRNNState, r.name, what, s.Shape(), stateShape, xs))
		}
		return functional.Reshape(functional.Slice(s, functional.Span(i, i+1)), n, hsz)
	}
	// The sequence as one N×In Var per step: slicing the input, which
	// usually needs no gradient, records nothing; later layers take the
	// steps of the layer below as they are. (A product of the whole
	// sequence with W_ih sliced step by step would cost, backwards, one
	// L×N×G·H gradient per step, L² work.)
	xsteps := make([]*autograd.Var[T], steps)
	for t := range steps {
		xsteps[t] = functional.Reshape(functional.Slice(seq, functional.Span(t, t+1)), n, seq.Shape()[2])
	}
	var hs, cs []*autograd.Var[T]
	for l := range r.NumLayers {
		if l > 0 && r.Dropout > 0 && !r.eval {
			for t, x := range xsteps {
				xsteps[t] = functional.Mul(x, autograd.NewConst(dropoutMask[T](r.rng, r.Dropout, x.Shape()...)))
			}
		}
		outs := make([][]*autograd.Var[T], r.dirs())
		for d := range r.dirs() {
			i := l*r.dirs() + d
			p := r.Cells[i]
			h := state(h0, "h0", i)
			var c *autograd.Var[T]
			if lstm {
				c = state(c0, "c0", i)
			}
			ys := make([]*autograd.Var[T], steps)
			for k := range steps {
				t := k
				if d == 1 {
					t = steps - 1 - k
				}
				u := functional.Linear(xsteps[t], p.WeightIH, p.BiasIH)
				w := functional.Linear(h, p.WeightHH, p.BiasHH)
				if lstm {
					h, c = functional.LSTMGates(functional.Add(u, w), c)
				} else {
					h = functional.GRUGates(u, w, h)
				}
				ys[t] = h
			}
			hs, cs = append(hs, h), append(cs, c)
			outs[d] = ys
		}
		xsteps = outs[0]
		if len(outs) > 1 {
			xsteps = make([]*autograd.Var[T], steps)
			for t := range steps {
				xsteps[t] = functional.Concat([]*autograd.Var[T]{outs[0][t], outs[1][t]}, 1)
			}
		}
	}
	seq = functional.Stack(xsteps, 0)
	hn = functional.Stack(hs, 0)
	if lstm {
		cn = functional.Stack(cs, 0)
	}
	switch {
	case unbatched:
		seq = functional.Reshape(seq, steps, seq.Shape()[2])
		hn = functional.Reshape(hn, cells, hsz)
		if lstm {
			cn = functional.Reshape(cn, cells, hsz)
		}
	case r.BatchFirst:
		seq = functional.Permute(seq, 1, 0, 2)
	}
	return seq, hn, cn
}

// LSTM is PyTorch's nn.LSTM: NumLayers layers of LSTM cells (see
// LSTMCell) run over a sequence, each layer's outputs the next one's
// inputs, with dropout between layers in training mode. The input is
// L×N×In (N×L×In with BatchFirst, L×In unbatched); the output is the last
// layer's hidden state at every step, L×N×D·H (D = 2 when bidirectional,
// the reverse direction's after the forward one's), and the final states
// h_n and c_n are (D·NumLayers)×N×H (D·NumLayers×H unbatched), layer by
// layer, the forward direction first. Its parameters are named as
// PyTorch's: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k},
// with _reverse after the reverse direction's (see Cells). PyTorch's
// proj_size is not supported.
type LSTM[T tensor.Float] struct{ rnn[T] }

// NewLSTM returns an LSTM from inputSize features to hiddenSize, as
// PyTorch's nn.LSTM(input_size, hidden_size, ...) with the options given,
// every weight and bias drawn from U(−1/√hiddenSize, 1/√hiddenSize) by rng,
// which also draws the dropout masks. It panics unless both sizes and the
// number of layers are positive and 0 ≤ dropout ≤ 1.
func NewLSTM[T tensor.Float](inputSize, hiddenSize int, rng *rand.Rand, opts ...RNNOption) *LSTM[T] {
	return &LSTM[T]{newRNN[T]("LSTM", 4, inputSize, hiddenSize, rng, opts)}
}

// ForwardStates runs the LSTM over x from the initial states h0 and c0
// (nil for zeros) and returns the output and the final states h_n and c_n,
// as PyTorch's lstm(x, (h0, c0)). It panics if x or a state has the wrong
// shape.
func (m *LSTM[T]) ForwardStates(x, h0, c0 *autograd.Var[T]) (out, hn, cn *autograd.Var[T]) {
	return m.run(x, h0, c0)
}

// Forward returns the output of ForwardStates from zero states.
func (m *LSTM[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	out, _, _ := m.run(x, nil, nil)
	return out
}

// GRU is PyTorch's nn.GRU: NumLayers layers of GRU cells (see GRUCell)
// run over a sequence, with the shapes, options and parameter names of
// LSTM, and one final state h_n.
type GRU[T tensor.Float] struct{ rnn[T] }

// NewGRU returns a GRU from inputSize features to hiddenSize, as PyTorch's
// nn.GRU(input_size, hidden_size, ...) with the options given; see NewLSTM.
func NewGRU[T tensor.Float](inputSize, hiddenSize int, rng *rand.Rand, opts ...RNNOption) *GRU[T] {
	return &GRU[T]{newRNN[T]("GRU", 3, inputSize, hiddenSize, rng, opts)}
}

// ForwardStates runs the GRU over x from the initial state h0 (nil for
// zeros) and returns the output and the final state h_n, as PyTorch's
// gru(x, h0). It panics if x or h0 has the wrong shape.
func (m *GRU[T]) ForwardStates(x, h0 *autograd.Var[T]) (out, hn *autograd.Var[T]) {
	out, hn, _ = m.run(x, h0, nil)
	return out, hn
}

// Forward returns the output of ForwardStates from a zero state.
func (m *GRU[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	out, _, _ := m.run(x, nil, nil)
	return out
}
