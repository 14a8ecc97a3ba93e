package ops

import (
	"github.com/tapegrad/tapegrad/internal/conv"
	"github.com/tapegrad/tapegrad/tensor"
	"slices"
)

// forwardBySamples computes the im2col path's output sample by sample
// (conv.ForwardBySamples) where that applies — a shallow convolution, such
// as a first layer's, on large planes — and the op keeps no im2col matrix
// for a backward pass (it has no arena, or it is forward-only), and returns
// nil otherwise. Its bits are those of the batch's im2col path.
func (op *Conv2d[T]) forwardBySamples(x, w *tensor.Tensor[T], b []T, e *conv.Epilogue[T], g *conv.Geom) *tensor.Tensor[T] {
	if (op.ar != nil && !op.forwardOnly.on) || !conv.BySamples(g) {
		return nil
	}
	y := op.ar.NewUninit(epiShape(g, e)...)
	conv.ForwardBySamples(y.Data(), x.Data(), w.Data(), b, e, g)
	return y
}

// releaseScratch gives back to the arena, after a forward-only Forward,
// every buffer the pass took from it since mark but the output y: the
// im2col matrix, or Winograd's transforms and products, which nothing
// needs once y is written. Over a pass of many convolutions under no-grad,
// the arena then holds the largest convolution's scratch rather than the
// sum of all of theirs.
func (op *Conv2d[T]) releaseScratch(mark tensor.ArenaMark, y *tensor.Tensor[T]) {
	if op.forwardOnly.on {
		op.ar.ReleaseSince(mark, y)
	}
}

// winoForwardOnly computes the Winograd path's output for a forward-only
// pass, which keeps nothing for a backward pass, in blocks of samples and
// of output channels (conv.WinoForwardSamples), so that the transforms and
// the products take at most about 16 MiB rather than 16 times the weights,
// the input and the output — 25 MiB for a 512×512 convolution on 4×4
// planes at batch 32, and more with the batch — and returns nil for any
// other pass. Its bits are winoForward's.
func (op *Conv2d[T]) winoForwardOnly(x, w *tensor.Tensor[T], b []T, e *conv.Epilogue[T], g *conv.Geom) *tensor.Tensor[T] {
	if !op.forwardOnly.on {
		return nil
	}
	sb := conv.WinoSampleBlock(g)
	gb := g.Samples(sb)
	tg := conv.NewWinoTiles(&gb)
	cb := conv.WinoBlock(&gb, &tg)
	us, ms := conv.WinoBlockSizes(&gb, &tg, cb)
	v, u, m := op.winoScratch(16*tg.VStep, us, ms)
	y := op.ar.NewUninit(epiShape(g, e)...)
	conv.WinoForwardSamples(y.Data(), x.Data(), w.Data(), b, e, g, v, u, m, sb, cb)
	return y
}

// winoScratch returns scratch of the three lengths from the op's arena,
// taking the longest first. The arena hands out the shortest free buffer
// that holds a request, up to four times longer than asked; asked for in
// another order, a short request can take the one long buffer a later, long
// one needed, which the arena must then allocate anew. In W2e, taking V, U
// and M in that order left an 8 MiB buffer under a 2 MiB U and grew the
// arena by 8 MiB.
func (op *Conv2d[T]) winoScratch(nv, nu, nm int) (v, u, m []T) {
	n := [3]int{nv, nu, nm}
	var bufs [3][]T
	order := [3]int{0, 1, 2}
	slices.SortStableFunc(order[:], func(a, b int) int { return n[b] - n[a] })
	for _, i := range order {
		bufs[i] = op.ar.NewUninit(n[i]).Data()
	}
	return bufs[0], bufs[1], bufs[2]
}
