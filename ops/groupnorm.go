package ops

import (
	"fmt"
	"math"

	"github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/tensor"
)

// GroupNorm is fused group normalization, as PyTorch's F.group_norm, with a
// hand-derived backward. The input x has shape N×C or N×C×d₁×…, and its C
// channels fall into Groups groups of C/Groups consecutive channels; every
// sample's group is normalized over the M = (C/Groups)·d₁·… values it has,
// with the biased variance, and then every channel c is scaled by γ_c and
// shifted by β_c:
//
//	μ = (1/M) Σ x,  σ² = (1/M) Σ (x − μ)²,  σ = √(σ² + Eps)       N×Groups
//	x̂ = (x − μ)/σ,  y = γ ⊙ x̂ + β                                 like x
//	dβ = Σ' dy,  dγ = Σ' dy ⊙ x̂                                    C
//	a = γ ⊙ dy,  dx = (1/σ)/M · (M·a − Σ a − x̂ ⊙ Σ(a ⊙ x̂))        like x
//
// where Σ runs over each sample's group and Σ' over every axis but the
// channel axis. The inputs are x, γ and β (both of shape C), or x alone
// (PyTorch's weight=None, bias=None): then y = x̂ and a = dy. With Groups = C
// it is instance normalization (F.instance_norm with the input's
// statistics), with Groups = 1 layer normalization over all of a sample's
// axes with a per-channel affine map. Forward keeps x, γ, and μ and 1/σ per
// sample and group in float64 (as PyTorch keeps x and its statistics): it
// writes y alone, and the backward recomputes x̂ = (x − μ)/σ from x. It
// leaves the statistics μ and σ² (biased), shape N×Groups, in Mean and Var.
// The statistics are accumulated in float64. For T = float64 the
// element-wise passes compute in float64 (y = (x − μ)·(γ/σ) + β, rounded
// once to T) and so do the backward's sums; for T = float32 they compute
// in float32 with FMA as LayerNorm's do (layernorm32.go: y = (x − m)·a + b
// per channel run, the backward's run sums adding float32 partials of at
// most 4 terms into float64). An empty group has NaN statistics.
//
// Its backward is differentiable (BackwardVar, for second and higher
// orders): it recomputes μ, 1/σ and x̂ from the input x with ops, as
// BatchNorm's does.
//
// It panics if it is given 2 inputs or more than 3, if x has fewer than 2
// axes, if Groups is not positive or does not divide C, or if γ or β is not
// of shape C.
type GroupNorm[T tensor.Float] struct {
	arena[T]
	Groups    int
	Eps       T
	Mean, Var *tensor.Tensor[T] // statistics of the last Forward, shape N×Groups

	x     *tensor.Tensor[T] // the input
	stats []float64         // μ and 1/σ of block b (sample, group) at 2b and 2b+1
	gamma *tensor.Tensor[T] // γ, nil without the affine map
}

func (*GroupNorm[T]) Name() string { return "GroupNorm" }

// gnLayout returns N, C, the number of groups and the number of values in a
// sample's group, M, after checking the shapes.
func gnLayout[T tensor.Float](in []*tensor.Tensor[T], groups int) (n, c, m int) {
	if len(in) != 1 && len(in) != 3 {
		panic(fmt.Sprintf(errGNArity, len(in)))
	}
	s := in[0].Shape()
	if len(s) < 2 {
		panic(fmt.Sprintf(errGNRank, s))
	}
	c = s[1]
	if groups <= 0 || c%groups != 0 {
		panic(fmt.Sprintf(errGNGroups, c, s, groups))
	}
	if len(in) == 3 && (!tensor.EqualShapes(in[1].Shape(), []int{c}) || !tensor.EqualShapes(in[2].Shape(), []int{c})) {
		panic(fmt.Sprintf(errGNParams, in[1].Shape(), in[2].Shape(), s, c))
	}
	return s[0], c, c / groups * tensor.NumElems(s[2:])
}

