package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/tensor"
)

// LayerNorm is fused layer normalization, as PyTorch's F.layer_norm, with a
// hand-derived backward (docs/backprop.md §12). The
// input x has shape …×S, where S is Shape (PyTorch's normalized_shape); it
// is seen as R rows of D = ∏S values, each normalized over its own values
// with the biased variance:
//
//	μ = (1/D) Σ x,  σ² = (1/D) Σ (x − μ)²,  r = (σ² + Eps)^(−½)   per row
//	x̂ = (x − μ)·r,  y = γ ⊙ x̂ + β                                 like x
//	ĝ = dy ⊙ γ                                                       like x
//	dx = r/D · (D·ĝ − Σ ĝ − x̂ ⊙ Σ(ĝ ⊙ x̂))                         like x
//	dγ = Σ_rows dy ⊙ x̂,  dβ = Σ_rows dy                           S
//
// where Σ without subscript runs over a row. The inputs are x alone (no
// affine map, elementwise_affine=False: y = x̂), x and γ (bias=False), or
// x, γ and β, with γ and β of shape S. Forward keeps x, γ, and μ and r per
// row in float64 (as PyTorch keeps x and its statistics): the forward
// writes y alone, and the backward recomputes x̂ from x. The statistics
// are accumulated in float64, a row's in the 16 partial sums of package
// vec's norm loops (vectorized on amd64): for T = float64 μ first, then
// Σ (x − μ)² in a second pass over the row, which stays in the cache, so
// that no cancellation hurts σ² when |μ| ≫ σ; for T = float32 both in one
// pass, shifted by the row's first value, which bounds the cancellation
// (layernorm32.go). For T = float64 the element-wise
// passes and the backward's sums compute in float64 too, each product
// fused into the sum it feeds (FMA): y = γ ⊙ x̂ + β from the unrounded x̂,
// rounded once to T, and dx. For T = float32 they compute in float32 with
// FMA, as PyTorch's do, the rounding of μ to float32 folded into the
// factors, the backward's row sums adding float32 partials of at most 4
// terms, and dγ and dβ float32 partials of at most 8 rows, into float64
// (layernorm32.go).
//
// Its BackwardVar recomputes μ, r and x̂ from x with ops, as BatchNorm's.
//
// It panics if it is given no input or more than 3, if Shape is empty or x
// does not end in Shape, or if γ or β is not of shape Shape.
type LayerNorm[T tensor.Float] struct {
	arena[T]
	Shape []int // normalized_shape: the trailing axes normalized over
	Eps   T

	x     *tensor.Tensor[T] // the input
	stats []float64         // μ and r of row i at 2i and 2i+1
	gamma *tensor.Tensor[T] // γ, an input, or nil
}

func (*LayerNorm[T]) Name() string { return "LayerNorm" }

// RMSNorm is fused root-mean-square normalization (PyTorch 2.x's
// F.rms_norm), with a hand-derived backward (docs/backprop.md §12). The input x
// of shape …×S is seen as R rows of D = ∏S values:
//
//	r = ((1/D) Σ x² + Eps)^(−½)  per row
//	x̂ = x·r,  y = γ ⊙ x̂                  like x
//	ĝ = dy ⊙ γ
//	dx = r · (ĝ − x̂ ⊙ (1/D) Σ(ĝ ⊙ x̂))   like x
//	dγ = Σ_rows dy ⊙ x̂                    S
//
// The inputs are x alone (y = x̂) or x and γ of shape S. Forward keeps x, γ
// and r per row in float64; its arithmetic is LayerNorm's (float32's
// element-wise passes in float32). Its BackwardVar recomputes r and x̂
// from x with ops.
//
// It panics if it is given no input or more than 2, if Shape is empty or x
// does not end in Shape, or if γ is not of shape Shape.
type RMSNorm[T tensor.Float] struct {
	arena[T]
	Shape []int // normalized_shape
	Eps   T

	x     *tensor.Tensor[T]
	stats []float64 // r per row
	gamma *tensor.Tensor[T]
}

func (*RMSNorm[T]) Name() string { return "RMSNorm" }

