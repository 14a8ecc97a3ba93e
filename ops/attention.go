package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
	"github.com/tapegrad/tapegrad/tensor"
)

// ScaledDotProductAttention is fused scaled dot-product attention, as
// PyTorch's F.scaled_dot_product_attention (1.13's
// torch.nn.functional._scaled_dot_product_attention, whose CPU kernel is the
// composition of matmul, softmax, dropout and matmul), with a hand-derived
// backward (docs/backprop.md, "Attention"). The inputs are q of shape
// …×L×E, k of shape …×S×E, v of shape …×S×Ev, the same batch axes … on
// all three (one attention per batch element and head), and optionally an
// additive float mask M that broadcasts to …×L×S. With c the scale (Scale,
// or 1/√E when Scale is 0), per batch element and head:
//
//	Sᵢⱼ = c·qᵢ·kⱼ + Mᵢⱼ   (−Inf for j > i when IsCausal)    L×S
//	mᵢ = maxⱼ Sᵢⱼ,  Pᵢⱼ = exp(Sᵢⱼ − mᵢ) / Σⱼ exp(Sᵢⱼ − mᵢ)     L×S
//	P̃ = P ⊙ Z,  Z the dropout mask (1/(1−p) kept, 0 dropped)   L×S
//	y = P̃·v                                                      L×Ev
//	dv = P̃ᵀ·dy,  dP̃ = dy·vᵀ,  Dᵢ = Σⱼ dP̃ᵢⱼ P̃ᵢⱼ                 (= Σⱼ dPᵢⱼ Pᵢⱼ)
//	dS = P̃ ⊙ dP̃ − P ⊙ D   (that is P ⊙ (dP − D), with dP = dP̃ ⊙ Z)
//	dq = c·dS·k,  dk = c·dSᵀ·q,  dM = dS summed to M's shape
//
// Without dropout Z is all ones and P̃ = P. The causal mask is PyTorch's
// is_causal: the lower triangle of the L×S matrix counting from its top
// left corner (row i attends to keys 0 … i), also when L ≠ S. A boolean
// mask is not an input of the op: package functional turns it into an
// additive one (0 where attention is allowed, −Inf where it is not).
//
// Forward keeps q, k, v, M and, for each row of S, its maximum m and
// 1/Σⱼ exp(Sᵢⱼ − mᵢ) in float64 (16 bytes per query, reported through
// ExtraSavedBytes), and no attention matrix: Backward recomputes S and P
// from q, k, M and these, one head at a time, with the same products and
// the same rounding, so the P it sees is the forward's bit for bit. This
// costs one product q·kᵀ and one exponential per score more in backward
// than keeping P would, for bytes kept of … × L × 16 instead of … × L × S
// × sizeof(T) (at W7's 128 tokens in float32, 16 bytes per query instead
// of 512). Heads run in parallel; each goroutine holds one L×S matrix at a
// time in the forward pass (S, overwritten by P̃) and two in the backward
// (P, and dP̃ overwritten by dS), one more with dropout (Z); the whole
// …×L×S stack of dS only when M needs a gradient (summed to M's shape
// when M is broadcast). Sums (Σ exp, D) are accumulated in float64, the
// exponentials are attnExp's (within 3·2⁻⁵² of math.Exp; in float32,
// vec.ExpSum32's and vec.ExpScale32's, four at a time in float64 lanes,
// within 2 ulp of math.Exp, Σ exp and D in four partial sums, dS by
// vec.AttnDS32), and the products
// go through tensor.Gemm. With IsCausal and more than attnBlockRows (64)
// queries or keys the products run by blocks of 64 queries (for dv and
// dk, 64 keys) over the keys (queries) the block can see, skipping much of
// the masked upper triangle; smaller blocks saved fewer multiply-adds than
// their extra calls cost (W7's 128 tokens took 20–30% more CPU time with
// blocks of 32), and the masked scores only cost their products, not
// their exponentials.
//
// Dropout (DropoutP = p > 0) zeroes each element of P with probability p
// and scales the others by 1/(1−p), as F.dropout does in training mode.
// The mask is not kept: Forward draws two uint64 seeds from Rng (from
// math/rand/v2's global source when Rng is nil, which is not reproducible,
// as PyTorch's unseeded generator), and the mask of head b is drawn, one
// Float64 per element in row-major order (kept where it is ≥ p, as
// nn.Dropout's), from a PCG seeded by the two seeds and b
// (AttentionDropoutMask), so that Backward and BackwardVar regenerate it.
// The same seeds give the same masks whatever GOMAXPROCS is; they are not
// PyTorch's masks.
//
// A query whose every score is −Inf (all keys masked) gives NaN, as in
// PyTorch: its output row, its rows of dq and dM, and all of dk and dv
// (whose sums run over every query) are NaN.
//
// BackwardVar writes the same formulas with MatMul, LogSoftmax, Exp,
// MaskedFill (the causal mask) and Mul by the regenerated dropout mask, so
// the backward pass differentiates again to any order.
//
// It panics unless it is given 3 inputs (q, k, v) or 4 (q, k, v, M); if q,
// k or v has fewer than 2 axes, their batch axes differ, k's E is not q's,
// or v's S is not k's; if M does not broadcast to …×L×S; if IsCausal is set
// with a mask (PyTorch refuses both); or if DropoutP is not in [0, 1].
type ScaledDotProductAttention[T tensor.Float] struct {
	arena[T]
	IsCausal bool       // is_causal: row i attends to keys 0 … i
	Scale    float64    // scale: the factor of q·kᵀ; 0 means 1/√E
	DropoutP float64    // dropout_p: the probability of zeroing an attention weight
	Rng      *rand.Rand // the source of the dropout seeds; math/rand/v2's global source when nil

	q, k, v, mask *tensor.Tensor[T]
	stats         []float64 // per row of S (…×L rows): its maximum m and 1/Σ exp(S − m)
	seed          [2]uint64 // the dropout mask's seeds
	g             attnGeom
}

