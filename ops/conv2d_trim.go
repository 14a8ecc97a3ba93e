package ops

import (
	"github.com/tapegrad/tapegrad/internal/conv"
	"github.com/tapegrad/tapegrad/tensor"
)

// convTrim turns Conv2d's trimming of dead kernel taps on and off; only
// the package's tests turn it off, to compare with the untrimmed kernels.
var convTrim = true

// trim sets the geometry and the weights the forward's kernels compute
// with, op.kg and op.kw: the convolution g of the weights w trimmed to
// the kernel taps that read the image (conv.TrimTaps), where that drops
// taps and Algorithm is not ConvWinograd, and g and w otherwise. It
// returns whether it trimmed. The trimmed weights, a copy of the live taps,
// come from the arena; the op keeps them for Backward only where it keeps
// the im2col matrix, on a tape that reuses buffers, and copies them again
// otherwise.
func (op *Conv2d[T]) trim(g *conv.Geom, w *tensor.Tensor[T]) bool {
	op.kg, op.kw, op.wt, op.tap0 = *g, w, nil, [2]int{}
	if !convTrim || op.Algorithm == ConvWinograd {
		return false
	}
	t, kh0, kw0, ok := conv.TrimTaps(g)
	if !ok {
		return false
	}
	op.kg, op.tap0 = t, [2]int{kh0, kw0}
	op.kw = op.trimmedWeights(w)
	if op.ar != nil && !op.forwardOnly.on {
		op.wt = op.kw
	}
	return true
}

// trimmed reports whether the op computes with trimmed weights.
func (op *Conv2d[T]) trimmed() bool { return op.kg.KH != op.geom.KH || op.kg.KW != op.geom.KW }

// trimmedWeights returns a copy of the live taps of w, Cout×(C/G)×kh'×kw'.
func (op *Conv2d[T]) trimmedWeights(w *tensor.Tensor[T]) *tensor.Tensor[T] {
	t := &op.kg
	wt := op.ar.NewUninit(t.Cout, t.C/t.Groups, t.KH, t.KW)
	conv.CopyTaps(wt.Data(), w.Data(), &op.geom, t, op.tap0[0], op.tap0[1])
	return wt
}

// kernelWeights returns the weights Backward computes with: the trimmed
// weights, kept or copied again, or the weights.
func (op *Conv2d[T]) kernelWeights() *tensor.Tensor[T] {
	switch {
	case !op.trimmed():
		return op.w
	case op.wt != nil:
		return op.wt
	}
	return op.trimmedWeights(op.w)
}

// weightGrad returns the weights' gradient from dwk, the gradient of the
// weights Backward computes with: dwk itself, or the trimmed weights'
// gradient in its taps' places and zeros at the dead taps.
func (op *Conv2d[T]) weightGrad(dwk *tensor.Tensor[T]) *tensor.Tensor[T] {
	if !op.trimmed() {
		return dwk
	}
	dw := op.ar.NewUninit(op.w.Shape()...)
	conv.EmbedTaps(dw.Data(), dwk.Data(), &op.geom, &op.kg, op.tap0[0], op.tap0[1])
	return dw
}

// pointwiseForward computes the convolution where its kernels' geometry is
// a 1×1 convolution on 1×1 planes (conv.Pointwise) and the epilogue, if
// any, does not pool, as one GEMM: Y = X·Wᵀ + b, N×Cout. It returns nil
// otherwise.
func (op *Conv2d[T]) pointwiseForward(x, w *tensor.Tensor[T], b []T, e *conv.Epilogue[T], g *conv.Geom) *tensor.Tensor[T] {
	if !conv.Pointwise(g) || (e != nil && e.Pool != nil) {
		return nil
	}
	y := op.ar.NewUninit(g.N, g.Cout, 1, 1)
	conv.PointwiseForward(y.Data(), x.Data(), w.Data(), b, e, g)
	return y
}

// pointwiseBackward is Backward after pointwiseForward: dX = dY·Wt and
// dWt = dYᵀ·X, embedded in zeros as dW, with Wt the trimmed weights.
func (op *Conv2d[T]) pointwiseBackward(dy *tensor.Tensor[T], needs []bool, grads []*tensor.Tensor[T]) {
	g := &op.kg
	var dx, dw *tensor.Tensor[T]
	var w []T
	if needs[0] {
		dx = op.ar.NewUninit(op.x.Shape()...)
		grads[0] = dx
		w = op.kernelWeights().Data()
	}
	if needs[1] {
		dw = op.ar.NewUninit(g.Cout, g.C, 1, 1)
	}
	conv.PointwiseBackward(dataOrNil(dx), dataOrNil(dw), dy.Data(), op.x.Data(), w, g)
	if dw != nil {
		grads[1] = op.weightGrad(dw)
	}
}

// dataOrNil returns t's data, or nil for a nil t.
func dataOrNil[T tensor.Float](t *tensor.Tensor[T]) []T {
	if t == nil {
		return nil
	}
	return t.Data()
}