// lnLayout checks the inputs of LayerNorm or RMSNorm (at most maxIn of them)
// and returns the number of rows and the row length.
func lnLayout[T tensor.Float](name, arity string, maxIn int, shape []int, in []*tensor.Tensor[T]) (rows, d int) {
	if len(in) < 1 || len(in) > maxIn {
		panic(fmt.Sprintf(errLNArity, name, arity, len(in)))
	}
	xs := in[0].Shape()
	k := len(shape)
	if k == 0 || k > len(xs) || !tensor.EqualShapes(xs[len(xs)-k:], shape) {
		panic(fmt.Sprintf(errLNShape, name, xs, shape))
	}
	for i, p := range in[1:] {
		if !tensor.EqualShapes(p.Shape(), shape) {
			panic(fmt.Sprintf(errLNParam, name, []string{"γ", "β"}[i], p.Shape(), shape, xs))
		}
	}
	d = tensor.NumElems(shape)
	if d == 0 {
		return 0, 0
	}
	return len(in[0].Data()) / d, d
}

// lnAxes lists the last k axes of a rank-r input.
func lnAxes(r, k int) []int {
	axes := make([]int, k)
	for i := range axes {
		axes[i] = r - k + i
	}
	return axes
}

// byRows calls f on ranges of rows of d values, in parallel when the input
// is large enough for that to pay (normPieces). Every row is computed
// alone, so the results do not depend on GOMAXPROCS.
func byRows(rows, d int, f func(lo, hi int)) { normPieces(rows, d, f) }

// normStats is the number of float64 statistics LayerNorm (μ and r) and
// RMSNorm (r) keep per row.
func normStats(rms bool) int {
	if rms {
		return 1
	}
	return 2
}

// normForward is the forward pass of LayerNorm and RMSNorm: y, and each
// row's μ (but for RMSNorm) and r in stats. Each row takes three passes
// (vec.NormForwardRow): vec.RowSumTo's converts it to float64 into a
// scratch row (and sums it, for μ), which vec.RowSumSqDev64's and
// vec.NormRow64's, writing y alone, read from the cache. float32 takes
// normForward32 (layernorm32.go) instead.
func normForward[T tensor.Float](ar *tensor.Arena[T], in []*tensor.Tensor[T], rows, d int, eps T, rms bool) (y *tensor.Tensor[T], stats []float64) {
	x := in[0]
	y = ar.NewUninit(x.Shape()...)
	ns := normStats(rms)
	stats = make([]float64, ns*rows)
	if x32, ok := any(x.Data()).([]float32); ok {
		var g, b []float32
		if len(in) > 1 {
			g = any(in[1].Data()).([]float32)
		}
		if len(in) > 2 {
			b = any(in[2].Data()).([]float32)
		}
		normForward32(any(y.Data()).([]float32), x32, g, b, stats, rows, d, float64(eps), rms)
		return y, stats
	}
	var g, b []float64 // γ and β in float64, which vec.NormRow64 takes
	if len(in) > 1 {
		g = toFloat64s(in[1].Data())
	}
	if len(in) > 2 {
		b = toFloat64s(in[2].Data())
	}
	xd, yd := x.Data(), y.Data()
	normWorkers(rows, d, func() func(lo, hi int) {
		s := make([]float64, d) // the row in float64, converted once
		return func(lo, hi int) {
			for r := lo; r < hi; r++ {
				mu, is := vec.NormForwardRow(yd[r*d:][:d], xd[r*d:][:d], s, g, b, float64(eps), rms)
				if !rms {
					stats[2*r] = mu
				}
				stats[ns*r+ns-1] = is
			}
		}
	})
	return y, stats
}

// toFloat64s returns v converted to float64.
func toFloat64s[T tensor.Float](v []T) []float64 {
	f := make([]float64, len(v))
	for i, x := range v {
		f[i] = float64(x)
	}
	return f
}

// lnMaxBlocks caps the row blocks of normBackward.
const lnMaxBlocks = 32

// lnBlocks returns the number of row blocks normBackward splits R rows of D
// values into: one per parallel.Grain values, at most lnMaxBlocks and R. It
// depends on the shape alone, so that dγ and dβ, added block by block, do
// not depend on GOMAXPROCS.
func lnBlocks(rows, d int) int {
	return max(min(rows*d/parallel.Grain, lnMaxBlocks, rows), 1)
}

