package ops

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"

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
// γ = 1. With γ and β, Forward keeps the input x, μ and 1/σ in float64 and
// the per-channel γ/σ — the one product of γ and 1/σ that the backward
// needs — and the backward recomputes x̂ from x with the bits Forward
// computed it with, as PyTorch keeps x; without them, x̂ is the output
// itself, and Forward keeps it and 1/σ. Either way nothing like x is
// written besides y. It leaves the batch statistics μ and σ² (biased) in
// Mean and Var, from which a module updates its running statistics. Sums
// are accumulated in float64.
//
// Its backward is differentiable (BackwardVar, for second and higher
// orders): it recomputes μ, 1/σ and x̂ from the input x with ops, since
// the kept statistics carry no history, and writes dx, dγ and dβ above with
// them, so that a second differentiation sees dx depend on x through x̂ and
// through σ.
//
// It panics if it is given 2 inputs or more than 3, if x has fewer than 2
// axes, or if γ or β is not of shape C.
type BatchNorm[T tensor.Float] struct {
	arena[T]
	Eps       T
	Mean, Var *tensor.Tensor[T] // batch statistics of the last Forward, shape C

	x     *tensor.Tensor[T] // the input x, with γ and β
	xhat  *tensor.Tensor[T] // x̂, the output itself, without γ and β
	mu    []float64         // μ and 1/σ per channel, with γ and β: x̂ = (x − μ)·(1/σ)
	is    []float64
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

// The passes below walk x as N samples of C channels of inner values, through
// the row loops of internal/vec (vectorized for float32), each channel's
// sums taken in an order fixed by the shape. With inner = 1 (an N×C input)
// the samples are the rows of a matrix whose columns are the channels, and
// every channel sums its values in sample order, the passes taking the
// columns a block of at most bnMaxCols at a time. Otherwise a
// channel's values are N runs of inner contiguous values: its sums are
// taken in 16 partial sums (value i of a run goes to partial i mod 16, run
// after run) then added in order; the element-wise passes see the channel
// as an N × inner matrix with rows C·inner apart, a block of at most
// bnMaxCols columns at a time, with the per-channel factors spread along a
// row.
// Every pass splits the channels among goroutines (byChannels), and a
// channel's result does not depend on the block it is in, so the results do
// not depend on GOMAXPROCS. The scratch is on the stack: a pass allocates
// nothing but its outputs and what Forward keeps.

// byChannels calls f on ranges of channels, in parallel when the input is
// large enough for that to pay.
func byChannels(n, c, inner int, f func(clo, chi int)) {
	parallel.Chunks(c, max(parallel.Grain/max(n*inner, 1), 1), f)
}

// bnLanes is the number of partial sums of a channel's runs.
const bnLanes = 16

// bnMaxCols is the most columns of an N×C input the passes take at a time,
// so that their per-column scratch fits on the stack.
const bnMaxCols = 512

// bnSum returns the sum of channel ch's values in x, laid out n × c × inner
// with inner > 1, in float64, using lanes (bnLanes long) as scratch.
func bnSum[T tensor.Float](lanes []float64, x []T, n, c, inner, ch int) float64 {
	clear(lanes)
	rows, tail := inner/bnLanes, inner%bnLanes
	for s := range n {
		run := x[(s*c+ch)*inner:][:inner]
		vec.SumRows(lanes, run, rows, bnLanes)
		vec.SumRows(lanes[:tail], run[rows*bnLanes:], 1, tail)
	}
	return sumLanes(lanes)
}

// bnSumSqDev is bnSum for the squared deviations from mu.
func bnSumSqDev[T tensor.Float](lanes, mu []float64, x []T, n, c, inner, ch int) float64 {
	clear(lanes)
	rows, tail := inner/bnLanes, inner%bnLanes
	for s := range n {
		run := x[(s*c+ch)*inner:][:inner]
		vec.SumSqDevRows(lanes, run, mu, rows, bnLanes)
		vec.SumSqDevRows(lanes[:tail], run[rows*bnLanes:], mu[:tail], 1, tail)
	}
	return sumLanes(lanes)
}

// bnSumDot is bnSum for Σ a and Σ a⊙b at once, with a second scratch.
func bnSumDot[T tensor.Float](la, lab []float64, a, b []T, n, c, inner, ch int) (sa, sab float64) {
	clear(la)
	clear(lab)
	rows, tail := inner/bnLanes, inner%bnLanes
	for s := range n {
		i := (s*c + ch) * inner
		ra, rb := a[i:][:inner], b[i:][:inner]
		vec.SumDotRows(la, lab, ra, rb, rows, bnLanes)
		vec.SumDotRows(la[:tail], lab[:tail], ra[rows*bnLanes:], rb[rows*bnLanes:], 1, tail)
	}
	return sumLanes(la), sumLanes(lab)
}

// bnSumDotNorm is bnSumDot of a and x̂ = (x − μ)·(1/σ), recomputed from x
// (vec.SumDotNormRows) with mu and is holding μ and 1/σ, bnLanes long.
func bnSumDotNorm[T tensor.Float](la, lab, mu, is []float64, a, x []T, n, c, inner, ch int) (sa, sab float64) {
	clear(la)
	clear(lab)
	rows, tail := inner/bnLanes, inner%bnLanes
	for s := range n {
		i := (s*c + ch) * inner
		ra, rx := a[i:][:inner], x[i:][:inner]
		vec.SumDotNormRows(la, lab, ra, rx, mu, is, rows, bnLanes)
		vec.SumDotNormRows(la[:tail], lab[:tail], ra[rows*bnLanes:], rx[rows*bnLanes:], mu[:tail], is[:tail], 1, tail)
	}
	return sumLanes(la), sumLanes(lab)
}

// sumLanes adds the partial sums in order.
func sumLanes(l []float64) float64 {
	s := 0.0
	for _, v := range l {
		s += v
	}
	return s
}

// fill sets every element of s to v and returns s.
func fill[E any](s []E, v E) []E {
	for i := range s {
		s[i] = v
	}
	return s
}

// bnRuns calls f on the element-wise passes' matrices of channel ch of x,
// laid out n × c × inner with inner > 1: the channel is an n × inner matrix
// with rows c·inner apart, taken a block of at most bnMaxCols columns at a
// time, (offset, width) of each, so that per-column vectors of bnMaxCols
// values filled with the channel's factors serve every call.
func bnRuns(inner, ch int, f func(off, width int)) {
	for j := 0; j < inner; j += bnMaxCols {
		f(ch*inner+j, min(bnMaxCols, inner-j))
	}
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
	if affine {
		op.x = x
		buf := make([]float64, 2*c)
		op.mu, op.is = buf[:c], buf[c:]
	} else {
		op.xhat = y
	}
	yd := y.Data()
	meanData, varData, scaleData := op.Mean.Data(), op.Var.Data(), op.scale.Data()
	if len(xd) == 0 {
		// No values (N or a spatial size 0): μ and σ² are 0/0, NaN.
		for ch := range c {
			meanData[ch], varData[ch], scaleData[ch] = T(math.NaN()), T(math.NaN()), T(math.NaN())
		}
		return y
	}

	// stats sets the outputs of channel ch from its mean and the sum of its
	// squared deviations from it, and returns 1/σ.
	stats := func(ch int, mu, sumSq float64) (is float64) {
		v := sumSq / m
		is = 1 / math.Sqrt(v+float64(op.Eps))
		sc := is
		if affine {
			sc *= float64(g[ch])
		}
		scaleData[ch] = T(sc)
		meanData[ch], varData[ch] = T(mu), T(v)
		if affine {
			op.mu[ch], op.is[ch] = mu, is
		}
		return is
	}
	byChannels(n, c, inner, func(clo, chi int) {
		if inner == 1 {
			// Per block of columns: μ, then σ² about μ (two passes, for
			// accuracy), then y.
			var buf [3 * bnMaxCols]float64
			for lo := clo; lo < chi; {
				hi := min(lo+bnMaxCols, chi)
				k := hi - lo
				mean, vari, invStd := buf[:k], buf[bnMaxCols:][:k], buf[2*bnMaxCols:][:k]
				clear(mean)
				clear(vari)
				xs := xd[lo:]
				vec.SumRows(mean, xs, n, c)
				for j := range mean {
					mean[j] /= m
				}
				vec.SumSqDevRows(vari, xs, mean, n, c)
				for j, v := range vari {
					invStd[j] = stats(lo+j, mean[j], v)
				}
				if affine {
					vec.AffineRows(yd[lo:], xs, mean, invStd, g[lo:hi], b[lo:hi], n, c)
				} else {
					vec.NormalizeRows(yd[lo:], xs, mean, invStd, n, c)
				}
				lo = hi
			}
			return
		}
		// Per channel: μ, σ² about μ, then y with μ, 1/σ, γ and β spread
		// along the rows.
		var lanes, dev [bnLanes]float64
		var muRow, isRow [bnMaxCols]float64
		var gRow, bRow [bnMaxCols]T
		for ch := clo; ch < chi; ch++ {
			mu := bnSum(lanes[:], xd, n, c, inner, ch) / m
			is := stats(ch, mu, bnSumSqDev(lanes[:], fill(dev[:], mu), xd, n, c, inner, ch))
			fill(muRow[:], mu)
			fill(isRow[:], is)
			if affine {
				fill(gRow[:], g[ch])
				fill(bRow[:], b[ch])
			}
			bnRuns(inner, ch, func(i, w int) {
				if affine {
					vec.AffineRows(yd[i:], xd[i:], muRow[:w], isRow[:w], gRow[:w], bRow[:w], n, c*inner)
				} else {
					vec.NormalizeRows(yd[i:], xd[i:], muRow[:w], isRow[:w], n, c*inner)
				}
			})
		}
	})
	return y
}

func (op *BatchNorm[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	// With γ and β the passes read x and recompute x̂ (μ and 1/σ per
	// channel); without, they read x̂.
	src := op.xhat
	if op.x != nil {
		src = op.x
	}
	shape := src.Shape()
	n, c, inner := shape[0], shape[1], tensor.NumElems(shape[2:])
	m := float64(n * inner)
	g, xs := dy.Data(), src.Data()
	scale := op.scale.Data()
	var dx, dGamma, dBeta *tensor.Tensor[T]
	var d, dg, db []T
	if needs[0] {
		dx = op.ar.NewUninit(shape...)
		d = dx.Data()
	}
	if len(needs) == 3 && needs[1] {
		dGamma = op.ar.NewUninit(c)
		dg = dGamma.Data()
	}
	if len(needs) == 3 && needs[2] {
		dBeta = op.ar.NewUninit(c)
		db = dBeta.Data()
	}

	// dx = k1·dy + k2·x̂ + k3 per channel, with k1 = γ/σ,
	// k2 = −(γ/σ)·Σ(dy x̂)/M and k3 = −(γ/σ)·Σdy/M: the formula of the doc
	// comment with the per-channel factors taken out of the loop. put
	// writes dγ and dβ of channel ch and returns its factors.
	put := func(ch int, sumDy, sumDyXhat float64) (k1, k2, k3 float64) {
		if dg != nil {
			dg[ch] = T(sumDyXhat)
		}
		if db != nil {
			db[ch] = T(sumDy)
		}
		sc := float64(scale[ch])
		return sc, -sc * sumDyXhat / m, -sc * sumDy / m
	}
	if len(g) == 0 {
		// No values: every sum is 0.
		for ch := range c {
			put(ch, 0, 0)
		}
	} else {
		byChannels(n, c, inner, func(clo, chi int) {
			if inner == 1 {
				// Per block of columns: Σ dy and Σ dy x̂ per channel, in one
				// pass, then dx.
				var buf [3 * bnMaxCols]float64
				for lo := clo; lo < chi; {
					hi := min(lo+bnMaxCols, chi)
					k := hi - lo
					k1, k2, k3 := buf[:k], buf[bnMaxCols:][:k], buf[2*bnMaxCols:][:k]
					clear(k1)
					clear(k2)
					if op.x != nil {
						vec.SumDotNormRows(k1, k2, g[lo:], xs[lo:], op.mu[lo:hi], op.is[lo:hi], n, c)
					} else {
						vec.SumDotRows(k1, k2, g[lo:], xs[lo:], n, c)
					}
					for j := range k {
						k1[j], k2[j], k3[j] = put(lo+j, k1[j], k2[j])
					}
					switch {
					case dx == nil:
					case op.x != nil:
						vec.BatchNormGradNormRows(d[lo:], g[lo:], xs[lo:], op.mu[lo:hi], op.is[lo:hi], k1, k2, k3, n, c)
					default:
						vec.BatchNormGradRows(d[lo:], g[lo:], xs[lo:], k1, k2, k3, n, c)
					}
					lo = hi
				}
				return
			}
			var la, lab [bnLanes]float64
			var k1, k2, k3, muRow, isRow [bnMaxCols]float64
			for ch := clo; ch < chi; ch++ {
				var sumDy, sumDyXhat float64
				if op.x != nil {
					fill(muRow[:], op.mu[ch])
					fill(isRow[:], op.is[ch])
					sumDy, sumDyXhat = bnSumDotNorm(la[:], lab[:], muRow[:bnLanes], isRow[:bnLanes], g, xs, n, c, inner, ch)
				} else {
					sumDy, sumDyXhat = bnSumDot(la[:], lab[:], g, xs, n, c, inner, ch)
				}
				a, b, e := put(ch, sumDy, sumDyXhat)
				if dx == nil {
					continue
				}
				fill(k1[:], a)
				fill(k2[:], b)
				fill(k3[:], e)
				bnRuns(inner, ch, func(i, w int) {
					if op.x != nil {
						vec.BatchNormGradNormRows(d[i:], g[i:], xs[i:], muRow[:w], isRow[:w], k1[:w], k2[:w], k3[:w], n, c*inner)
					} else {
						vec.BatchNormGradRows(d[i:], g[i:], xs[i:], k1[:w], k2[:w], k3[:w], n, c*inner)
					}
				})
			}
		})
	}

	if len(needs) == 1 {
		return []*tensor.Tensor[T]{dx}
	}
	return []*tensor.Tensor[T]{dx, dGamma, dBeta}
}

func (op *BatchNorm[T]) Saved() []*tensor.Tensor[T] {
	if op.x != nil {
		return []*tensor.Tensor[T]{op.x, op.scale}
	}
	return []*tensor.Tensor[T]{op.xhat, op.scale}
}

// ExtraSavedBytes reports μ and 1/σ in float64, kept with γ and β.
func (op *BatchNorm[T]) ExtraSavedBytes() int { return (len(op.mu) + len(op.is)) * 8 }

func fromFloat64[T tensor.Float](ar *tensor.Arena[T], v []float64) *tensor.Tensor[T] {
	t := ar.NewUninit(len(v))
	for i, x := range v {
		t.Data()[i] = T(x)
	}
	return t
}

// BackwardVar is Backward written with differentiable ops, for second and
// higher orders. The fused Forward keeps x̂ (or μ and 1/σ) and γ/σ as
// plain values, which depend on x but carry no history; so it recomputes
// them from the input Var x (the means keep the reduced axes, shape
// 1×C×1×…):
//
//	μ = mean(x),  x̄ = x − μ,  s = (mean(x̄²) + Eps)^(−½),  x̂ = x̄ ⊙ s
//	dx = γ ⊙ s ⊙ (dy − mean(dy) − x̂ ⊙ mean(dy ⊙ x̂))
//	dγ = Σ dy ⊙ x̂,  dβ = Σ dy
//
// Differentiating these again sees how dx depends on x through both x̂ and s
// (docs/backprop.md, "Second-order gradients"). Only what needs asks for is
// built: dβ alone needs no statistics.
func (op *BatchNorm[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	x := in[0]
	shape := x.Shape()
	axes := channelAxesOf(len(shape))
	c := shape[1]
	grads := make([]*v[T], len(in))
	var sumDy *v[T] // Σ dy, kept 1×C×1×…
	if needs[0] || (len(in) == 3 && needs[2]) {
		sumDy = vSum(dy, true, axes...)
	}
	if needs[0] || (len(in) == 3 && needs[1]) {
		mu := vMean(x, true, axes...)
		xc := vSub(x, mu)
		invStd := vPow(vAddScalar(vMean(vMul(xc, xc), true, axes...), op.Eps), -0.5)
		xhat := vMul(xc, invStd)
		sumDyXhat := vSum(vMul(dy, xhat), true, axes...)
		if len(in) == 3 && needs[1] {
			grads[1] = vReshape(sumDyXhat, c)
		}
		if needs[0] {
			m := T(1) / T(tensor.NumElems(shape)/max(c, 1))
			scale := invStd
			if len(in) == 3 {
				scale = vMul(vReshape(in[1], tensor.ReducedShape(shape, true, axes...)...), invStd)
			}
			centered := vSub(vSub(dy, vScale(sumDy, m)), vMul(xhat, vScale(sumDyXhat, m)))
			grads[0] = vMul(centered, scale)
		}
	}
	if len(in) == 3 && needs[2] {
		grads[2] = vReshape(sumDy, c)
	}
	return grads
}

// channelAxesOf lists every axis of a rank-r input but the channel axis 1:
// those batch norm reduces over.
func channelAxesOf(r int) []int {
	axes := []int{0}
	for a := 2; a < r; a++ {
		axes = append(axes, a)
	}
	return axes
}
