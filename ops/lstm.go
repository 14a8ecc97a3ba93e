package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// LSTMCell is one step of a long short-term memory cell, fused, as the
// pointwise part of PyTorch's nn.LSTMCell (aten's _thnn_fused_lstm_cell),
// with a hand-derived backward. The matrix products stay outside: its
// inputs are the gate pre-activations a = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh
// (N×4H, in PyTorch's gate order i, f, g, o) and the cell state c (N×H).
// Its output stacks the new hidden and cell states, 2×N×H, h' at index 0
// and c' at index 1:
//
//	i = σ(a_i),  f = σ(a_f),  g = tanh(a_g),  o = σ(a_o)        N×H each
//	c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')                      N×H each
//	δ = dc' + dh' ⊙ o ⊙ (1 − tanh²(c'))
//	da_i = δ ⊙ g ⊙ i(1 − i),  da_f = δ ⊙ c ⊙ f(1 − f)
//	da_g = δ ⊙ i ⊙ (1 − g²),  da_o = dh' ⊙ tanh(c') ⊙ o(1 − o)  N×4H
//	dc = δ ⊙ f                                                  N×H
//
// It keeps the four activated gates (4NH elements), tanh(c') (NH) and the
// input c (NH): 6·N·H elements per step, 48NH bytes in float64 and 24NH in
// float32. A NaN in a or c propagates to the outputs and gradients. In
// float32, σ and tanh are vec.Sigmoid32's and vec.Tanh32's, row by row
// (float64 lanes rounded once, within 1 ulp of the scalar functions and
// almost always equal).
//
// Its BackwardVar recomputes the gates from a with Slice, Sigmoid and Tanh
// and writes the formulas above with ops, joining the four gate gradients
// with Concat.
//
// It panics unless it is given two inputs, a of shape N×4H and c of shape
// N×H with H ≥ 1.
type LSTMCell[T tensor.Float] struct {
	arena[T]
	act *tensor.Tensor[T] // i, f, g, o, N×4H
	tc  *tensor.Tensor[T] // tanh(c'), N×H
	c   *tensor.Tensor[T] // the input c
}

func (*LSTMCell[T]) Name() string { return "LSTMCell" }

// lstmShape checks LSTMCell's inputs and returns N and H.
func lstmShape[T tensor.Float](in []*tensor.Tensor[T]) (n, h int) {
	checkArity("LSTMCell", in, 2)
	as, cs := in[0].Shape(), in[1].Shape()
	if len(as) != 2 || len(cs) != 2 || cs[1] < 1 || as[0] != cs[0] || as[1] != 4*cs[1] {
		panic(fmt.Sprintf(errLSTMCell, as, cs))
	}
	return cs[0], cs[1]
}

func (op *LSTMCell[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	n, h := lstmShape(in)
	op.c = in[1]
	op.act = op.ar.NewUninit(n, 4*h)
	op.tc = op.ar.NewUninit(n, h)
	y := op.ar.NewUninit(2, n, h)
	a, c, act, tc, yd := in[0].Data(), in[1].Data(), op.act.Data(), op.tc.Data(), y.Data()
	hs, cn := yd[:n*h], yd[n*h:]
	byRows(n, 4*h, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			ar, gr := a[r*4*h:][:4*h], act[r*4*h:][:4*h]
			sigmoidInto(gr[:2*h], ar[:2*h])
			tanhInto(gr[2*h:3*h], ar[2*h:3*h])
			sigmoidInto(gr[3*h:], ar[3*h:])
			cr, cnr, tr, hr := c[r*h:][:h], cn[r*h:][:h], tc[r*h:][:h], hs[r*h:][:h]
			for j := range h {
				i, f, g := gr[j], gr[h+j], gr[2*h+j]
				cnr[j] = f*cr[j] + i*g
			}
			tanhInto(tr, cnr)
			for j := range h {
				hr[j] = gr[3*h+j] * tr[j]
			}
		}
	})
	return y
}