// normBackward is the backward pass of LayerNorm and RMSNorm for n inputs.
// It walks the rows once, two passes over each while it is in the cache: a
// row's Σ ĝ and Σ ĝ ⊙ x̂ together with its share of dβ and dγ
// (vec.NormGradSumsX's pass; the column sums in float64 per block of rows,
// see lnBlocks, row after row, the blocks then added in order), then its dx
// (vec.NormGradRowX's), x̂ recomputed from x in both; vec.NormBackwardRow
// runs the two. float32 takes normBackward32 (layernorm32.go) for the
// rows.
func normBackward[T tensor.Float](ar *tensor.Arena[T], dy, x *tensor.Tensor[T], stats []float64, gamma *tensor.Tensor[T], shape []int, n int, needs []bool, rms bool) []*tensor.Tensor[T] {
	d := tensor.NumElems(shape)
	rows := 0
	if d > 0 {
		rows = len(x.Data()) / d
	}
	gd, xd := dy.Data(), x.Data()
	var gm []float64 // γ in float64, which the float64 row loops take
	if _, f32 := any(xd).([]float32); !f32 && gamma != nil {
		gm = toFloat64s(gamma.Data())
	}
	grads := make([]*tensor.Tensor[T], n)
	var dd []T
	if needs[0] {
		grads[0] = ar.NewUninit(x.Shape()...)
		dd = grads[0].Data()
	}
	params := n > 1 && (needs[1] || (n > 2 && needs[2]))
	if rows == 0 || (dd == nil && !params) {
		return normParamGrads(ar, grads, nil, d, 0, shape, needs)
	}
	nb := lnBlocks(rows, d)
	// Block b's Σ dy over its rows at part[2bd:], Σ dy ⊙ x̂ at part[(2b+1)d:].
	var part []float64
	if params {
		part = make([]float64, 2*nb*d)
	}
	if x32, ok := any(xd).([]float32); ok {
		var g32, dx32 []float32
		if gamma != nil {
			g32 = any(gamma.Data()).([]float32)
		}
		if dd != nil {
			dx32 = any(dd).([]float32)
		}
		normBackward32(dx32, any(gd).([]float32), g32, x32, stats, part, rows, d, nb, rms)
		return normParamGrads(ar, grads, part, d, nb, shape, needs)
	}
	ns := normStats(rms)
	normPieces(nb, rows*d/nb, func(blo, bhi int) {
		for b := blo; b < bhi; b++ {
			lo, hi := b*rows/nb, (b+1)*rows/nb
			var sb, sbh []float64
			if params {
				sb, sbh = part[2*b*d:][:d], part[(2*b+1)*d:][:d]
			}
			for r := lo; r < hi; r++ {
				mu, is := 0.0, stats[ns*r+ns-1]
				if !rms {
					mu = stats[2*r]
				}
				var dx []T
				if dd != nil {
					dx = dd[r*d:][:d]
				}
				vec.NormBackwardRow(dx, gd[r*d:][:d], gm, xd[r*d:][:d], mu, is, sb, sbh, rms)
			}
		}
	})
	return normParamGrads(ar, grads, part, d, nb, shape, needs)
}

// normParamGrads adds up the nb blocks' column sums of normBackward, in
// order, into dγ and dβ as needs asks.
func normParamGrads[T tensor.Float](ar *tensor.Arena[T], grads []*tensor.Tensor[T], part []float64, d, nb int, shape []int, needs []bool) []*tensor.Tensor[T] {
	n := len(grads)
	if n == 1 || !(needs[1] || (n > 2 && needs[2])) {
		return grads
	}
	db, dg := make([]float64, d), make([]float64, d)
	for b := range nb {
		for j, v := range part[2*b*d:][:d] {
			db[j] += v
		}
		for j, v := range part[(2*b+1)*d:][:d] {
			dg[j] += v
		}
	}
	if needs[1] {
		grads[1] = fromFloat64(ar, dg).Reshape(shape...)
	}
	if n > 2 && needs[2] {
		grads[2] = fromFloat64(ar, db).Reshape(shape...)
	}
	return grads
}