func (*ScaledDotProductAttention[T]) Name() string { return "ScaledDotProductAttention" }

// attnGeom is the layout of one application: B heads (the batch axes
// flattened) of L queries and S keys of E values each, Ev values per key
// in v, and how the mask is strided over them.
type attnGeom struct {
	batch             []int // the batch axes …
	b, l, s, e, ev    int
	scale             float64
	causal            bool
	p                 float64
	mask              bool
	maskB             []int    // the mask's offset of each head
	maskRow, maskCol  int      // the mask's strides along L and S (0 where broadcast)
	maskFull          bool     // the mask has the full shape …×L×S
	maskShape, scores []int    // the mask's shape and …×L×S
	rows, cols        [][3]int // rowBlocks and colBlocks
	qv, kv, vv, yv    attnView // where each head's q, k, v and y (and their gradients) lie
}

// attnView locates the matrices of the heads in a tensor's data: head b's
// rows start at off(b) and lie ld apart. A contiguous …×rows×cols stack
// has one head per batch element (heads 1, perN rows·cols, ld cols);
// PackedAttention's heads lie side by side in the rows of its input.
type attnView struct {
	base, perN, perH, heads, ld int
}

func (w attnView) off(b int) int { return w.base + (b/w.heads)*w.perN + (b%w.heads)*w.perH }

// contiguous returns the view of a contiguous stack of rows×cols matrices.
func contiguous(rows, cols int) attnView { return attnView{perN: rows * cols, heads: 1, ld: cols} }

// clearRows zeroes rows [j0, j1) of the cols-wide matrix at m with row
// stride ld.
func clearRows[T tensor.Float](m []T, j0, j1, cols, ld int) {
	for j := j0; j < j1; j++ {
		clear(m[j*ld:][:cols])
	}
}

