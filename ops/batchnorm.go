package ops

import (
	"fmt"
	"math"
	"runtime"
	"unsafe"

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
// needs — as PyTorch keeps x; without them, x̂ is the output itself, and
// Forward keeps it and 1/σ. Either way nothing like x is written besides
// y. It leaves the batch statistics μ and σ² (biased) in Mean and Var,
// from which a module updates its running statistics.
//
// The statistics and the sums of the backward pass are accumulated in
// float64, μ and σ² in one pass over x, from the sums of the values
// shifted by the channel's first value (bnForward.pass). The element-wise
// passes compute in T, as PyTorch's do, with μ
// rounded to T as m and the rounding folded into per-channel factors
// computed in float64: y = (x − m)·a + b with a = γ/σ and b = β + a·(m − μ),
// and dx = k1·dy + k2·(x − m) + k3 likewise (without γ and β, x̂ in place
// of x − m); Σ dy ⊙ x̂ is (Σ dy·(x − m) + (m − μ)·Σ dy)/σ. x − m is
// rounded to T, exactly when x is within a factor 2 of m.
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
	stats *tensor.Tensor[T] // the storage of mu and is, from the arena
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
// sums taken in an order fixed by the shape. With inner at most
// bnWideInner (an N×C input, or planes of up to 32×32) the samples are the
// rows of a matrix of C·inner columns, a channel's inner columns side by
// side, and the passes take whole channels a block of at most bnCols
// columns at a time, with the per-channel factors spread over each
// channel's columns: one call of each row loop per block, where a call per
// run of inner values cost more than the arithmetic on small planes (a
// step of batch norm on 32×512×2×2 took 12 times as long). Each column
// sums its values in sample order and a channel then adds its columns'
// sums in order. On larger planes a channel's values are N runs of inner
// contiguous values: its sums are taken in 16 partial sums (value i of a
// run goes to partial i mod 16, run after run) then added in order, and
// the element-wise passes see the channel as an N × inner matrix with rows
// C·inner apart, a block of at most bnCols columns at a time, with the
// per-channel factors spread along a row.
// Every pass splits the channels among goroutines when there are enough
// values (bnSplits), and a channel's result does not depend on the block
// it is in, so the results do not depend on GOMAXPROCS. The scratch is on
// the stack: on a tape that reuses buffers a pass allocates nothing but its
// outputs (from the arena), and the closure of a split.

// byChannels calls f on ranges of channels, in parallel when the input is
// large enough for that to pay.
func byChannels(n, c, inner int, f func(clo, chi int)) {
	parallel.Chunks(c, max(parallel.Grain/max(n*inner, 1), 1), f)
}

// bnLanes is the number of partial sums of a channel's runs.
const bnLanes = 16

// bnMaxCols is the most columns the passes take at a time, so that their
// per-column scratch fits on the stack, and bnSmallCols the most of a pass
// with a smaller scratch, which it zeroes at every call.
//
// Wide blocks read long runs of each row: W3/fused, -cpu 2, test binaries
// alternated, six rounds, medians: 1024x4096 7.16 ms with 512 columns,
// 4.98 ms with 1024, 4.88 ms with 2048; 32x64x32x32 2.87, 2.76 and
// 2.29 ms. But a block's second pass should find it in the core's cache,
// so a block of fewer columns that fits bnCacheBytes is taken where one
// exists (128x1024: 1024 columns of the backward pass's two inputs, 1 MiB,
// were 114 → 129 µs). A 2048-column scratch for every pass cost 200x100,
// which needs 100 columns, 4–6 µs of 22 in zeroing, hence the small one.
const bnMaxCols, bnSmallCols = 2048, 512

// bnCacheBytes is the most bytes of its two inputs a block of the backward
// pass keeps for its second pass when a block of at least bnSmallCols
// columns fits: half of this machine's 1 MiB L2 cache.
const bnCacheBytes = 512 << 10

// bnCols returns the most columns of a block or run of the passes over
// channels [clo, chi) of x, laid out n × c × inner with size bytes a value.
func bnCols(n, inner, clo, chi, size int) int {
	cols := bnMaxCols
	if fit := bnCacheBytes / (2 * max(n, 1) * size); fit >= bnSmallCols && fit < cols {
		cols = fit &^ 7 // whole vectors
	}
	if inner <= bnWideInner {
		return min((chi-clo)*inner, max(cols, inner)) // at least a channel
	}
	return min(inner, cols)
}

// bnSumShiftSq returns the sums of the deviations of channel ch's values in
// x, laid out n × c × inner with inner > 1, from k, and of their squares,
// in float64 over partial sums of groups of rows in T (vec.SumShiftSqRows),
// using l1 and l2 (bnLanes long) as scratch and k holding k, bnLanes long.
func bnSumShiftSq[T tensor.Float](l1, l2 []float64, k, x []T, n, c, inner, ch int) (s1, s2 float64) {
	clear(l1)
	clear(l2)
	rows, tail := inner/bnLanes, inner%bnLanes
	for s := range n {
		run := x[(s*c+ch)*inner:][:inner]
		vec.SumShiftSqRows(l1, l2, run, k, rows, bnLanes)
		if tail > 0 {
			vec.SumShiftSqRows(l1[:tail], l2[:tail], run[rows*bnLanes:], k[:tail], 1, tail)
		}
	}
	return sumLanes(l1), sumLanes(l2)
}

// bnSumDot returns Σ a and Σ a⊙b over channel ch's values in a and b, laid
// out n × c × inner with inner > 1, in float64 (vec.SumDotRows), using la
// and lab (bnLanes long) as scratch.
func bnSumDot[T tensor.Float](la, lab []float64, a, b []T, n, c, inner, ch int) (sa, sab float64) {
	clear(la)
	clear(lab)
	if inner <= bnLanes {
		// The channel as one n × inner matrix: the sums of the loop below,
		// in its order, in one call rather than one per row.
		vec.SumDotRows(la[:inner], lab[:inner], a[ch*inner:], b[ch*inner:], n, c*inner)
		return sumLanes(la), sumLanes(lab)
	}
	rows, tail := inner/bnLanes, inner%bnLanes
	for s := range n {
		i := (s*c + ch) * inner
		ra, rb := a[i:][:inner], b[i:][:inner]
		vec.SumDotRows(la, lab, ra, rb, rows, bnLanes)
		if tail > 0 {
			vec.SumDotRows(la[:tail], lab[:tail], ra[rows*bnLanes:], rb[rows*bnLanes:], 1, tail)
		}
	}
	return sumLanes(la), sumLanes(lab)
}

// bnSumDotShift is bnSumDot of a and x − m, the difference rounded to T
// (vec.SumDotShiftRows), with m holding m, bnLanes long.
func bnSumDotShift[T tensor.Float](la, lab []float64, m, a, x []T, n, c, inner, ch int) (sa, sab float64) {
	clear(la)
	clear(lab)
	rows, tail := inner/bnLanes, inner%bnLanes
	for s := range n {
		i := (s*c + ch) * inner
		ra, rx := a[i:][:inner], x[i:][:inner]
		vec.SumDotShiftRows(la, lab, ra, rx, m, rows, bnLanes)
		if tail > 0 {
			vec.SumDotShiftRows(la[:tail], lab[:tail], ra[rows*bnLanes:], rx[rows*bnLanes:], m[:tail], 1, tail)
		}
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
// with rows c·inner apart, taken a block of at most cols columns at a
// time, (offset, width) of each, so that per-column vectors of cols values
// filled with the channel's factors serve every call.
func bnRuns(inner, ch, cols int, f func(off, width int)) {
	for j := 0; j < inner; j += cols {
		f(ch*inner+j, min(cols, inner-j))
	}
}

func (op *BatchNorm[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	if len(in) != 1 && len(in) != 3 {
		panic(fmt.Sprintf(errBNArity, len(in)))
	}
	x := in[0]
	var gamma, beta *tensor.Tensor[T]
	f := bnForward[T]{op: op, x: x.Data()}
	if len(in) == 3 {
		gamma, beta = in[1], in[2]
		f.g, f.b = gamma.Data(), beta.Data()
	}
	f.n, f.c, f.inner = bnLayout("BatchNorm", x, gamma, beta)
	c := f.c
	op.Mean, op.Var, op.scale = op.ar.NewUninit(c), op.ar.NewUninit(c), op.ar.NewUninit(c)
	y := op.ar.NewUninit(x.Shape()...)
	f.y = y.Data()
	if gamma != nil {
		op.x = x
		op.keepStats(c)
	} else {
		op.xhat = y
	}
	if len(f.x) == 0 {
		// No values (N or a spatial size 0): μ and σ² are 0/0, NaN.
		nan := T(math.NaN())
		fill(op.Mean.Data(), nan)
		fill(op.Var.Data(), nan)
		fill(op.scale.Data(), nan)
		return y
	}
	if bnSplits(f.n, c, f.inner) {
		p := f // only the split's copy goes to the heap
		parallel.Chunks(c, bnGrain(f.n, f.inner), p.pass)
	} else {
		f.pass(0, c)
	}
	return y
}

// bnSplits reports whether the passes over an input laid out n × c × inner
// split its channels among goroutines (parallel.Chunks with bnGrain).
func bnSplits(n, c, inner int) bool {
	return min(runtime.GOMAXPROCS(0), c/bnGrain(n, inner)) > 1
}

// bnGrain is the fewest channels a goroutine takes: parallel.Grain values.
func bnGrain(n, inner int) int { return max(parallel.Grain/max(n*inner, 1), 1) }

// keepStats points op.mu and op.is at 2·c float64s. On a tape that reuses
// buffers their storage is a tensor of T from the arena, kept in op.stats
// (so that the tape does not take it back before Backward, and takes it
// back after): a step then allocates nothing for them.
func (op *BatchNorm[T]) keepStats(c int) {
	var buf []float64
	if op.ar != nil && c > 0 {
		var z T
		t := op.ar.NewUninit(2 * c * 8 / int(unsafe.Sizeof(z)))
		if d := t.Data(); uintptr(unsafe.Pointer(&d[0]))%8 == 0 {
			op.stats = t
			buf = unsafe.Slice((*float64)(unsafe.Pointer(&d[0])), 2*c)
		}
	}
	if buf == nil {
		buf = make([]float64, 2*c)
	}
	op.mu, op.is = buf[:c], buf[c:]
}

// bnForward is one Forward's passes: x laid out n × c × inner, y, and γ
// and β (nil without).
type bnForward[T tensor.Float] struct {
	op          *BatchNorm[T]
	x, y, g, b  []T
	n, c, inner int
}

// pass runs the passes of channels [clo, chi): μ and σ² in one pass, then
// y = (x − m)·a + b in T, with m, a and b from stats.
//
// The statistics are those of the values shifted by k, near the channel's
// mean: with S₁ = Σ (x − k) and S₂ = Σ (x − k)², x − k rounded to T,
// μ = k + S₁/M and σ² = S₂/M − (S₁/M)², in float64. The sums add 8 rows at
// a time in T and those partial sums in float64 (vec.SumShiftSqRows), so
// that a term's error is a few of T's roundings of the size of 8 terms,
// however large M is. The error of σ² is that of S₂/M times
// 1 + (μ − k)²/σ², so k is the mean of the channel's values in its first
// rows, in T: bnShiftRows rows of an N×C input, the first sample's plane
// otherwise, a few percent of the values read once more. Where the rows
// are drawn alike, |μ − k| is then a fraction of σ, where the first value
// left it as large as the largest deviation. One pass of the shifted sums
// reads x once where the two-pass μ then Σ (x − μ)² reads it twice.
func (f *bnForward[T]) pass(clo, chi int) {
	var z T
	cols := bnCols(f.n, f.inner, clo, chi, int(unsafe.Sizeof(z)))
	if cols <= bnSmallCols {
		var buf [2 * bnSmallCols]float64
		var sh [5 * bnSmallCols]T
		f.passWith(clo, chi, cols, buf[:], sh[:])
		return
	}
	var buf [2 * bnMaxCols]float64
	var sh [5 * bnMaxCols]T
	f.passWith(clo, chi, cols, buf[:], sh[:])
}

// passWith is pass over blocks of at most cols columns, with scratch buf
// of 2·cols values and sh of 5·cols.
func (f *bnForward[T]) passWith(clo, chi, cols int, buf []float64, sh []T) {
	n, c, inner := f.n, f.c, f.inner
	if inner <= bnWideInner {
		// Per block of whole channels, as columns of the n × (c·inner)
		// matrix x (see above).
		for lo := clo; lo < chi; {
			hi := min(lo+cols/inner, chi)
			w, nc := (hi-lo)*inner, hi-lo
			s1, s2, kv := buf[:w], buf[cols:][:w], sh[3*cols:][:w]
			xs := f.x[lo*inner:]
			// k: the mean of the channel's first bnShiftRows rows.
			clear(s1)
			clear(s2)
			clear(kv)
			r := min(n, bnShiftRows)
			vec.SumShiftSqRows(s1, s2, xs, kv, r, c*inner)
			k := sh[4*cols:][:nc]
			for i, v := range compact(s1, inner, nc) {
				k[i] = T(v / float64(r*inner))
			}
			copy(kv, k)
			spread(kv, inner, nc)
			clear(s1)
			clear(s2)
			vec.SumShiftSqRows(s1, s2, xs, kv, n, c*inner)
			s1, s2 = compact(s1, inner, nc), compact(s2, inner, nc)
			for i := range nc {
				if s1[i]-s1[i] != 0 || s2[i]-s2[i] != 0 { // not finite
					k[i], s1[i], s2[i] = f.sums64(lo + i)
				}
			}
			ms, a, b := sh[:w], sh[cols:][:w], sh[2*cols:][:w]
			f.stats(lo, k, s1, s2, ms, a, b)
			spread(ms, inner, nc)
			spread(a, inner, nc)
			spread(b, inner, nc)
			vec.ScaleShiftRows(f.y[lo*inner:], xs, ms, a, b, n, c*inner)
			lo = hi
		}
		return
	}
	// Per channel, with m, a and b spread along the rows.
	var l1, l2 [bnLanes]float64
	var kv [bnLanes]T
	ms, a, b := sh[:cols], sh[cols:][:cols], sh[2*cols:][:cols]
	w := min(inner, cols)
	for ch := clo; ch < chi; ch++ {
		// k: the mean of the channel's plane in the first sample.
		s1, _ := bnSumShiftSq(l1[:], l2[:], fill(kv[:], 0), f.x, 1, c, inner, ch)
		k := [1]T{T(s1 / float64(inner))}
		s1, s2 := bnSumShiftSq(l1[:], l2[:], fill(kv[:], k[0]), f.x, n, c, inner, ch)
		if s1-s1 != 0 || s2-s2 != 0 { // not finite
			k[0], s1, s2 = f.sums64(ch)
		}
		f.stats(ch, k[:], []float64{s1}, []float64{s2}, ms[:1], a[:1], b[:1])
		fill(ms[:w], ms[0])
		fill(a[:w], a[0])
		fill(b[:w], b[0])
		bnRuns(inner, ch, cols, func(i, w int) {
			vec.ScaleShiftRows(f.y[i:], f.x[i:], ms[:w], a[:w], b[:w], n, c*inner)
		})
	}
}

// sums64 returns a shift k, channel ch's first value, and the sums of its
// values' deviations from k and of their squares, all in float64, sample
// by sample. It stands in for the sums in T when those are not finite:
// where x holds an infinity or a NaN it gives what the sums in float64
// gave before them, and where the values are finite but their deviations'
// squares overflow T (|x − k| above 1.8e19 in float32) finite sums, as
// PyTorch's, which are in float64.
func (f *bnForward[T]) sums64(ch int) (k T, s1, s2 float64) {
	n, c, inner := f.n, f.c, f.inner
	k = f.x[ch*inner]
	kc := float64(k)
	for s := range n {
		for _, v := range f.x[(s*c+ch)*inner:][:inner] {
			d := float64(v) - kc
			s1 += d
			s2 += d * d
		}
	}
	return k, s1, s2
}

// stats sets the outputs of channels lo, lo+1, … (one per element of k)
// from the sums s1 and s2 of their deviations from k and of their squares
// (see pass), and writes into ms, a and b each one's shift m = T(μ), scale
// a = γ/σ and b = β + (γ/σ)·(m − μ) of y = (x − m)·a + b = γ·x̂ + β,
// which takes x − m in T with no error from rounding μ to T. A loop over
// a block of channels, rather than a call per channel, lets the CPU
// overlap one channel's divisions and square root with the next's.
func (f *bnForward[T]) stats(lo int, k []T, s1, s2 []float64, ms, a, b []T) {
	op := f.op
	nc := len(k)
	cnt := float64(f.n * f.inner)
	eps := float64(op.Eps)
	s1, s2, ms, a, b = s1[:nc], s2[:nc], ms[:nc], a[:nc], b[:nc]
	mean, vr, scale := op.Mean.Data()[lo:][:nc], op.Var.Data()[lo:][:nc], op.scale.Data()[lo:][:nc]
	var g, beta []T
	var mus, iss []float64
	if f.g != nil {
		g, mus, iss = f.g[lo:][:nc], op.mu[lo:][:nc], op.is[lo:][:nc]
	}
	if f.b != nil {
		beta = f.b[lo:][:nc]
	}
	for i, kt := range k {
		kc := float64(kt)
		d := s1[i] / cnt
		mu, v := kc+d, max(s2[i]/cnt-d*d, 0)
		is := 1 / math.Sqrt(v+eps)
		sc := is
		if g != nil {
			sc *= float64(g[i])
			mus[i], iss[i] = mu, is
		}
		scale[i] = T(sc)
		mean[i], vr[i] = T(mu), T(v)
		m := T(mu)
		sh := sc * (float64(m) - mu)
		if beta != nil {
			sh += float64(beta[i])
		}
		ms[i], a[i], b[i] = m, T(sc), T(sh)
	}
}

// compact turns s, nc runs of inner values, into nc values in place, each
// run's sum in order, and returns s[:nc].
func compact(s []float64, inner, nc int) []float64 {
	if inner == 1 {
		return s[:nc]
	}
	for i := range nc {
		s[i] = sumLanes(s[i*inner:][:inner])
	}
	return s[:nc]
}

// spread is compact's inverse for the shifts and factors: it turns the nc
// values at the start of s into nc runs of inner copies, in place.
func spread[E any](s []E, inner, nc int) {
	if inner == 1 {
		return
	}
	for i := nc - 1; i >= 0; i-- {
		fill(s[i*inner:][:inner], s[i])
	}
}

func (op *BatchNorm[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	// With γ and β the passes read x, less m = T(μ); without, they read
	// x̂, less m = 0.
	src := op.xhat
	if op.x != nil {
		src = op.x
	}
	shape := src.Shape()
	b := bnBackward[T]{op: op, dy: dy.Data(), src: src.Data(), n: shape[0], c: shape[1], inner: tensor.NumElems(shape[2:])}
	c := b.c
	var dx, dGamma, dBeta *tensor.Tensor[T]
	if needs[0] {
		dx = op.ar.NewUninit(shape...)
		b.dx = dx.Data()
	}
	if len(needs) == 3 && needs[1] {
		dGamma = op.ar.NewUninit(c)
		b.dg = dGamma.Data()
	}
	if len(needs) == 3 && needs[2] {
		dBeta = op.ar.NewUninit(c)
		b.db = dBeta.Data()
	}
	switch {
	case len(b.dy) == 0:
		// No values: every sum is 0.
		clear(b.dg)
		clear(b.db)
	case bnSplits(b.n, c, b.inner):
		p := b // only the split's copy goes to the heap
		parallel.Chunks(c, bnGrain(b.n, b.inner), p.pass)
	default:
		b.pass(0, c)
	}
	if len(needs) == 1 {
		return []*tensor.Tensor[T]{dx}
	}
	return []*tensor.Tensor[T]{dx, dGamma, dBeta}
}

// bnBackward is one Backward's passes: dy, and x (with γ and β) or x̂
// (without) in src, laid out n × c × inner; the gradients asked for (nil
// the others).
type bnBackward[T tensor.Float] struct {
	op                  *BatchNorm[T]
	dy, src, dx, dg, db []T
	n, c, inner         int
}

// pass runs the passes of channels [clo, chi): Σ dy and Σ dy·(s − m) per
// channel in one pass (s being x or x̂), in float64, then dx = k1·dy +
// k2·(s − m) + k3 in T, with the factors from factors.
func (b *bnBackward[T]) pass(clo, chi int) {
	var z T
	cols := bnCols(b.n, b.inner, clo, chi, int(unsafe.Sizeof(z)))
	if cols <= bnSmallCols {
		var buf [2 * bnSmallCols]float64
		var sh [4 * bnSmallCols]T
		b.passWith(clo, chi, cols, buf[:], sh[:])
		return
	}
	var buf [2 * bnMaxCols]float64
	var sh [4 * bnMaxCols]T
	b.passWith(clo, chi, cols, buf[:], sh[:])
}

// passWith is pass over blocks of at most cols columns, with scratch buf
// of 2·cols values and sh of 4·cols.
func (b *bnBackward[T]) passWith(clo, chi, cols int, buf []float64, sh []T) {
	n, c, inner := b.n, b.c, b.inner
	if inner <= bnWideInner {
		// Per block of whole channels, as columns (see bnForward.pass).
		for lo := clo; lo < chi; {
			hi := min(lo+cols/inner, chi)
			w := (hi - lo) * inner
			sa, sab := buf[:w], buf[cols:][:w]
			clear(sa)
			clear(sab)
			ms, k1, k2, k3 := sh[:w], sh[cols:][:w], sh[2*cols:][:w], sh[3*cols:][:w]
			for ch := lo; ch < hi; ch++ {
				fill(ms[(ch-lo)*inner:][:inner], b.shift(ch))
			}
			i := lo * inner
			vec.SumDotShiftRows(sa, sab, b.dy[i:], b.src[i:], ms, n, c*inner)
			nc := hi - lo
			for ch := range nc {
				k1[ch] = ms[ch*inner] // the shifts, one per channel
			}
			b.factors(lo, k1[:nc], compact(sa, inner, nc), compact(sab, inner, nc), k1, k2, k3)
			spread(k1, inner, nc)
			spread(k2, inner, nc)
			spread(k3, inner, nc)
			if b.dx != nil {
				vec.GradShiftRows(b.dx[i:], b.dy[i:], b.src[i:], ms, k1, k2, k3, n, c*inner)
			}
			lo = hi
		}
		return
	}
	// Per channel, with m and the factors spread along the rows.
	var la, lab [bnLanes]float64
	ms, k1, k2, k3 := sh[:cols], sh[cols:][:cols], sh[2*cols:][:cols], sh[3*cols:][:cols]
	w := min(inner, cols)
	for ch := clo; ch < chi; ch++ {
		mv := b.shift(ch)
		fill(ms[:w], mv)
		sumDy, sumDyD := bnSumDotShift(la[:], lab[:], ms[:bnLanes], b.dy, b.src, n, c, inner, ch)
		b.factors(ch, ms[:1], []float64{sumDy}, []float64{sumDyD}, k1[:1], k2[:1], k3[:1])
		if b.dx == nil {
			continue
		}
		fill(k1[:w], k1[0])
		fill(k2[:w], k2[0])
		fill(k3[:w], k3[0])
		bnRuns(inner, ch, cols, func(i, w int) {
			vec.GradShiftRows(b.dx[i:], b.dy[i:], b.src[i:], ms[:w], k1[:w], k2[:w], k3[:w], n, c*inner)
		})
	}
}

// shift returns the m of channel ch: T(μ) with γ and β, 0 without.
func (b *bnBackward[T]) shift(ch int) T {
	if b.op.x == nil {
		return 0
	}
	return T(b.op.mu[ch])
}

// factors writes dγ and dβ of channels lo, lo+1, … (one per element of
// ms, their shifts m) from Σ dy and Σ dy·(s − m), and writes into k1, k2
// and k3 each one's factors of dx = k1·dy + k2·(s − m) + k3; k1 may be ms.
// With x̂ = (s − m)·is + (m − μ)·is (is = 1/σ with γ and β, where s = x;
// is = 1 and m = μ = 0 without, where s = x̂), the formula of the doc
// comment, γ/σ·(dy − Σ dy/M − x̂·Σ(dy x̂)/M), is
//
//	Σ dy x̂ = (Σ dy·(s − m) + (m − μ)·Σ dy)·is
//	k1 = γ/σ,  k2 = −(γ/σ)·Σ(dy x̂)/M·is,  k3 = −(γ/σ)·Σ dy/M + k2·(m − μ)
func (b *bnBackward[T]) factors(lo int, ms []T, sumDy, sumDyD []float64, k1, k2, k3 []T) {
	op := b.op
	nc := len(ms)
	sumDy, sumDyD, k1, k2, k3 = sumDy[:nc], sumDyD[:nc], k1[:nc], k2[:nc], k3[:nc]
	scale := op.scale.Data()[lo:][:nc]
	var mus, iss []float64
	if op.x != nil {
		mus, iss = op.mu[lo:][:nc], op.is[lo:][:nc]
	}
	var dg, db []T
	if b.dg != nil {
		dg = b.dg[lo:][:nc]
	}
	if b.db != nil {
		db = b.db[lo:][:nc]
	}
	mm := float64(b.n * b.inner)
	for i, m := range ms {
		is, d := 1.0, 0.0
		if mus != nil {
			is, d = iss[i], float64(m)-mus[i]
		}
		sumDyXhat := (sumDyD[i] + d*sumDy[i]) * is
		if dg != nil {
			dg[i] = T(sumDyXhat)
		}
		if db != nil {
			db[i] = T(sumDy[i])
		}
		sc := float64(scale[i])
		c2 := -sc * sumDyXhat / mm * is
		k1[i], k2[i], k3[i] = T(sc), T(c2), T(-sc*sumDy[i]/mm+c2*d)
	}
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

// bnShiftRows is the number of rows whose mean shifts the forward pass's
// sums on N×C inputs and planes of up to bnWideInner values.
const bnShiftRows = 8

// bnWideInner is the largest plane (inner) the passes take as columns, a
// block of whole channels at a time: two channels to a block of bnMaxCols.
const bnWideInner = bnMaxCols / 2
