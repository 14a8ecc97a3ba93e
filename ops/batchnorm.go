package ops

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/internal/parallel"

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
// and β (both of shape C), or x alone for batch norm without the affine map
// (PyTorch's affine=False): then y = x̂, and dx is the formula above with
// γ = 1. Forward keeps only x̂ and the per-channel γ/σ (1/σ without γ) — the
// one product of γ and 1/σ that the backward needs; without γ and β, x̂ is
// the output itself, so nothing like x is kept beyond it. It leaves the
// batch statistics μ and σ² (biased) in Mean and Var, from which a module
// updates its running statistics. Sums are accumulated in float64.
//
// It panics if it is given 2 inputs or more than 3, if x has fewer than 2
// axes, or if γ or β is not of shape C.
type BatchNorm[T tensor.Float] struct {
	arena[T]
	Eps       T
	Mean, Var *tensor.Tensor[T] // batch statistics of the last Forward, shape C

	xhat  *tensor.Tensor[T] // x̂; the output itself without γ and β
	scale *tensor.Tensor[T] // γ/σ per channel (1/σ without γ)
}

func (*BatchNorm[T]) Name() string { return "BatchNorm" }

// bnLayout returns N, C and the size of the trailing spatial axes of x. γ
// and β are both nil (no affine map) or both of shape C.
func bnLayout[T tensor.Float](name string, x, gamma, beta *tensor.Tensor[T]) (n, c, inner int) {
	s := x.Shape()
	if len(s) < 2 {
		panic(fmt.Sprintf(errBNRank, name, s))
	}
	c = s[1]
	if gamma != nil && (!tensor.EqualShapes(gamma.Shape(), []int{c}) || !tensor.EqualShapes(beta.Shape(), []int{c})) {
		panic(fmt.Sprintf(errBNParams, name, gamma.Shape(), beta.Shape(), s, c))
	}
	return s[0], c, tensor.NumElems(s[2:])
}

// The passes below walk x as N samples of C channels of inner values. With
// inner = 1 (an N×C input) a channel's values are C apart, so each pass walks
// a sample's row of channels against per-channel accumulators; otherwise
// each channel's run of inner contiguous values is handled on its own. The
// loops are written out rather than shared through closures, which would
// cost a call per element. Every pass splits the channels among goroutines
// (byChannels): a channel's sums are always taken in sample order by one
// goroutine, so the result does not depend on GOMAXPROCS.

// byChannels calls f on ranges of channels, in parallel when the input is
// large enough for that to pay.
func byChannels(n, c, inner int, f func(clo, chi int)) {
	parallel.Chunks(c, max(parallel.Grain/max(n*inner, 1), 1), f)
}

