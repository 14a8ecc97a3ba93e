package ops

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/tensor"
)

// PackedAttention is multi-head self-attention on packed projections, the
// core of PyTorch's MultiheadAttention when query, key and value are the
// same tensor: ScaledDotProductAttention over the Heads heads of q, k and
// v that lie side by side in the rows of one input, written to the heads
// of one output, without the copies that split, permute and merge them.
// The input x holds each position's projections [q k v] along its last
// axis, 3E values with E = Heads·D; it is N×L×3E, or L×N×3E with
// SeqFirst (PyTorch's batch_first=False). For sequence n, head h and
// positions i, j:
//
//	qᵢ = x[n, i, hD : hD+D],  kⱼ = x[n, j, E+hD : E+hD+D],  vⱼ = x[n, j, 2E+hD : 2E+hD+D]
//	y[n, i, hD : hD+D] = ScaledDotProductAttention(q, k, v, M[n, h])ᵢ
//
// with the scale c = Scale, or 1/√D when Scale is 0, the optional additive
// mask M broadcasting to N×Heads×L×L, the causal mask (IsCausal) and the
// dropout (DropoutP, Rng) of ScaledDotProductAttention, whose forward and
// backward it runs with the same products, exponentials and sums in the
// same order, and whose dropout masks it draws for the heads in the same
// order (n·Heads + h): its output and gradients are those of
// ScaledDotProductAttention on the split heads bit for bit, dx being dq,
// dk and dv side by side as x holds q, k and v. The output is N×L×E, or
// L×N×E with SeqFirst. It keeps x, the mask and each query's two row
// statistics (ExtraSavedBytes). BackwardVar splits x into heads with
// Slice, Reshape and Permute, runs ScaledDotProductAttention's BackwardVar
// on them and joins the gradients with Permute, Reshape and Concat, so the
// backward pass differentiates again to any order.
//
// It panics unless it is given 1 input (x) or 2 (x, M); if x is not 3-d
// with a last axis that 3·Heads divides, or Heads is less than 1; if M
// does not broadcast to N×Heads×L×L; if IsCausal is set with a mask; or
// if DropoutP is not in [0, 1].
type PackedAttention[T tensor.Float] struct {
	arena[T]
	Heads    int        // the number of heads H
	SeqFirst bool       // x is L×N×3E rather than N×L×3E
	IsCausal bool       // is_causal: query i attends to keys 0 … i
	Scale    float64    // the factor of q·kᵀ; 0 means 1/√D
	DropoutP float64    // the probability of zeroing an attention weight
	Rng      *rand.Rand // the source of the dropout seeds; math/rand/v2's global source when nil

	x, mask *tensor.Tensor[T]
	n, l, e int
	stats   []float64
	seed    [2]uint64
	g       attnGeom
}

func (*PackedAttention[T]) Name() string { return "PackedAttention" }

// layout checks the inputs and sets the op's geometry: SDPA's over
// N×H×L×D heads, with views into x and the output.
func (op *PackedAttention[T]) layout(in []*tensor.Tensor[T]) {
	if len(in) < 1 || len(in) > 2 {
		panic(fmt.Sprintf(errPackedArity, len(in)))
	}
	xs := in[0].Shape()
	h := op.Heads
	if len(xs) != 3 || h < 1 || xs[2]%(3*h) != 0 {
		panic(fmt.Sprintf(errPackedShape, xs, h))
	}
	if !(op.DropoutP >= 0 && op.DropoutP <= 1) {
		panic(fmt.Sprintf(errPackedDropout, op.DropoutP))
	}
	n, l, e := xs[0], xs[1], xs[2]/3
	if op.SeqFirst {
		n, l = l, n
	}
	d := e / h
	heads := []int{n, h, l, d}
	var ms []int
	if len(in) == 2 {
		ms = in[1].Shape()
		if op.IsCausal {
			panic(fmt.Sprintf(errPackedCausalMask, ms))
		}
		scores := []int{n, h, l, l}
		if !tensor.BroadcastsTo(ms, scores) {
			panic(fmt.Sprintf(errPackedMask, ms, scores))
		}
	}
	sdpa := ScaledDotProductAttention[T]{IsCausal: op.IsCausal, Scale: op.Scale, DropoutP: op.DropoutP}
	g := attnShapes(&sdpa, heads, heads, heads, ms)
	// Row i of sequence n starts at (n·L + i)·3E, or (i·N + n)·3E with
	// SeqFirst; head h's columns at h·D in each third.
	perN, ld := l*3*e, 3*e
	if op.SeqFirst {
		perN, ld = 3*e, n*3*e
	}
	g.qv = attnView{base: 0, perN: perN, perH: d, heads: h, ld: ld}
	g.kv = attnView{base: e, perN: perN, perH: d, heads: h, ld: ld}
	g.vv = attnView{base: 2 * e, perN: perN, perH: d, heads: h, ld: ld}
	g.yv = attnView{perN: perN / 3, perH: d, heads: h, ld: ld / 3}
	op.g, op.n, op.l, op.e = g, n, l, e
}