// attnLayout checks the inputs and returns their geometry.
func attnLayout[T tensor.Float](op *ScaledDotProductAttention[T], in []*tensor.Tensor[T]) attnGeom {
	if len(in) < 3 || len(in) > 4 {
		panic(fmt.Sprintf(errAttnArity, len(in)))
	}
	var ms []int
	if len(in) == 4 {
		ms = in[3].Shape()
	}
	return attnShapes(op, in[0].Shape(), in[1].Shape(), in[2].Shape(), ms)
}

// attnShapes checks the shapes of q, k, v and the mask (nil for none) and
// returns their geometry, with contiguous views.
func attnShapes[T tensor.Float](op *ScaledDotProductAttention[T], q, k, v, ms []int) attnGeom {
	r := len(q)
	if r < 2 || len(k) != r || len(v) != r || !slices.Equal(q[:r-2], k[:r-2]) || !slices.Equal(q[:r-2], v[:r-2]) ||
		k[r-1] != q[r-1] || v[r-2] != k[r-2] {
		panic(fmt.Sprintf(errAttnShapes, q, k, v))
	}
	if !(op.DropoutP >= 0 && op.DropoutP <= 1) {
		panic(fmt.Sprintf(errAttnDropout, op.DropoutP))
	}
	g := attnGeom{batch: slices.Clone(q[:r-2]), l: q[r-2], s: k[r-2], e: q[r-1], ev: v[r-1],
		causal: op.IsCausal, p: op.DropoutP, scale: op.Scale}
	g.b = tensor.NumElems(g.batch)
	if g.scale == 0 {
		g.scale = 1 / math.Sqrt(float64(g.e))
	}
	g.scores = append(slices.Clone(g.batch), g.l, g.s)
	g.rows, g.cols = g.rowBlocks(), g.colBlocks()
	g.qv, g.kv, g.vv, g.yv = contiguous(g.l, g.e), contiguous(g.s, g.e), contiguous(g.s, g.ev), contiguous(g.l, g.ev)
	if ms != nil {
		if op.IsCausal {
			panic(fmt.Sprintf(errAttnCausalMask, ms))
		}
		if !tensor.BroadcastsTo(ms, g.scores) {
			panic(fmt.Sprintf(errAttnMask, ms, g.scores))
		}
		g.mask, g.maskShape = true, slices.Clone(ms)
		g.maskFull = slices.Equal(ms, g.scores)
		st := attnStrides(ms, r)
		g.maskRow, g.maskCol = st[r-2], st[r-1]
		g.maskB = make([]int, g.b)
		idx := make([]int, r-2)
		for b := range g.b {
			off := 0
			for a := range idx {
				off += idx[a] * st[a]
			}
			g.maskB[b] = off
			for a := r - 3; a >= 0; a-- {
				if idx[a]++; idx[a] < g.batch[a] {
					break
				}
				idx[a] = 0
			}
		}
	}
	return g
}

// attnStrides returns the strides of a contiguous tensor of the given
// shape seen with rank r (leading axes of size 1 added), 0 along axes of
// size 1, which broadcast.
func attnStrides(shape []int, r int) []int {
	st := make([]int, r)
	step := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 {
			st[r-len(shape)+i] = step
		}
		step *= shape[i]
	}
	return st
}

// AttentionDropoutMask returns the dropout mask of ScaledDotProductAttention
// for the given seeds: for each of the heads (the batch axes flattened, in
// row-major order) an l×s matrix whose elements are 1/(1−p) with
// probability 1−p and 0 otherwise, one Float64 drawn per element, in
// row-major order, from a PCG seeded by the seeds and the head's index. It
// has the shape batch…×l×s. The composed attention of package functional
// multiplies by it to drop exactly what the fused op drops.
func AttentionDropoutMask[T tensor.Float](seed [2]uint64, p float64, shape ...int) *tensor.Tensor[T] {
	r := len(shape)
	if r < 2 {
		panic(fmt.Sprintf(errAttnDropoutShape, shape))
	}
	z := tensor.New[T](shape...)
	n := shape[r-2] * shape[r-1]
	for b := range tensor.NumElems(shape[:r-2]) {
		attnDropoutHead(z.Data()[b*n:][:n], seed, b, p)
	}
	return z
}