func (op *LSTMCell[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	n, h := op.c.Shape()[0], op.c.Shape()[1]
	var da, dc *tensor.Tensor[T]
	var dad, dcd []T
	if needs[0] {
		da = op.ar.NewUninit(n, 4*h)
		dad = da.Data()
	}
	if needs[1] {
		dc = op.ar.NewUninit(n, h)
		dcd = dc.Data()
	}
	d, act, tc, c := dy.Data(), op.act.Data(), op.tc.Data(), op.c.Data()
	dh, dcn := d[:n*h], d[n*h:]
	byRows(n, 4*h, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			gr := act[r*4*h:][:4*h]
			for j := range h {
				k := r*h + j
				i, f, g, o := gr[j], gr[h+j], gr[2*h+j], gr[3*h+j]
				t := tc[k]
				delta := dcn[k] + dh[k]*o*(1-t*t)
				if dcd != nil {
					dcd[k] = delta * f
				}
				if dad != nil {
					dr := dad[r*4*h:][:4*h]
					dr[j] = delta * g * i * (1 - i)
					dr[h+j] = delta * c[k] * f * (1 - f)
					dr[2*h+j] = delta * i * (1 - g*g)
					dr[3*h+j] = dh[k] * t * o * (1 - o)
				}
			}
		}
	})
	return []*tensor.Tensor[T]{da, dc}
}

func (op *LSTMCell[T]) Saved() []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.act, op.tc, op.c}
}

// BackwardVar is Backward written with differentiable ops; it recomputes
// the gates and c' from the input Vars a and c:
//
//	i, f, g, o = σ(a_i), σ(a_f), tanh(a_g), σ(a_o);  t = tanh(f ⊙ c + i ⊙ g)
//	δ = dc' + dh' ⊙ o ⊙ (1 − t²)
//	da = Concat(δ ⊙ g ⊙ i(1 − i), δ ⊙ c ⊙ f(1 − f), δ ⊙ i ⊙ (1 − g²), dh' ⊙ t ⊙ o(1 − o))
//	dc = δ ⊙ f
func (op *LSTMCell[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	a, c := in[0], in[1]
	n, h := c.Shape()[0], c.Shape()[1]
	gate := func(k int) *v[T] { return vSlice(a, []Range{{0, End, 1}, {k * h, (k + 1) * h, 1}}) }
	i, f, g, o := vSigmoid(gate(0)), vSigmoid(gate(1)), vTanh(gate(2)), vSigmoid(gate(3))
	t := vTanh(vAdd(vMul(f, c), vMul(i, g)))
	dh := vReshape(vSlice(dy, []Range{{0, 1, 1}}), n, h)
	dcn := vReshape(vSlice(dy, []Range{{1, 2, 1}}), n, h)
	delta := vAdd(dcn, vMul(vMul(dh, o), oneMinusSq(t)))
	grads := make([]*v[T], 2)
	if needs[0] {
		grads[0] = vConcat(1,
			vMul(vMul(delta, g), sigmoidSlope(i)),
			vMul(vMul(delta, c), sigmoidSlope(f)),
			vMul(vMul(delta, i), oneMinusSq(g)),
			vMul(vMul(dh, t), sigmoidSlope(o)))
	}
	if needs[1] {
		grads[1] = vMul(delta, f)
	}
	return grads
}

// oneMinusSq is 1 − t², tanh's slope at the point where it is t.
func oneMinusSq[T tensor.Float](t *v[T]) *v[T] { return vAddScalar(vNeg(vMul(t, t)), 1) }

// sigmoidSlope is s(1 − s), σ's slope at the point where it is s.
func sigmoidSlope[T tensor.Float](s *v[T]) *v[T] { return vMul(s, vAddScalar(vNeg(s), 1)) }

// vConcat is Concat along axis applied to Vars.
func vConcat[T tensor.Float](axis int, xs ...*v[T]) *v[T] {
	return autograd.Apply[T](&Concat[T]{Axis: axis}, xs...)
}
