package ops

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/tensor"
)

// BatchNorm is fused batch normalization in training mode, with a
// hand-derived backward (docs/backprop.md §7). The input x has shape N×C or
// N×C×d₁×…, and every channel c is normalized over the M = N·d₁·… values it
// has, with the biased batch variance:
//
//	μ = (1/M) Σ x,  σ² = (1/M) Σ (x − μ)²,  σ = √(σ² + Eps)       C
//	x̂ = (x − μ)/σ,  y = γ ⊙ x̂ + β                                 like x
//	dβ = Σ dy,  dγ = Σ dy ⊙ x̂                                      C
//	dx = (γ/σ)/M · (M·dy − Σ dy − x̂ ⊙ Σ(dy ⊙ x̂))                 like x
//
// where every Σ runs over all axes but the channel axis. The inputs are x, γ
// and β (both of shape C). Forward keeps only x̂ and the per-channel γ/σ —
// the one product of γ and 1/σ that the backward needs — and leaves the batch
// statistics μ and σ² (biased) in Mean and Var, from which a module updates
// its running statistics. Sums are accumulated in float64.
//
// It panics if x has fewer than 2 axes or γ or β is not of shape C.
type BatchNorm[T tensor.Float] struct {
	Eps       T
	Mean, Var *tensor.Tensor[T] // batch statistics of the last Forward, shape C

	xhat  *tensor.Tensor[T]
	scale *tensor.Tensor[T] // γ/σ per channel
}

func (*BatchNorm[T]) Name() string { return "BatchNorm" }

// layout returns N, C and the size of the trailing spatial axes of x.
func bnLayout[T tensor.Float](name string, x, gamma, beta *tensor.Tensor[T]) (n, c, inner int) {
	s := x.Shape()
	if len(s) < 2 {
		panic(fmt.Sprintf(errBNRank, name, s))
	}
	c = s[1]
	if !tensor.EqualShapes(gamma.Shape(), []int{c}) || !tensor.EqualShapes(beta.Shape(), []int{c}) {
		panic(fmt.Sprintf(errBNParams, name, gamma.Shape(), beta.Shape(), s, c))
	}
	return s[0], c, tensor.NumElems(s[2:])
}

func (op *BatchNorm[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("BatchNorm", in, 3)
	x, gamma, beta := in[0], in[1], in[2]
	n, c, inner := bnLayout("BatchNorm", x, gamma, beta)
	m := float64(n * inner)
	xd, g, b := x.Data(), gamma.Data(), beta.Data()

	mean, vari := make([]float64, c), make([]float64, c)
	for s := range n {
		for ch := range c {
			row := xd[(s*c+ch)*inner : (s*c+ch+1)*inner]
			acc := 0.0
			for _, v := range row {
				acc += float64(v)
			}
			mean[ch] += acc
		}
	}
	for ch := range mean {
		mean[ch] /= m
	}
	for s := range n {
		for ch := range c {
			mu, acc := mean[ch], 0.0
			for _, v := range xd[(s*c+ch)*inner : (s*c+ch+1)*inner] {
				d := float64(v) - mu
				acc += d * d
			}
			vari[ch] += acc
		}
	}

	op.Mean, op.Var = tensor.New[T](c), tensor.New[T](c)
	invStd := make([]float64, c)
	op.scale = tensor.New[T](c)
	for ch := range c {
		vari[ch] /= m
		invStd[ch] = 1 / math.Sqrt(vari[ch]+float64(op.Eps))
		op.scale.Data()[ch] = T(float64(g[ch]) * invStd[ch])
		op.Mean.Data()[ch], op.Var.Data()[ch] = T(mean[ch]), T(vari[ch])
	}

	op.xhat = tensor.New[T](x.Shape()...)
	y := tensor.New[T](x.Shape()...)
	xh, yd := op.xhat.Data(), y.Data()
	for s := range n {
		for ch := range c {
			lo, hi := (s*c+ch)*inner, (s*c+ch+1)*inner
			mu, is, gc, bc := mean[ch], invStd[ch], g[ch], b[ch]
			for i, v := range xd[lo:hi] {
				h := T((float64(v) - mu) * is)
				xh[lo+i] = h
				yd[lo+i] = gc*h + bc
			}
		}
	}
	return y
}

func (op *BatchNorm[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	shape := op.xhat.Shape()
	n, c, inner := shape[0], shape[1], tensor.NumElems(shape[2:])
	m := float64(n * inner)
	g, xh := dy.Data(), op.xhat.Data()

	sumDy, sumDyXhat := make([]float64, c), make([]float64, c)
	for s := range n {
		for ch := range c {
			lo, hi := (s*c+ch)*inner, (s*c+ch+1)*inner
			a, b := 0.0, 0.0
			for i, d := range g[lo:hi] {
				a += float64(d)
				b += float64(d) * float64(xh[lo+i])
			}
			sumDy[ch] += a
			sumDyXhat[ch] += b
		}
	}

	grads := make([]*tensor.Tensor[T], 3)
	if needs[0] {
		dx := tensor.New[T](shape...)
		d := dx.Data()
		for s := range n {
			for ch := range c {
				lo, hi := (s*c+ch)*inner, (s*c+ch+1)*inner
				sc := float64(op.scale.Data()[ch])
				a, b := sumDy[ch]/m, sumDyXhat[ch]/m
				for i, dv := range g[lo:hi] {
					d[lo+i] = T(sc * (float64(dv) - a - float64(xh[lo+i])*b))
				}
			}
		}
		grads[0] = dx
	}
	if needs[1] {
		grads[1] = fromFloat64[T](sumDyXhat)
	}
	if needs[2] {
		grads[2] = fromFloat64[T](sumDy)
	}
	return grads
}

func (op *BatchNorm[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.xhat, op.scale} }

func fromFloat64[T tensor.Float](v []float64) *tensor.Tensor[T] {
	t := tensor.New[T](len(v))
	for i, x := range v {
		t.Data()[i] = T(x)
	}
	return t
}