func (op *BatchNorm[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	if len(in) != 1 && len(in) != 3 {
		panic(fmt.Sprintf(errBNArity, len(in)))
	}
	x := in[0]
	var gamma, beta *tensor.Tensor[T]
	var g, b []T
	affine := len(in) == 3
	if affine {
		gamma, beta = in[1], in[2]
		g, b = gamma.Data(), beta.Data()
	}
	n, c, inner := bnLayout("BatchNorm", x, gamma, beta)
	m := float64(n * inner)
	xd := x.Data()
	op.Mean, op.Var, op.scale = op.ar.NewUninit(c), op.ar.NewUninit(c), op.ar.NewUninit(c)
	y := op.ar.NewUninit(x.Shape()...)
	op.xhat = y
	if affine {
		op.xhat = op.ar.NewUninit(x.Shape()...)
	}
	xh, yd := op.xhat.Data(), y.Data()
	mean, invStd := make([]float64, c), make([]float64, c)

	byChannels(n, c, inner, func(clo, chi int) {
		// μ, then σ² about μ (two passes, for accuracy).
		vari := make([]float64, chi-clo)
		for s := range n {
			sample := xd[s*c*inner : (s+1)*c*inner]
			if inner == 1 {
				row := sample[clo:chi]
				mu := mean[clo:chi][:len(row)]
				for j, v := range row {
					mu[j] += float64(v)
				}
				continue
			}
			for ch := clo; ch < chi; ch++ {
				acc := 0.0
				for _, v := range sample[ch*inner : (ch+1)*inner] {
					acc += float64(v)
				}
				mean[ch] += acc
			}
		}
		for ch := clo; ch < chi; ch++ {
			mean[ch] /= m
		}
		for s := range n {
			sample := xd[s*c*inner : (s+1)*c*inner]
			if inner == 1 {
				row := sample[clo:chi]
				mu, va := mean[clo:chi][:len(row)], vari[:len(row)]
				for j, v := range row {
					d := float64(v) - mu[j]
					va[j] += d * d
				}
				continue
			}
			for ch := clo; ch < chi; ch++ {
				mu, acc := mean[ch], 0.0
				for _, v := range sample[ch*inner : (ch+1)*inner] {
					d := float64(v) - mu
					acc += d * d
				}
				vari[ch-clo] += acc
			}
		}
		for ch := clo; ch < chi; ch++ {
			v := vari[ch-clo] / m
			invStd[ch] = 1 / math.Sqrt(v+float64(op.Eps))
			sc := invStd[ch]
			if affine {
				sc *= float64(g[ch])
			}
			op.scale.Data()[ch] = T(sc)
			op.Mean.Data()[ch], op.Var.Data()[ch] = T(mean[ch]), T(v)
		}

		if !affine {
			// x̂ = (x − μ)/σ is the output.
			for s := range n {
				base := s * c * inner
				if inner == 1 {
					row := xd[base+clo : base+chi]
					hr := xh[base+clo : base+chi][:len(row)]
					mu, is := mean[clo:chi][:len(row)], invStd[clo:chi][:len(row)]
					for j, v := range row {
						hr[j] = T((float64(v) - mu[j]) * is[j])
					}
					continue
				}
				for ch := clo; ch < chi; ch++ {
					mu, is := mean[ch], invStd[ch]
					for i := base + ch*inner; i < base+(ch+1)*inner; i++ {
						xh[i] = T((float64(xd[i]) - mu) * is)
					}
				}
			}
			return
		}
		// x̂ = (x − μ)/σ and y = γ x̂ + β.
		for s := range n {
			base := s * c * inner
			if inner == 1 {
				// Rows resliced to one length, so the loop runs without
				// bounds checks.
				row := xd[base+clo : base+chi]
				hr, yr := xh[base+clo : base+chi][:len(row)], yd[base+clo : base+chi][:len(row)]
				mu, is, gc, bc := mean[clo:chi][:len(row)], invStd[clo:chi][:len(row)], g[clo:chi][:len(row)], b[clo:chi][:len(row)]
				for j, v := range row {
					h := T((float64(v) - mu[j]) * is[j])
					hr[j], yr[j] = h, gc[j]*h+bc[j]
				}
				continue
			}
			for ch := clo; ch < chi; ch++ {
				mu, is, gc, bc := mean[ch], invStd[ch], g[ch], b[ch]
				for i := base + ch*inner; i < base+(ch+1)*inner; i++ {
					h := T((float64(xd[i]) - mu) * is)
					xh[i], yd[i] = h, gc*h+bc
				}
			}
		}
	})
	return y
}

func (op *BatchNorm[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	shape := op.xhat.Shape()
	n, c, inner := shape[0], shape[1], tensor.NumElems(shape[2:])
	m := float64(n * inner)
	g, xh := dy.Data(), op.xhat.Data()
	sumDy, sumDyXhat := make([]float64, c), make([]float64, c)
	var dx *tensor.Tensor[T]
	if needs[0] {
		dx = op.ar.NewUninit(shape...)
	}

	byChannels(n, c, inner, func(clo, chi int) {
		// Σ dy and Σ dy x̂ per channel, in one pass.
		for s := range n {
			base := s * c * inner
			if inner == 1 {
				gr := g[base+clo : base+chi]
				hr, sd, sx := xh[base+clo : base+chi][:len(gr)], sumDy[clo:chi][:len(gr)], sumDyXhat[clo:chi][:len(gr)]
				for j, v := range gr {
					sd[j] += float64(v)
					sx[j] += float64(v) * float64(hr[j])
				}
				continue
			}
			for ch := clo; ch < chi; ch++ {
				a, b := 0.0, 0.0
				for i := base + ch*inner; i < base+(ch+1)*inner; i++ {
					a += float64(g[i])
					b += float64(g[i]) * float64(xh[i])
				}
				sumDy[ch] += a
				sumDyXhat[ch] += b
			}
		}
		if dx == nil {
			return
		}
		// dx = k1·dy + k2·x̂ + k3 per channel, with k1 = γ/σ,
		// k2 = −(γ/σ)·Σ(dy x̂)/M and k3 = −(γ/σ)·Σdy/M: the formula of the
		// doc comment with the per-channel factors taken out of the loop.
		k1, k2, k3 := make([]float64, chi-clo), make([]float64, chi-clo), make([]float64, chi-clo)
		for ch := clo; ch < chi; ch++ {
			sc := float64(op.scale.Data()[ch])
			k1[ch-clo], k2[ch-clo], k3[ch-clo] = sc, -sc*sumDyXhat[ch]/m, -sc*sumDy[ch]/m
		}
		d := dx.Data()
		for s := range n {
			base := s * c * inner
			if inner == 1 {
				gr := g[base+clo : base+chi]
				hr, dr := xh[base+clo : base+chi][:len(gr)], d[base+clo : base+chi][:len(gr)]
				a, b, e := k1[:len(gr)], k2[:len(gr)], k3[:len(gr)]
				for j, v := range gr {
					dr[j] = T(a[j]*float64(v) + b[j]*float64(hr[j]) + e[j])
				}
				continue
			}
			for ch := clo; ch < chi; ch++ {
				a, b, e := k1[ch-clo], k2[ch-clo], k3[ch-clo]
				for i := base + ch*inner; i < base+(ch+1)*inner; i++ {
					d[i] = T(a*float64(g[i]) + b*float64(xh[i]) + e)
				}
			}
		}
	})

	if len(needs) == 1 {
		return []*tensor.Tensor[T]{dx}
	}
	grads := []*tensor.Tensor[T]{dx, nil, nil}
	if needs[1] {
		grads[1] = fromFloat64(op.ar, sumDyXhat)
	}
	if needs[2] {
		grads[2] = fromFloat64(op.ar, sumDy)
	}
	return grads
}

func (op *BatchNorm[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.xhat, op.scale} }

func fromFloat64[T tensor.Float](ar *tensor.Arena[T], v []float64) *tensor.Tensor[T] {
	t := ar.NewUninit(len(v))
	for i, x := range v {
		t.Data()[i] = T(x)
	}
	return t
}
