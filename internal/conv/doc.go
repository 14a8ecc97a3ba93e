// Package conv holds the kernels of tapegrad's convolution and pooling ops:
// the loops that package ops calls, apart from the rules (what an op
// computes, what it keeps, how its gradient follows) that ops states.
//
//   - im2col.go: Im2col and its adjoint Col2im, and the per-group GEMMs and
//     layout changes around them, for Conv2d's im2col path
//     (docs/backprop.md §8) and for ConvTranspose2d and Conv2dWeightGrad,
//     which run the same passes in another order.
//   - winograd.go, winograd_tiles.go: Winograd F(2×2, 3×3), the weight and
//     tile transforms, their adjoints and the 16 GEMMs between them
//     (docs/backprop.md §9).
//   - pool.go: the window loops of max pooling (argmax, with a branch-free
//     3×3 path, any dilation, ceil mode) and of average pooling (its
//     divisors: the padded window, the in-bounds part, or a fixed one), the
//     scatter of their gradients, and the gather that is the adjoint of max
//     pooling's scatter.
//
// The kernels take plain slices laid out row-major and a geometry struct
// (Geom, WinoTiles, PoolGeom) that the caller fills in and checks: they
// trust it and do not check shapes, and they know nothing of tapes, ops or
// autograd. They write every output element from one goroutine in a fixed
// order, splitting loops with internal/parallel by sample, plane or channel,
// so their results do not depend on GOMAXPROCS. The caller hands them the
// buffers: outputs that a kernel adds into must start zeroed, as each
// function says.
//
// Layering: conv imports tensor (for tensor.Float, tensor.Gemm and
// tensor.SumSlice) and internal/parallel; ops imports conv; nothing below
// ops imports it.
package conv
