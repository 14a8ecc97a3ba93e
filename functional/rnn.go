package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// LSTMGates is the pointwise step of an LSTM cell (ops.LSTMCell): given
// the gate pre-activations a = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh (N×4H, gates
// i, f, g, o) and the cell state c (N×H), it returns the new hidden and
// cell states
//
//	c' = σ(a_f) ⊙ c + σ(a_i) ⊙ tanh(a_g),  h' = σ(a_o) ⊙ tanh(c')
//
// each N×H. It panics unless a is N×4H and c is N×H.
func LSTMGates[T tensor.Float](a, c *autograd.Var[T]) (h2, c2 *autograd.Var[T]) {
	y := autograd.Apply[T](&ops.LSTMCell[T]{}, a, c)
	s := c.Shape()
	h2 = Reshape(Slice(y, Span(0, 1)), s...)
	c2 = Reshape(Slice(y, Span(1, 2)), s...)
	return h2, c2
}

// GRUGates is the pointwise step of a GRU cell (ops.GRUCell): given the
// input gates u = x·W_ihᵀ + b_ih and the hidden gates w = h·W_hhᵀ + b_hh
// (both N×3H, gates r, z, n) and the hidden state h (N×H), it returns
//
//	r = σ(u_r + w_r),  z = σ(u_z + w_z),  n = tanh(u_n + r ⊙ w_n)
//	h' = (1 − z) ⊙ n + z ⊙ h
//
// It panics unless u and w are N×3H and h is N×H.
func GRUGates[T tensor.Float](u, w, h *autograd.Var[T]) *autograd.Var[T] {
	return autograd.Apply[T](&ops.GRUCell[T]{}, u, w, h)
}

// LSTMCell is one step of an LSTM, as PyTorch's torch._VF.lstm_cell(x,
// (h, c), w_ih, w_hh, b_ih, b_hh): x is N×In, h and c are N×H, w_ih is
// 4H×In, w_hh 4H×H, and the biases (4H, either may be nil) are added to
// the products; see LSTMGates for the rest.
func LSTMCell[T tensor.Float](x, h, c, wIH, wHH, bIH, bHH *autograd.Var[T]) (h2, c2 *autograd.Var[T]) {
	return LSTMGates(Add(Linear(x, wIH, bIH), Linear(h, wHH, bHH)), c)
}

// GRUCell is one step of a GRU, as PyTorch's torch._VF.gru_cell(x, h,
// w_ih, w_hh, b_ih, b_hh): x is N×In, h is N×H, w_ih is 3H×In, w_hh 3H×H,
// and the biases (3H, either may be nil) are added to their products, b_hn
// inside the reset gate's; see GRUGates.
func GRUCell[T tensor.Float](x, h, wIH, wHH, bIH, bHH *autograd.Var[T]) *autograd.Var[T] {
	return GRUGates(Linear(x, wIH, bIH), Linear(h, wHH, bHH), h)
}
