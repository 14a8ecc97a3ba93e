// Package gonumx converts between tapegrad's tensors and the matrices and
// vectors of gonum's package mat, gonum.org/v1/gonum/mat, sharing storage
// where the layouts agree.
//
// A mat.Dense is a row-major float64 matrix whose rows lie Stride elements
// apart; a 2-d tensor.Tensor[float64] is the same thing with Stride equal to
// the number of columns. A mat.VecDense is a float64 vector whose elements
// lie Inc apart; a 1-d tensor is one with Inc 1. So:
//
//	from                    to                      shares storage when
//	*mat.Dense, r×c         Tensor[float64] (r, c)  Stride == c, or r == 1
//	*mat.VecDense, n        Tensor[float64] (n)     Inc == 1, or n == 1
//	mat.Matrix, r×c         Tensor[T] (r, c)        never: a copy, read by At
//	mat.Vector, n           Tensor[T] (n)           never: a copy, read by AtVec
//	Tensor[float64] (r, c)  *mat.Dense, r×c         always
//	Tensor[float64] (n)     *mat.VecDense, n        always
//	Tensor[float32]         *mat.Dense, *VecDense   never: gonum's mat is float64
//
// A Dense made by mat.NewDense has Stride == c and is shared; a view made by
// (*mat.Dense).Slice over fewer columns than its parent is copied, since a
// tensor cannot skip the columns between its rows. A VecDense made by
// mat.NewVecDense or (*mat.Dense).RowView is shared; a ColView of a matrix
// of several columns is copied. When storage is shared, a write through
// either side — tensor.Tensor.Set, an in-place tensor function such as
// AddInPlace, an optimizer's step on a parameter, or a mat method with the
// matrix as receiver — is seen by the other; results of functions that
// allocate (tensor.Add, (*mat.Dense).Mul into another receiver) are new
// storage, as always. A matrix that shares a tensor which is later written
// again — a gradient, into which the next backward pass writes after
// ZeroGrad, or a result on a tape that reuses its buffers, after Reset —
// sees the new values: copy it (mat.DenseCopyOf) to keep it.
//
// gonum has no matrix with zero rows or columns and no vector of length 0
// except the empty value (the zero mat.Dense or mat.VecDense, whose IsEmpty
// reports true), which mat's methods accept as a receiver to be sized. A
// tensor with no elements converts to that empty value: a (0, c) or (r, 0)
// tensor becomes an empty Dense, whose Dims are 0, 0, and an empty Dense
// becomes a (0, 0) tensor.
//
// Tensors of other ranks than 2 (for a Dense) or 1 (for a VecDense) are
// refused with a panic, a programming error, whose message starts with
// "gonumx:"; Reshape the tensor first (Reshape shares storage).
//
// The package is separate from package tensor so that tensor, and every
// program that imports only it, does not depend on gonum. It is named
// gonumx rather than gonum because gonum's own packages blas/gonum and
// lapack/gonum are named gonum, and code that converts to mat often uses
// those too.
package gonumx