// outShape is the shape of y: N×L×E, or L×N×E with SeqFirst.
func (op *PackedAttention[T]) outShape() []int {
	if op.SeqFirst {
		return []int{op.l, op.n, op.e}
	}
	return []int{op.n, op.l, op.e}
}

func (op *PackedAttention[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	op.layout(in)
	op.x, op.mask = in[0], nil
	var m []T
	if len(in) == 2 {
		op.mask = in[1]
		m = op.mask.Data()
	}
	if op.g.p > 0 {
		op.seed = AttentionDropoutSeeds(op.Rng)
	}
	y := op.ar.NewUninit(op.outShape()...)
	op.stats = make([]float64, 2*op.g.b*op.g.l)
	x := op.x.Data()
	attnForward(&op.g, x, x, x, m, y.Data(), op.stats, op.seed)
	return y
}

func (op *PackedAttention[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := &op.g
	grads := make([]*tensor.Tensor[T], len(needs))
	var dx, dm []T
	if needs[0] {
		grads[0] = op.ar.NewUninit(op.x.Shape()...) // every element is some head's dq, dk or dv
		dx = grads[0].Data()
	}
	var dS *tensor.Tensor[T]
	if len(needs) > 1 && needs[1] {
		dS = op.ar.NewUninit(g.scores...)
		dm = dS.Data()
	}
	if dx == nil && dm == nil {
		return grads
	}
	var m []T
	if g.mask {
		m = op.mask.Data()
	}
	x := op.x.Data()
	attnBackward(g, x, x, x, m, dy.Data(), dx, dx, dx, dm, op.stats, op.seed)
	if dS != nil {
		if g.maskFull {
			grads[1] = dS
		} else {
			grads[1] = op.ar.SumTo(dS, g.maskShape...)
		}
	}
	return grads
}

// Saved lists x and the mask; the row statistics are counted by
// ExtraSavedBytes.
func (op *PackedAttention[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x, op.mask} }

// ExtraSavedBytes counts the row statistics, the maximum and the inverse
// sum of each row of S, two float64 per query and head.
func (op *PackedAttention[T]) ExtraSavedBytes() int { return 8 * len(op.stats) }

// BackwardVar splits x and dy into N×H×L×D heads, takes
// ScaledDotProductAttention's BackwardVar on them (with this op's seeds,
// so the same dropout masks) and joins dq, dk and dv as x holds them.
func (op *PackedAttention[T]) BackwardVar(in []*v[T], out, dy *v[T], needs []bool) []*v[T] {
	n, l, e, h := op.n, op.l, op.e, op.Heads
	d := e / h
	toHeads := func(t *v[T]) *v[T] { // N×L×E (L×N×E) → N×H×L×D
		if op.SeqFirst {
			return vPermute(vReshape(t, l, n, h, d), 1, 2, 0, 3)
		}
		return vPermute(vReshape(t, n, l, h, d), 0, 2, 1, 3)
	}
	fromHeads := func(t *v[T]) *v[T] {
		if op.SeqFirst {
			return vReshape(vPermute(t, 2, 0, 1, 3), l, n, e)
		}
		return vReshape(vPermute(t, 0, 2, 1, 3), n, l, e)
	}
	third := func(i int) *v[T] {
		return toHeads(vSlice(in[0], []Range{{0, End, 1}, {0, End, 1}, {i * e, (i + 1) * e, 1}}))
	}
	hin := []*v[T]{third(0), third(1), third(2)}
	hneeds := []bool{needs[0], needs[0], needs[0]}
	if len(in) > 1 {
		hin = append(hin, in[1])
		hneeds = append(hneeds, needs[1])
	}
	sdpa := &ScaledDotProductAttention[T]{IsCausal: op.IsCausal, Scale: op.Scale, DropoutP: op.DropoutP, seed: op.seed}
	sdpa.g = op.g
	sdpa.g.qv, sdpa.g.kv, sdpa.g.vv, sdpa.g.yv = contiguous(l, d), contiguous(l, d), contiguous(l, d), contiguous(l, d)
	hg := sdpa.BackwardVar(hin, nil, toHeads(dy), hneeds)
	grads := make([]*v[T], len(in))
	if needs[0] {
		grads[0] = vConcat(2, fromHeads(hg[0]), fromHeads(hg[1]), fromHeads(hg[2]))
	}
	if len(in) > 1 && needs[1] {
		grads[1] = hg[3]
	}
	return grads
}