// A sample's group is M contiguous values of x: block b = s·Groups + g
// starts at b·M, and its value j belongs to channel g·(C/Groups) + j/inner.
// The passes split the N·Groups blocks among goroutines (normPieces); a
// block's sums are taken by package vec's norm loops (16 partial sums in
// float64, added in a fixed tree; two passes, μ then Σ (x − μ)²), the
// backward's per channel run (vec.RowSumDotDev: Σ dy and Σ dy ⊙ (x − μ),
// times 1/σ for Σ dy ⊙ x̂), and the element-wise passes walk the block one
// channel run at a time with the channel's factors hoisted
// (vec.NormRowScalar64, from the block converted to float64 once, and
// vec.NormGradRowScalarX), so the results do not depend on GOMAXPROCS. The
// backward recomputes x − μ from x and the kept μ, in float64. dγ and dβ
// add the per-sample run sums of the backward in sample order. float32
// takes its own passes (gnForward32 and gnBackward32 in layernorm32.go:
// the statistics in one pass, the rest in float32), without the float64
// copy of the block.

// byBlocks calls f on ranges of the n·groups blocks of m values, in parallel
// when the input is large enough for that to pay.
func byBlocks(blocks, m int, f func(lo, hi int)) { normPieces(blocks, m, f) }

func (op *GroupNorm[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	n, c, m := gnLayout(in, op.Groups)
	x := in[0]
	affine := len(in) == 3
	var g, b []T
	op.gamma = nil
	if affine {
		op.gamma = in[1]
		g, b = in[1].Data(), in[2].Data()
	}
	groups := op.Groups
	blocks := n * groups
	inner := tensor.NumElems(x.Shape()[2:])
	cg := c / groups
	xd := x.Data()
	op.x = x
	op.Mean, op.Var = op.ar.NewUninit(n, groups), op.ar.NewUninit(n, groups)
	op.stats = make([]float64, 2*blocks)
	y := op.ar.NewUninit(x.Shape()...)
	yd := y.Data()
	md, vd, st := op.Mean.Data(), op.Var.Data(), op.stats
	if x32, ok := any(xd).([]float32); ok {
		var g32, b32 []float32
		if affine {
			g32, b32 = any(g).([]float32), any(b).([]float32)
		}
		gnForward32(any(yd).([]float32), x32, g32, b32, any(md).([]float32), any(vd).([]float32), st, blocks, m, groups, cg, inner, float64(op.Eps))
		return y
	}
	normWorkers(blocks, m, func() func(lo, hi int) {
		s := make([]float64, m) // the block in float64, converted once
		return func(lo, hi int) {
			for bl := lo; bl < hi; bl++ {
				mu := vec.RowSumTo(xd[bl*m:][:m], s) / float64(m)
				vr := vec.RowSumSqDev64(s, mu) / float64(m)
				is := 1 / math.Sqrt(vr+float64(op.Eps))
				md[bl], vd[bl] = T(mu), T(vr)
				st[2*bl], st[2*bl+1] = mu, is
				ys := yd[bl*m:][:m]
				if !affine {
					vec.NormRow64(ys, s, mu, is, nil, nil)
					continue
				}
				ch0 := bl % groups * cg
				for k := range cg {
					r := k * inner
					vec.NormRowScalar64(ys[r:][:inner], s[r:][:inner], mu, is*float64(g[ch0+k]), float64(b[ch0+k]))
				}
			}
		}
	})
	return y
}

func (op *GroupNorm[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	shape := op.x.Shape()
	n, c := shape[0], shape[1]
	groups := op.Groups
	m := c / groups * tensor.NumElems(shape[2:])
	inner := tensor.NumElems(shape[2:])
	cg := c / groups
	gd, xd, st := dy.Data(), op.x.Data(), op.stats
	var gamma []T
	if op.gamma != nil {
		gamma = op.gamma.Data()
	}
	grads := make([]*tensor.Tensor[T], len(needs))
	var d []T
	if needs[0] {
		grads[0] = op.ar.NewUninit(shape...)
		d = grads[0].Data()
	}
	// Per sample and channel, Σ dy and Σ dy ⊙ x̂ over the channel's inner
	// values: summed over the samples they are dβ and dγ, and weighted by γ
	// over a group they are Σ a and Σ a ⊙ x̂.
	sdy, sdyh := make([]float64, n*c), make([]float64, n*c)
	if x32, ok := any(xd).([]float32); ok && len(gd) > 0 && inner > 0 {
		var g32 []float32
		if gamma != nil {
			g32 = any(gamma).([]float32)
		}
		d32, _ := any(d).([]float32)
		gnBackward32(d32, any(gd).([]float32), g32, x32, st, sdy, sdyh, n*groups, groups, cg, inner)
	} else if len(gd) > 0 && inner > 0 {
		byBlocks(n*groups, m, func(lo, hi int) {
			for bl := lo; bl < hi; bl++ {
				ch0 := bl % groups * cg
				mu, is := st[2*bl], st[2*bl+1]
				sa, sah := 0.0, 0.0
				for k := range cg {
					i := bl*cg + k // sample s, channel ch0+k
					sd, sdd := vec.RowSumDotDev(gd[i*inner:][:inner], xd[i*inner:][:inner], mu)
					sdy[i], sdyh[i] = sd, is*sdd // Σ dy ⊙ x̂ = (1/σ)·Σ dy ⊙ (x − μ)
					gk := 1.0
					if gamma != nil {
						gk = float64(gamma[ch0+k])
					}
					sa += gk * sdy[i]
					sah += gk * sdyh[i]
				}
				if d == nil {
					continue
				}
				// dx = k1·dy + k2·x̂ + k3, x̂ = (x − μ)·is.
				k2, k3 := -is*sah/float64(m), -is*sa/float64(m)
				for k := range cg {
					k1 := is
					if gamma != nil {
						k1 *= float64(gamma[ch0+k])
					}
					i := (bl*cg + k) * inner
					vec.NormGradRowScalarX(d[i:][:inner], gd[i:][:inner], xd[i:][:inner], mu, k1, k2*is, k3)
				}
			}
		})
	} else if d != nil {
		clear(d)
	}
	if len(needs) == 3 && (needs[1] || needs[2]) {
		dg, db := make([]float64, c), make([]float64, c)
		for s := range n {
			for ch := range c {
				db[ch] += sdy[s*c+ch]
				dg[ch] += sdyh[s*c+ch]
			}
		}
		if needs[1] {
			grads[1] = fromFloat64(op.ar, dg)
		}
		if needs[2] {
			grads[2] = fromFloat64(op.ar, db)
		}
	}
	return grads
}

// Saved lists x and, with the affine map, γ; μ and 1/σ, float64s, are
// ExtraSavedBytes.
func (op *GroupNorm[T]) Saved() []*tensor.Tensor[T] {
	if op.gamma != nil {
		return []*tensor.Tensor[T]{op.x, op.gamma}
	}
	return []*tensor.Tensor[T]{op.x}
}

// ExtraSavedBytes is the size of μ and 1/σ, two float64s per sample and
// group.
func (op *GroupNorm[T]) ExtraSavedBytes() int { return 8 * len(op.stats) }

// BackwardVar is Backward written with differentiable ops, for second and
// higher orders. It recomputes the statistics from the input Var x seen as
// N×Groups×M (the means keep the reduced axis):
//
//	μ = mean(x),  x̄ = x − μ,  s = (mean(x̄²) + Eps)^(−½),  x̂ = x̄ ⊙ s
//	a = γ ⊙ dy,  dx = s ⊙ (a − mean(a) − x̂ ⊙ mean(a ⊙ x̂))
//	dγ = Σ' dy ⊙ x̂,  dβ = Σ' dy
//
// so that a second differentiation sees dx depend on x through x̂ and s,
// and on γ through a. Only what needs asks for is built.
func (op *GroupNorm[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	x := in[0]
	shape := x.Shape()
	n, c := shape[0], shape[1]
	groups := op.Groups
	m := c / groups * tensor.NumElems(shape[2:])
	affine := len(in) == 3
	grads := make([]*v[T], len(in))
	axes := channelAxesOf(len(shape))
	if affine && needs[2] {
		grads[2] = vSum(dy, false, axes...)
	}
	if !needs[0] && !(affine && needs[1]) {
		return grads
	}
	xg := vReshape(x, n, groups, m)
	xc := vSub(xg, vMean(xg, true, 2))
	invStd := vPow(vAddScalar(vMean(vMul(xc, xc), true, 2), op.Eps), -0.5)
	xhatG := vMul(xc, invStd)
	if affine && needs[1] {
		grads[1] = vSum(vMul(dy, vReshape(xhatG, shape...)), false, axes...)
	}
	if needs[0] {
		a := dy
		if affine {
			a = vMul(dy, vReshape(in[1], tensor.ReducedShape(shape, true, axes...)...))
		}
		ag := vReshape(a, n, groups, m)
		centered := vSub(vSub(ag, vMean(ag, true, 2)), vMul(xhatG, vMean(vMul(ag, xhatG), true, 2)))
		grads[0] = vReshape(vMul(centered, invStd), shape...)
	}
	return grads
}
