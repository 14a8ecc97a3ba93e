package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// GRUCell is one step of a gated recurrent unit, fused, as the pointwise
// part of PyTorch's nn.GRUCell (aten's _thnn_fused_gru_cell), with a
// hand-derived backward. The matrix products stay outside: its inputs are
// the input gates u = x·W_ihᵀ + b_ih and the hidden gates w = h·W_hhᵀ + b_hh
// (both N×3H, in PyTorch's gate order r, z, n) and the hidden state h (N×H);
// its output is the new hidden state h' (N×H):
//
//	r = σ(u_r + w_r),  z = σ(u_z + w_z),  n = tanh(u_n + r ⊙ w_n)   N×H each
//	h' = (1 − z) ⊙ n + z ⊙ h                                       N×H
//	δ_n = dh' ⊙ (1 − z) ⊙ (1 − n²)
//	δ_r = δ_n ⊙ w_n ⊙ r(1 − r),  δ_z = dh' ⊙ (h − n) ⊙ z(1 − z)
//	du = (δ_r, δ_z, δ_n),  dw = (δ_r, δ_z, δ_n ⊙ r)                N×3H each
//	dh = dh' ⊙ z                                                   N×H
//
// As in PyTorch, b_hn stays inside the reset gate's product, which is why
// the two gate pre-activations come in apart. It keeps r, z, n and w_n
// (4NH elements) and the input h (NH): 5·N·H elements per step, 40NH bytes
// in float64 and 20NH in float32. A NaN in an input propagates to the
// output and the gradients. In float32, σ and tanh are vec.Sigmoid32's
// and vec.Tanh32's, row by row (float64 lanes rounded once, within 1 ulp of
// the scalar functions and almost always equal).
//
// Its BackwardVar recomputes the gates from u, w and h with Slice, Sigmoid
// and Tanh and writes the formulas above with ops, joining the gate
// gradients with Concat.
//
// It panics unless it is given three inputs, u and w of shape N×3H and h
// of shape N×H with H ≥ 1.
type GRUCell[T tensor.Float] struct {
	arena[T]
	ws *tensor.Tensor[T] // r, z, n, w_n: N×4H
	h  *tensor.Tensor[T] // the input h
}

func (*GRUCell[T]) Name() string { return "GRUCell" }

// gruShape checks GRUCell's inputs and returns N and H.
func gruShape[T tensor.Float](in []*tensor.Tensor[T]) (n, h int) {
	checkArity("GRUCell", in, 3)
	us, ws, hs := in[0].Shape(), in[1].Shape(), in[2].Shape()
	if len(us) != 2 || len(hs) != 2 || !tensor.EqualShapes(us, ws) || hs[1] < 1 || us[0] != hs[0] || us[1] != 3*hs[1] {
		panic(fmt.Sprintf(errGRUCell, us, ws, hs))
	}
	return hs[0], hs[1]
}

func (op *GRUCell[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	n, h := gruShape(in)
	op.h = in[2]
	op.ws = op.ar.NewUninit(n, 4*h)
	y := op.ar.NewUninit(n, h)
	u, w, hp, ws, yd := in[0].Data(), in[1].Data(), in[2].Data(), op.ws.Data(), y.Data()
	byRows(n, 4*h, func(lo, hi int) {
		pre := make([]T, 2*h) // the activations' arguments
		for row := lo; row < hi; row++ {
			ur, wr, sr := u[row*3*h:][:3*h], w[row*3*h:][:3*h], ws[row*4*h:][:4*h]
			for j := range 2 * h {
				pre[j] = ur[j] + wr[j]
			}
			sigmoidInto(sr[:2*h], pre)
			for j := range h {
				wn := wr[2*h+j]
				pre[j] = ur[2*h+j] + sr[j]*wn
				sr[3*h+j] = wn
			}
			tanhInto(sr[2*h:3*h], pre[:h])
			for j := range h {
				z, nn := sr[h+j], sr[2*h+j]
				k := row*h + j
				yd[k] = (1-z)*nn + z*hp[k]
			}
		}
	})
	return y
}

func (op *GRUCell[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	n, h := op.h.Shape()[0], op.h.Shape()[1]
	grads := make([]*tensor.Tensor[T], 3)
	var du, dw, dh []T
	if needs[0] {
		grads[0] = op.ar.NewUninit(n, 3*h)
		du = grads[0].Data()
	}
	if needs[1] {
		grads[1] = op.ar.NewUninit(n, 3*h)
		dw = grads[1].Data()
	}
	if needs[2] {
		grads[2] = op.ar.NewUninit(n, h)
		dh = grads[2].Data()
	}
	d, ws, hp := dy.Data(), op.ws.Data(), op.h.Data()
	byRows(n, 4*h, func(lo, hi int) {
		for row := lo; row < hi; row++ {
			sr := ws[row*4*h:][:4*h]
			for j := range h {
				k := row*h + j
				r, z, nn, wn := sr[j], sr[h+j], sr[2*h+j], sr[3*h+j]
				g := d[k]
				if dh != nil {
					dh[k] = g * z
				}
				dn := g * (1 - z) * (1 - nn*nn)
				dr := dn * wn * r * (1 - r)
				dz := g * (hp[k] - nn) * z * (1 - z)
				if du != nil {
					o := du[row*3*h:][:3*h]
					o[j], o[h+j], o[2*h+j] = dr, dz, dn
				}
				if dw != nil {
					o := dw[row*3*h:][:3*h]
					o[j], o[h+j], o[2*h+j] = dr, dz, dn*r
				}
			}
		}
	})
	return grads
}

func (op *GRUCell[T]) Saved() []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.ws, op.h}
}

// BackwardVar is Backward written with differentiable ops; it recomputes
// the gates from the input Vars u, w and h:
//
//	r = σ(u_r + w_r),  z = σ(u_z + w_z),  n = tanh(u_n + r ⊙ w_n)
//	δ_n = dh' ⊙ (1 − z) ⊙ (1 − n²),  δ_r = δ_n ⊙ w_n ⊙ r(1 − r)
//	δ_z = dh' ⊙ (h − n) ⊙ z(1 − z)
//	du = Concat(δ_r, δ_z, δ_n),  dw = Concat(δ_r, δ_z, δ_n ⊙ r),  dh = dh' ⊙ z
func (op *GRUCell[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	u, w, hp := in[0], in[1], in[2]
	h := hp.Shape()[1]
	part := func(x *v[T], k int) *v[T] { return vSlice(x, []Range{{0, End, 1}, {k * h, (k + 1) * h, 1}}) }
	wn := part(w, 2)
	r := vSigmoid(vAdd(part(u, 0), part(w, 0)))
	z := vSigmoid(vAdd(part(u, 1), part(w, 1)))
	nn := vTanh(vAdd(part(u, 2), vMul(r, wn)))
	dn := vMul(vMul(dy, vAddScalar(vNeg(z), 1)), oneMinusSq(nn))
	dr := vMul(vMul(dn, wn), sigmoidSlope(r))
	dz := vMul(vMul(dy, vSub(hp, nn)), sigmoidSlope(z))
	grads := make([]*v[T], 3)
	if needs[0] {
		grads[0] = vConcat(1, dr, dz, dn)
	}
	if needs[1] {
		grads[1] = vConcat(1, dr, dz, vMul(dn, r))
	}
	if needs[2] {
		grads[2] = vMul(dy, z)
	}
	return grads
}