// attnDropoutHead writes head b's dropout mask into z.
func attnDropoutHead[T tensor.Float](z []T, seed [2]uint64, b int, p float64) {
	if p >= 1 {
		clear(z)
		return
	}
	rng := rand.New(rand.NewPCG(seed[0]^splitMix(uint64(b)), seed[1]+splitMix(uint64(b)+0x9e3779b97f4a7c15)))
	keep := T(1 / (1 - p))
	for i := range z {
		if rng.Float64() >= p {
			z[i] = keep
		} else {
			z[i] = 0
		}
	}
}

// splitMix is SplitMix64's finalizer: it spreads consecutive head indices
// over the seeds' whole range.
func splitMix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// attnBlockRows is the size of the blocks of queries (of keys, for the
// products that run over keys) of causal attention, whose products skip
// the keys that no query of the block attends to. Blocks of 32 were
// slower at 128 tokens (W7) than one block: the GEMM calls they add cost
// more than the multiply-adds they save. Blocks of 64, slower too when
// first measured, took about 7% less CPU time than one block of 128 on
// W7's fused attention on 2026-12-03 (six alternating pairs of 60 steps,
// the smaller blocks faster in each; the exponentials and the GEMM had
// changed since).
const attnBlockRows = 64

// rowBlocks returns the row blocks [i0, i1) of the l queries and, for
// each, the number of keys cb its products cover: all s without the causal
// mask (one block), min(i1, s) with it.
func (g *attnGeom) rowBlocks() [][3]int {
	if !g.causal {
		return [][3]int{{0, g.l, g.s}}
	}
	var bs [][3]int
	for i0 := 0; i0 < g.l; i0 += attnBlockRows {
		i1 := min(i0+attnBlockRows, g.l)
		bs = append(bs, [3]int{i0, i1, min(i1, g.s)})
	}
	return bs
}

// colBlocks returns the column blocks [j0, j1) of the s keys and, for each,
// the first query i0 that attends to any of them (0 without the causal
// mask, when there is one block; j0 with it, l when none does).
func (g *attnGeom) colBlocks() [][3]int {
	if !g.causal {
		return [][3]int{{0, g.s, 0}}
	}
	var bs [][3]int
	for j0 := 0; j0 < g.s; j0 += attnBlockRows {
		bs = append(bs, [3]int{j0, min(j0+attnBlockRows, g.s), min(j0, g.l)})
	}
	return bs
}

// width is the number of keys query i attends to before masking: s, or
// min(i+1, s) with the causal mask.
func (g *attnGeom) width(i int) int {
	if g.causal {
		return min(i+1, g.s)
	}
	return g.s
}

// attnScores writes head b's S = c·q·kᵀ + M into the l×s matrix sb, row
// block by row block: row i's first width(i) entries, and zeros from there
// to its block's end (keys the causal mask hides). Entries beyond a
// block's end are not written.
func attnScores[T tensor.Float](g *attnGeom, sb, q, k, m []T, b int) {
	l, s, e := g.l, g.s, g.e
	qb, kb, ldq, ldk := q[g.qv.off(b):], k[g.kv.off(b):], g.qv.ld, g.kv.ld
	for _, blk := range g.rows {
		i0, i1, cb := blk[0], blk[1], blk[2]
		tensor.Gemm(false, true, i1-i0, cb, e, T(g.scale), qb[i0*ldq:], ldq, kb, ldk, 0, sb[i0*s:], s)
	}
	if g.mask {
		off := g.maskB[b]
		for i := range l {
			row := sb[i*s:][:s]
			mo := off + i*g.maskRow
			if g.maskCol == 0 {
				mv := m[mo]
				for j := range row {
					row[j] += mv
				}
				continue
			}
			for j, mv := range m[mo:][:s] {
				row[j] += mv
			}
		}
	}
}

