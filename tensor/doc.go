// Package tensor provides dense n-dimensional arrays of float32 or float64 and
// the kernels that compute on them: element-wise arithmetic with NumPy
// broadcasting, reductions over chosen axes, permutations and matrix products.
//
// A Tensor is row-major and always contiguous: element (i0, i1, …, ik) of a
// tensor of shape (d0, d1, …, dk) lives at offset
//
//	((i0·d1 + i1)·d2 + …)·dk + ik
//
// of its data slice. Reshape shares the data; every other operation that
// changes the layout (Permute, Transpose) copies it.
//
// Broadcasting follows NumPy's rules: shapes are aligned at their last axis,
// and two sizes are compatible when they are equal or one of them is 1. The
// missing leading axes of the shorter shape count as 1.
//
// Every matrix product goes through one entry point, Gemm, so that a faster
// kernel replaces one function rather than every caller.
//
// The package knows nothing of gradients; package autograd builds on it.
// Programming errors — a shape mismatch, an axis out of range — panic with a
// message that starts with "tensor:" and names the shapes involved.
package tensor
