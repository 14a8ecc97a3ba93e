package conv

import (
	"github.com/tapegrad/tapegrad/internal/gemm"
	"github.com/tapegrad/tapegrad/tensor"
)

// winoScratchValues bounds the scratch of WinoForwardSamples, a block of
// samples' V (16·Cin·T) and a block of channels' U (16·cb·Cin) and M
// (16·cb·T): 16 MiB of float32s. Each block costs its 16 GEMMs a
// synchronization of the goroutines, so the blocks are as few as that
// bound allows.
const winoScratchValues = 1 << 22

// WinoSampleBlock returns the samples per block of WinoForwardSamples for
// the convolution of geometry g: all N when the batch's V and the U and M
// of a block of 64 output channels fit in winoScratchValues values, and
// otherwise as many as fit, at least one, the blocks as even as can be.
// Without it V alone would grow
// with the batch: 16·64·(250·49) values, 50 MB, for the 64 → 128
// convolution of the ConvNet on 28×28 images at an evaluation batch of 250.
func WinoSampleBlock(g *Geom) int {
	p := ((g.HOut + 1) / 2) * ((g.WOut + 1) / 2) // tiles per sample
	if 16*g.C*g.N*p+16*64*(g.C+g.N*p) <= winoScratchValues {
		return g.N
	}
	s := min(max((winoScratchValues-16*64*g.C)/max(16*p*(g.C+64), 1), 1), g.N)
	blocks := (g.N + s - 1) / s
	return (g.N + blocks - 1) / blocks // as even as can be
}

// Samples returns the geometry of n of g's samples.
func (g *Geom) Samples(n int) Geom {
	s := *g
	s.N, s.Cols = n, n*g.Plane()
	return s
}

// WinoForwardSamples is WinoForwardBlocks over the batch a block of sb
// samples at a time, with blocks of cb output channels: the scratch v, u
// and m must hold what WinoForwardBlocks needs for the geometry of sb
// samples (g.Samples(sb)). y is x's output as WinoForwardBlocks writes it,
// each sample's planes after the last's, so that a block of samples writes
// its own run of y. Each output is computed as on the whole batch, with
// the same bits — the products sum each output's Cin terms alike whatever
// their columns, as long as a block's products have more than 512
// multiply-adds (see WinoForwardBlocks); WinoSampleBlock's blocks have
// thousands of tiles.
func WinoForwardSamples[T tensor.Float](y, x, w, b []T, e *Epilogue[T], g *Geom, v, u, m []T, sb, cb int) {
	if g.N == 0 {
		return
	}
	in, out := g.C*g.H*g.W, len(y)/g.N
	for s0 := 0; s0 < g.N; s0 += sb {
		n := min(sb, g.N-s0)
		gs := g.Samples(n)
		tg := NewWinoTiles(&gs)
		WinoForwardBlocks(y[s0*out:(s0+n)*out], x[s0*in:(s0+n)*in], w, b, e, &gs, &tg, v, u, m, cb)
	}
}

// WinoBlock returns the output channels per block of WinoForwardBlocks for
// the convolution of geometry g: as many as keep its scratch within
// winoScratchValues values, a multiple of 64, at least 64 and at most Cout
// (one block). For the ConvNet at batch 32 that is one block for 128×8×8 →
// 256 and 256×4×4 → 512, two for the other Winograd layers.
func WinoBlock(g *Geom, tg *WinoTiles) int {
	v, perChannel := 16*g.C*tg.Count, 16*(g.C+tg.Count)
	cb := max(winoScratchValues-v, 0) / perChannel
	cb = max(cb/64*64, 64)
	return min(cb, g.Cout)
}

// WinoForwardBlocks writes the convolution of x with w through Winograd
// F(2×2, 3×3) into y, N×Cout×HOut×WOut (pooled where the epilogue e pools),
// adding the bias b unless it is nil and applying e (nil for none), for a
// forward pass that keeps nothing: the input's transform V, laid out as
// WinoTiles says, once into v, then the output channels in blocks of cb —
// each block's weights transformed into u (16 matrices cb×Cin, cb·Cin +
// winoGap apart), its 16 products into m (cb×T each, cb·T + winoGap
// apart), and its output planes written — so that U and M take 16·cb·Cin
// and 16·cb·T values rather than 16·Cout·Cin and 16·Cout·T. The blocks are
// ⌈Cout/cb⌉ as even as can be, of at most cb channels. u and m must hold
// WinoBlockSizes's values. Each output is computed as by WinoWeights,
// WinoProduct and WinoOutputEpilogue on the whole: the same bits, the GEMM
// summing each output's Cin terms alike whatever its rows — as long as a
// block has 3 rows or more and its product more than 512 multiply-adds,
// below which internal/gemm takes other paths; WinoBlock's blocks have 32
// rows or more.
func WinoForwardBlocks[T tensor.Float](y, x, w, b []T, e *Epilogue[T], g *Geom, tg *WinoTiles, v, u, m []T, cb int) {
	WinoInput(v, x, g, tg)
	// Blocks as even as possible, so that none is much thinner than cb:
	// the GEMM computes a product of 1 or 2 rows as dot products of
	// another order.
	blocks := (g.Cout + cb - 1) / cb
	for k := range blocks {
		co0 := k * g.Cout / blocks
		n := (k+1)*g.Cout/blocks - co0
		ustep, mstep := n*g.C+winoGap, n*tg.Count+winoGap
		WinoWeights(u, w[co0*g.C*9:(co0+n)*g.C*9], n, g.C, ustep)
		gemm.Batch(16, false, false, n, tg.Count, g.C,
			1, u, g.C, ustep,
			v, tg.Count, tg.VStep,
			0, m, tg.Count, mstep)
		winoOutputChannels(y, m, mstep, b, e, g, tg, co0, co0+n)
	}
}

// WinoBlockSizes returns the values WinoForwardBlocks needs in u and m for
// blocks of cb output channels.
func WinoBlockSizes(g *Geom, tg *WinoTiles, cb int) (u, m int) {
	return 16 * (cb*g.C + winoGap), 16 * (cb*tg.Count + winoGap)
}
