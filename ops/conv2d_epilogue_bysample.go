package ops

import (
	"github.com/tapegrad/tapegrad/internal/conv"
	"github.com/tapegrad/tapegrad/tensor"
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
// pass, which keeps nothing for a backward pass, in blocks of output
// channels (conv.WinoForwardBlocks), so that the weights' transform and
// the products take a few MiB rather than 16 times the weights and the
// output — 25 MiB for a 512×512 convolution on 4×4 planes at batch 32 —
// and returns nil for any other pass. Its bits are winoForward's.
func (op *Conv2d[T]) winoForwardOnly(x, w *tensor.Tensor[T], b []T, e *conv.Epilogue[T], g *conv.Geom) *tensor.Tensor[T] {
	if !op.forwardOnly.on {
		return nil
	}
	tg := conv.NewWinoTiles(g)
	cb := conv.WinoBlock(g, &tg)
	us, ms := conv.WinoBlockSizes(g, &tg, cb)
	v := op.ar.NewUninit(16 * tg.VStep).Data()
	u := op.ar.NewUninit(us).Data()
	m := op.ar.NewUninit(ms).Data()
	y := op.ar.NewUninit(epiShape(g, e)...)
	conv.WinoForwardBlocks(y.Data(), x.Data(), w.Data(), b, e, g, &tg, v, u, m, cb)
	return y
}