// attnSoftmaxRows turns each row of the scores in sb into its softmax,
// computing each exponential once (ex is scratch of s float64), and writes
// its maximum m and the inverse of Σ exp(S − m) to stats (two float64 per
// row), from which attnProbRows recomputes the same P.
func attnSoftmaxRows[T tensor.Float](g *attnGeom, sb []T, stats, ex []float64) {
	s := g.s
	for _, blk := range g.rows {
		for i := blk[0]; i < blk[1]; i++ {
			w := g.width(i)
			row := sb[i*s:][:w]
			m := math.Inf(-1)
			for _, x := range row {
				m = max(m, float64(x))
			}
			stats[2*i] = m
			if math.IsInf(m, -1) { // every key masked: NaN, as PyTorch's softmax
				for j := range row {
					row[j] = T(math.NaN())
				}
				clear(sb[i*s+w : i*s+blk[2]])
				continue
			}
			if r32, ok := any(row).([]float32); ok && attnVecRow(m) {
				sum, _ := vec.ExpSum32(r32, m)
				inv := 1 / sum
				stats[2*i+1] = inv
				vec.ExpScale32(r32, r32, m, inv)
				clear(sb[i*s+w : i*s+blk[2]])
				continue
			}
			sum := 0.0
			for j, x := range row {
				v := 0.0
				if !math.IsInf(float64(x), -1) {
					v = attnExp(float64(x) - m)
				}
				ex[j] = v
				sum += v
			}
			inv := 1 / sum
			stats[2*i+1] = inv
			for j := range row {
				row[j] = T(ex[j] * inv)
			}
			clear(sb[i*s+w : i*s+blk[2]])
		}
	}
}

// attnVecRow reports whether the float32 row whose maximum is m takes
// vec.ExpSum32 and vec.ExpScale32: when m is finite, so that no score less
// m is NaN (a NaN score makes m NaN, and +Inf makes it +Inf; those rows
// take the scalar path, forward and backward alike).
func attnVecRow(m float64) bool { return !math.IsNaN(m) && !math.IsInf(m, 0) }

// attnProbRows turns each row of the scores in sb into the softmax given
// by stats, as attnSoftmaxRows does: Pᵢⱼ = exp(Sᵢⱼ − mᵢ)·invᵢ rounded once
// to T, exactly 0 for a score of −Inf and for the keys the causal mask
// hides, NaN for a row whose every score is −Inf.
func attnProbRows[T tensor.Float](g *attnGeom, sb []T, stats []float64) {
	s := g.s
	for _, blk := range g.rows {
		for i := blk[0]; i < blk[1]; i++ {
			w := g.width(i)
			row := sb[i*s:][:w]
			m, inv := stats[2*i], stats[2*i+1]
			if math.IsInf(m, -1) {
				for j := range row {
					row[j] = T(math.NaN())
				}
			} else if r32, ok := any(row).([]float32); ok && attnVecRow(m) {
				vec.ExpScale32(r32, r32, m, inv)
			} else {
				for j, x := range row {
					if math.IsInf(float64(x), -1) {
						row[j] = 0
					} else {
						row[j] = T(attnExp(float64(x)-m) * inv)
					}
				}
			}
			clear(sb[i*s+w : i*s+blk[2]])
		}
	}
}

