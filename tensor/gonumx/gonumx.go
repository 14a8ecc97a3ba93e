package gonumx

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/tapegrad/tapegrad/tensor"
)

// FromDense returns m as a 2-d tensor of shape (r, c), for m of r×c:
//
//	t[i, j] = m.At(i, j)
//
// The tensor shares m's storage when m's elements lie contiguous in
// row-major order — its Stride is c, as for every Dense made by
// mat.NewDense, or it has one row — and writes through either are seen by
// the other. Otherwise (a view made by Slice over fewer columns than its
// parent) the tensor holds a copy. An empty Dense gives a (0, 0) tensor.
// FromDense panics if m is nil.
func FromDense(m *mat.Dense) *tensor.Tensor[float64] {
	if m == nil {
		panic(fmt.Sprintf(errNil, "FromDense", "*mat.Dense"))
	}
	r, c := m.Dims()
	if r == 0 || c == 0 {
		return tensor.New[float64](r, c)
	}
	raw := m.RawMatrix()
	if raw.Stride == c || r == 1 {
		return tensor.FromSlice(raw.Data[:r*c:r*c], r, c)
	}
	return FromMatrix[float64](m)
}

// FromVecDense returns v as a 1-d tensor of shape (n), for v of length n:
//
//	t[i] = v.AtVec(i)
//
// The tensor shares v's storage when v's elements lie next to each other —
// Inc is 1, as for every VecDense made by mat.NewVecDense or by a Dense's
// RowView, or v has one element — and writes through either are seen by the
// other. Otherwise (a ColView of a matrix of several columns) the tensor
// holds a copy. An empty VecDense gives a tensor of shape (0). FromVecDense
// panics if v is nil.
func FromVecDense(v *mat.VecDense) *tensor.Tensor[float64] {
	if v == nil {
		panic(fmt.Sprintf(errNil, "FromVecDense", "*mat.VecDense"))
	}
	n := v.Len()
	if n == 0 {
		return tensor.New[float64](0)
	}
	raw := v.RawVector()
	if raw.Inc == 1 || n == 1 {
		return tensor.FromSlice(raw.Data[:n:n], n)
	}
	return FromVector[float64](v)
}

// FromMatrix returns a new 2-d tensor of shape (r, c) holding a copy of the
// r×c matrix m, of any implementation of mat.Matrix, converted to T:
//
//	t[i, j] = T(m.At(i, j))
//
// It reads a Dense's storage directly, and a Dense under an implicit
// transpose (mat.Transpose, m.T()) too; other matrices through At. An empty
// matrix gives a (0, 0) tensor. FromMatrix panics if m is nil.
func FromMatrix[T tensor.Float](m mat.Matrix) *tensor.Tensor[T] {
	if m == nil {
		panic(fmt.Sprintf(errNil, "FromMatrix", "mat.Matrix"))
	}
	r, c := m.Dims()
	t := tensor.New[T](r, c)
	if r == 0 || c == 0 {
		return t
	}
	dst := t.Data()
	// A Dense, or a Dense under an implicit transpose, is read from its
	// storage. Only *mat.Dense is trusted so: another type implementing
	// mat.RawMatrixer might report other Dims than its raw matrix's.
	if d, ok := m.(*mat.Dense); ok {
		raw := d.RawMatrix()
		for i := range r {
			for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+c] {
				dst[i*c+j] = T(v)
			}
		}
		return t
	}
	if tr, ok := m.(mat.Transpose); ok {
		if d, ok := tr.Matrix.(*mat.Dense); ok {
			// m is the transpose of the c×r d: row j of d is column j of m.
			raw := d.RawMatrix()
			for j := range c {
				for i, v := range raw.Data[j*raw.Stride : j*raw.Stride+r] {
					dst[i*c+j] = T(v)
				}
			}
			return t
		}
	}
	for i := range r {
		for j := range c {
			dst[i*c+j] = T(m.At(i, j))
		}
	}
	return t
}

// FromVector returns a new 1-d tensor of shape (n) holding a copy of the
// vector v of length n, of any implementation of mat.Vector, converted to T:
//
//	t[i] = T(v.AtVec(i))
//
// It reads a VecDense's storage directly, other vectors through AtVec. An
// empty vector gives a tensor of shape (0). FromVector panics if v is nil.
func FromVector[T tensor.Float](v mat.Vector) *tensor.Tensor[T] {
	if v == nil {
		panic(fmt.Sprintf(errNil, "FromVector", "mat.Vector"))
	}
	n := v.Len()
	t := tensor.New[T](n)
	if n == 0 {
		return t
	}
	dst := t.Data()
	if vd, ok := v.(*mat.VecDense); ok {
		raw := vd.RawVector()
		for i := range dst {
			dst[i] = T(raw.Data[i*raw.Inc])
		}
		return t
	}
	for i := range dst {
		dst[i] = T(v.AtVec(i))
	}
	return t
}

// ToDense returns the 2-d tensor t of shape (r, c) as an r×c Dense:
//
//	m.At(i, j) = float64(t[i, j])
//
// For a float64 tensor the Dense shares t's storage (its Stride is c), and
// writes through either are seen by the other; a float32 tensor is copied,
// gonum's mat being float64 only. A tensor with no elements gives an empty
// Dense (gonum has no r×0 or 0×c matrices), whose Dims are 0, 0. ToDense
// panics if t is not 2-d.
func ToDense[T tensor.Float](t *tensor.Tensor[T]) *mat.Dense {
	if t.NDim() != 2 {
		panic(fmt.Sprintf(errRank, "ToDense", 2, t.Shape()))
	}
	if t.Size() == 0 {
		return &mat.Dense{}
	}
	return mat.NewDense(t.Dim(0), t.Dim(1), float64s(t))
}

// ToVecDense returns the 1-d tensor t of shape (n) as a VecDense of length n:
//
//	v.AtVec(i) = float64(t[i])
//
// For a float64 tensor the VecDense shares t's storage (its Inc is 1), and
// writes through either are seen by the other; a float32 tensor is copied.
// A tensor of shape (0) gives an empty VecDense. ToVecDense panics if t is
// not 1-d.
func ToVecDense[T tensor.Float](t *tensor.Tensor[T]) *mat.VecDense {
	if t.NDim() != 1 {
		panic(fmt.Sprintf(errRank, "ToVecDense", 1, t.Shape()))
	}
	if t.Size() == 0 {
		return &mat.VecDense{}
	}
	return mat.NewVecDense(t.Size(), float64s(t))
}

// float64s returns t's storage itself for a float64 tensor and a float64
// copy of it otherwise.
func float64s[T tensor.Float](t *tensor.Tensor[T]) []float64 {
	if d, ok := any(t.Data()).([]float64); ok {
		return d
	}
	d := make([]float64, t.Size())
	for i, v := range t.Data() {
		d[i] = float64(v)
	}
	return d
}
