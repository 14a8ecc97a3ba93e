package conv

import "github.com/tapegrad/tapegrad/tensor"

// Pointwise reports whether g is a 1×1 convolution of one group without
// padding on 1×1 planes — what a 3×3 convolution with padding 1 on a 1×1
// plane trims to (TrimTaps) — which is a plain product of the input, N×C,
// and the weights, Cout×C.
func Pointwise(g *Geom) bool {
	return g.KH == 1 && g.KW == 1 && g.PH == 0 && g.PW == 0 && g.H == 1 && g.W == 1 &&
		g.HOut == 1 && g.WOut == 1 && g.Groups == 1
}

// PointwiseForward writes into y, N×Cout, the convolution of geometry g,
// for which Pointwise holds, of x, N×C, with the weights w, Cout×C,
//
//	Y = X·Wᵀ + b
//
// with one GEMM and neither im2col nor a reordering, adding the bias b
// unless it is nil and applying the epilogue e unless it is nil; e must
// not pool. Each output is the same dot product over C as Product's.
func PointwiseForward[T tensor.Float](y, x, w, b []T, e *Epilogue[T], g *Geom) {
	tensor.Gemm(false, true, g.N, g.Cout, g.C, 1, x, g.C, w, g.C, 0, y, g.Cout)
	if b == nil && e == nil {
		return
	}
	for s := range g.N {
		row := y[s*g.Cout : (s+1)*g.Cout]
		for co := range row {
			e.finish(row[co:co+1], co, b)
		}
	}
}

// PointwiseBackward writes the gradients of PointwiseForward for the
// output gradient dy, N×Cout: dx = dY·W (N×C) unless dx is nil and
// dw = dYᵀ·X (Cout×C) unless dw is nil.
func PointwiseBackward[T tensor.Float](dx, dw, dy, x, w []T, g *Geom) {
	if dw != nil {
		tensor.Gemm(true, false, g.Cout, g.C, g.N, 1, dy, g.Cout, x, g.C, 0, dw, g.C)
	}
	if dx != nil {
		tensor.Gemm(false, false, g.N, g.C, g.Cout, 1, dy, g.Cout, w, g.C, 0, dx, g.C)
	}
}