func (op *ScaledDotProductAttention[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	g := attnLayout(op, in)
	op.g = g
	op.q, op.k, op.v = in[0], in[1], in[2]
	op.mask = nil
	var m []T
	if g.mask {
		op.mask = in[3]
		m = op.mask.Data()
	}
	if g.p > 0 {
		op.seed = AttentionDropoutSeeds(op.Rng)
	}
	y := op.ar.NewUninit(append(slices.Clone(g.batch), g.l, g.ev)...)
	op.stats = make([]float64, 2*g.b*g.l)
	attnForward(&g, op.q.Data(), op.k.Data(), op.v.Data(), m, y.Data(), op.stats, op.seed)
	return y
}

// attnForward writes the attention of every head to yd (where g.yv puts
// it) and its rows' statistics to stats, heads in parallel.
func attnForward[T tensor.Float](g *attnGeom, q, k, v, m, yd []T, stats []float64, seed [2]uint64) {
	l, s, ev := g.l, g.s, g.ev
	rows := g.rows
	parallel.For(g.b, func(lo, hi int) {
		sb, ex := make([]T, l*s), make([]float64, s)
		var z []T
		if g.p > 0 {
			z = make([]T, l*s)
		}
		for b := lo; b < hi; b++ {
			attnScores(g, sb, q, k, m, b)
			attnSoftmaxRows(g, sb, stats[2*b*l:][:2*l], ex)
			if z != nil {
				attnDropoutHead(z, seed, b, g.p)
				for _, blk := range rows {
					for i := blk[0]; i < blk[1]; i++ {
						r, zr := sb[i*s:][:blk[2]], z[i*s:][:blk[2]]
						for j, zj := range zr {
							r[j] *= zj
						}
					}
				}
			}
			vb, yb, ldv, ldy := v[g.vv.off(b):], yd[g.yv.off(b):], g.vv.ld, g.yv.ld
			for _, blk := range rows {
				i0, i1, cb := blk[0], blk[1], blk[2]
				tensor.Gemm(false, false, i1-i0, ev, cb, 1, sb[i0*s:], s, vb, ldv, 0, yb[i0*ldy:], ldy)
			}
		}
	})
}

// AttentionDropoutSeeds draws the two seeds of ScaledDotProductAttention's
// dropout masks (see AttentionDropoutMask) from rng, two Uint64 calls, or
// from math/rand/v2's global source when rng is nil.
func AttentionDropoutSeeds(rng *rand.Rand) [2]uint64 {
	if rng == nil {
		return [2]uint64{rand.Uint64(), rand.Uint64()}
	}
	return [2]uint64{rng.Uint64(), rng.Uint64()}
}

func (op *ScaledDotProductAttention[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	g := &op.g
	grads := make([]*tensor.Tensor[T], len(needs))
	var dq, dk, dv, dm []T
	if needs[0] {
		grads[0] = op.ar.NewUninit(op.q.Shape()...)
		dq = grads[0].Data()
	}
	if needs[1] {
		grads[1] = op.ar.NewUninit(op.k.Shape()...)
		dk = grads[1].Data()
	}
	if needs[2] {
		grads[2] = op.ar.NewUninit(op.v.Shape()...)
		dv = grads[2].Data()
	}
	var dS *tensor.Tensor[T] // the whole stack of dS, for the mask's gradient
	if len(needs) > 3 && needs[3] {
		dS = op.ar.NewUninit(g.scores...)
		dm = dS.Data()
	}
	if dq == nil && dk == nil && dv == nil && dm == nil {
		return grads
	}
	var m []T
	if g.mask {
		m = op.mask.Data()
	}
	attnBackward(g, op.q.Data(), op.k.Data(), op.v.Data(), m, dy.Data(), dq, dk, dv, dm, op.stats, op.seed)
	if dS != nil {
		if g.maskFull {
			grads[3] = dS
		} else {
			grads[3] = op.ar.SumTo(dS, g.maskShape...)
		}
	}
	return grads
}

// attnBackward writes the gradients dq, dk and dv (where g.qv, g.kv and
// g.vv put q, k and v; nil when not needed) and the whole stack of dS to
// dm (nil when not needed) from the output's gradient gy (where g.yv puts
// y), heads in parallel.
func attnBackward[T tensor.Float](g *attnGeom, q, k, v, m, gy, dq, dk, dv, dm []T, stats []float64, seed [2]uint64) {
	l, s, e, ev := g.l, g.s, g.e, g.ev
	ldq, ldk, ldv, ldy := g.qv.ld, g.kv.ld, g.vv.ld, g.yv.ld
	rows, cols := g.rows, g.cols
	parallel.For(g.b, func(lo, hi int) {
		pb, gb := make([]T, l*s), make([]T, l*s)
		pt := pb // P̃: P, or P ⊙ Z in its own buffer with dropout
		if g.p > 0 {
			pt = make([]T, l*s)
		}
		for b := lo; b < hi; b++ {
			attnScores(g, pb, q, k, m, b)
			attnProbRows(g, pb, stats[2*b*l:][:2*l])
			if g.p > 0 {
				attnDropoutHead(pt, seed, b, g.p)
				for _, blk := range rows {
					for i := blk[0]; i < blk[1]; i++ {
						r, pr := pt[i*s:][:blk[2]], pb[i*s:][:blk[2]]
						for j, p := range pr {
							r[j] *= p
						}
					}
				}
			}
			qo, ko, vo := g.qv.off(b), g.kv.off(b), g.vv.off(b)
			qb, kb, vb := q[qo:], k[ko:], v[vo:]
			dyb := gy[g.yv.off(b):]
			if dv != nil { // dv = P̃ᵀ·dy, key block by key block over the queries that see it
				dvb := dv[vo:]
				for _, blk := range cols {
					j0, j1, i0 := blk[0], blk[1], blk[2]
					if i0 == l {
						clearRows(dvb, j0, j1, ev, ldv)
						continue
					}
					tensor.Gemm(true, false, j1-j0, ev, l-i0, 1, pt[i0*s+j0:], s, dyb[i0*ldy:], ldy, 0, dvb[j0*ldv:], ldv)
				}
			}
			if dq == nil && dk == nil && dm == nil {
				continue
			}
			// dP̃ = dy·vᵀ, then dS = P̃ ⊙ dP̃ − P ⊙ D in its place.
			for _, blk := range rows {
				i0, i1, cb := blk[0], blk[1], blk[2]
				tensor.Gemm(false, true, i1-i0, cb, ev, 1, dyb[i0*ldy:], ldy, vb, ldv, 0, gb[i0*s:], s)
				for i := i0; i < i1; i++ {
					gr, pr, ptr := gb[i*s:][:cb], pb[i*s:][:cb], pt[i*s:][:cb]
					if g32, ok := any(gr).([]float32); ok {
						vec.AttnDS32(g32, any(ptr).([]float32), any(pr).([]float32))
						continue
					}
					d := 0.0
					for j, x := range gr {
						d += float64(x) * float64(ptr[j])
					}
					for j, x := range gr {
						gr[j] = T(float64(ptr[j])*float64(x) - float64(pr[j])*d)
					}
				}
				if dq != nil { // dq = c·dS·k
					tensor.Gemm(false, false, i1-i0, e, cb, T(g.scale), gb[i0*s:], s, kb, ldk, 0, dq[qo+i0*ldq:], ldq)
				}
			}
			if dk != nil { // dk = c·dSᵀ·q
				dkb := dk[ko:]
				for _, blk := range cols {
					j0, j1, i0 := blk[0], blk[1], blk[2]
					if i0 == l {
						clearRows(dkb, j0, j1, e, ldk)
						continue
					}
					tensor.Gemm(true, false, j1-j0, e, l-i0, T(g.scale), gb[i0*s+j0:], s, qb[i0*ldq:], ldq, 0, dkb[j0*ldk:], ldk)
				}
			}
			if dm != nil { // no causal mask with a float one: every entry written
				copy(dm[b*l*s:][:l*s], gb)
			}
		}
	})
}

// Saved lists q, k, v and the mask; the row statistics are counted by
// ExtraSavedBytes.
func (op *ScaledDotProductAttention[T]) Saved() []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.q, op.k, op.v, op.mask}
}

