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