func (op *LayerNorm[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	rows, d := lnLayout("LayerNorm", "1 input (x), 2 (x, γ) or 3 (x, γ, β)", 3, op.Shape, in)
	op.x, op.gamma = in[0], nil
	if len(in) > 1 {
		op.gamma = in[1]
	}
	var y *tensor.Tensor[T]
	y, op.stats = normForward(op.ar, in, rows, d, op.Eps, false)
	return y
}

func (op *LayerNorm[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return normBackward(op.ar, dy, op.x, op.stats, op.gamma, op.Shape, len(needs), needs, false)
}

// Saved lists x and γ; the statistics, float64s, are ExtraSavedBytes.
func (op *LayerNorm[T]) Saved() []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.x, op.gamma}
}

// ExtraSavedBytes is the size of μ and r, two float64s per row.
func (op *LayerNorm[T]) ExtraSavedBytes() int { return 8 * len(op.stats) }

func (op *RMSNorm[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	rows, d := lnLayout("RMSNorm", "1 input (x) or 2 (x, γ)", 2, op.Shape, in)
	op.x, op.gamma = in[0], nil
	if len(in) > 1 {
		op.gamma = in[1]
	}
	var y *tensor.Tensor[T]
	y, op.stats = normForward(op.ar, in, rows, d, op.Eps, true)
	return y
}

func (op *RMSNorm[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return normBackward(op.ar, dy, op.x, op.stats, op.gamma, op.Shape, len(needs), needs, true)
}

// Saved lists x and γ; r, float64s, is ExtraSavedBytes.
func (op *RMSNorm[T]) Saved() []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.x, op.gamma}
}

// ExtraSavedBytes is the size of r, a float64 per row.
func (op *RMSNorm[T]) ExtraSavedBytes() int { return 8 * len(op.stats) }

// BackwardVar is Backward written with differentiable ops. The kept μ and r
// carry no history, so it recomputes them and x̂ from the input Var x, with
// the means over the normalized axes kept (shape …×1×…×1):
//
//	μ = mean(x),  x̄ = x − μ,  r = (mean(x̄²) + Eps)^(−½),  x̂ = x̄ ⊙ r
//	ĝ = dy ⊙ γ,  dx = r ⊙ (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂))
//	dγ = SumTo(dy ⊙ x̂, S),  dβ = SumTo(dy, S)
func (op *LayerNorm[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	return normBackwardVar(in, dy, needs, op.Shape, op.Eps, false)
}

// BackwardVar is Backward written with differentiable ops; it recomputes r
// and x̂ from x:
//
//	r = (mean(x²) + Eps)^(−½),  x̂ = x ⊙ r
//	ĝ = dy ⊙ γ,  dx = r ⊙ (ĝ − x̂ ⊙ mean(ĝ ⊙ x̂)),  dγ = SumTo(dy ⊙ x̂, S)
func (op *RMSNorm[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	return normBackwardVar(in, dy, needs, op.Shape, op.Eps, true)
}

func normBackwardVar[T tensor.Float](in []*v[T], dy *v[T], needs []bool, shape []int, eps T, rms bool) []*v[T] {
	x := in[0]
	axes := lnAxes(len(x.Shape()), len(shape))
	grads := make([]*v[T], len(in))
	if len(in) > 2 && needs[2] {
		grads[2] = vSumTo(dy, shape...)
	}
	if !needs[0] && !(len(in) > 1 && needs[1]) {
		return grads
	}
	xc := x
	if !rms {
		xc = vSub(x, vMean(x, true, axes...))
	}
	rstd := vPow(vAddScalar(vMean(vMul(xc, xc), true, axes...), eps), -0.5)
	xhat := vMul(xc, rstd)
	if len(in) > 1 && needs[1] {
		grads[1] = vSumTo(vMul(dy, xhat), shape...)
	}
	if needs[0] {
		g := dy
		if len(in) > 1 {
			g = vMul(dy, in[1])
		}
		c := vSub(g, vMul(xhat, vMean(vMul(g, xhat), true, axes...)))
		if !rms {
			c = vSub(c, vMean(g, true, axes...))
		}
		grads[0] = vMul(c, rstd)
	}
	return grads
}