// ExtraSavedBytes counts the row statistics, the maximum and the inverse
// sum of each row of S, two float64 per query.
func (op *ScaledDotProductAttention[T]) ExtraSavedBytes() int { return 8 * len(op.stats) }

// BackwardVar is Backward written with differentiable ops, recomputing P
// from the input Vars:
//
//	S = c·(q·kᵀ) + M, −Inf above the diagonal (MaskedFill) when causal
//	P = exp(LogSoftmax(S)),  P̃ = P ⊙ Z (Z the regenerated dropout mask, a constant)
//	dv = P̃ᵀ·dy,  dP = (dy·vᵀ) ⊙ Z,  dS = P ⊙ (dP − Σⱼ dP ⊙ P)
//	dq = c·dS·k,  dk = c·dSᵀ·q,  dM = SumTo(dS, M's shape)
func (op *ScaledDotProductAttention[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	g := &op.g
	q, k, vv := in[0], in[1], in[2]
	c := T(g.scale)
	s := vScale(vMatMul(q, false, k, true), c)
	if g.mask {
		s = vAdd(s, in[3])
	}
	if g.causal {
		s = autograd.Apply[T](&MaskedFill[T]{Mask: causalAbove(g.l, g.s), MaskShape: []int{g.l, g.s}, Value: T(math.Inf(-1))}, s)
	}
	p := vExp(autograd.Apply[T](&LogSoftmax[T]{Axis: -1}, s))
	pt := p
	var z *v[T]
	if g.p > 0 {
		z = vConst(AttentionDropoutMask[T](op.seed, g.p, g.scores...))
		pt = vMul(p, z)
	}
	grads := make([]*v[T], len(in))
	if needs[2] {
		grads[2] = vMatMul(pt, true, dy, false)
	}
	if !needs[0] && !needs[1] && !(len(in) > 3 && needs[3]) {
		return grads
	}
	dp := vMatMul(dy, false, vv, true)
	if z != nil {
		dp = vMul(dp, z)
	}
	ds := vMul(p, vSub(dp, vSum(vMul(dp, p), true, -1)))
	if needs[0] {
		grads[0] = vScale(vMatMul(ds, false, k, false), c)
	}
	if needs[1] {
		grads[1] = vScale(vMatMul(ds, true, q, false), c)
	}
	if len(in) > 3 && needs[3] {
		grads[3] = vSumTo(ds, in[3].Shape()...)
	}
	return grads
}

// causalAbove returns the l×s mask that is true above the diagonal
// (j > i): the keys a causal query i may not attend to.
func causalAbove(l, s int) []bool {
	m := make([]bool, l*s)
	for i := range l {
		for j := i + 1; j < s; j++ {
			m[i*s+j] = true
		}
	}
	return m
}

// expTable holds 2^(j/32) for j = 0 … 31.
var expTable = func() (t [32]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / 32)
	}
	return t
}()

// attnExp returns e^x for the x ≤ 0 of a softmax (a score less the row's
// maximum), within 3·2⁻⁵² relative of math.Exp's (TestAttnExp), itself
// within 1 ulp, and faster: math.Exp took half of the fused attention's
// CPU time on W7. With
// x = (32k + j)·ln2/32 + r, |r| ≤ ln2/64:
//
//	e^x = 2^k · 2^(j/32) · e^r,  e^r by its Taylor polynomial of degree 6
//
// (the first term left out is below 4e-18 relative); k·ln2/32 is taken in
// two parts (fdlibm's ln2 split), the first exact in the product. Below
// −708, where e^x nears the subnormals, and for NaN, −Inf and x > 0, it
// is math.Exp.
func attnExp(x float64) float64 {
	if !(x >= -708 && x <= 0) {
		return math.Exp(x)
	}
	const (
		ln2Hi = 6.93147180369123816490e-01 / 32 // 32 significant bits: kf·ln2Hi is exact
		ln2Lo = 1.90821492927058770002e-10 / 32
		round = 0x1.8p52 // adding and subtracting it rounds to an integer
	)
	kf := (x*(32/math.Ln2) + round) - round
	k := int(kf)
	r := x - kf*ln2Hi - kf*ln2Lo
	p := 1 + r*(1+r*(1./2+r*(1./6+r*(1./24+r*(1./120+r*(1./720))))))
	return math.Float64frombits(uint64(k>>5+1023)<<52) * expTable[k&31] * p
}
