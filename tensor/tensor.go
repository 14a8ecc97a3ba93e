package tensor

import (
	"fmt"
	"unsafe"
)

// Float is the set of element types a Tensor can hold. float32 is what models
// train in; float64 is what gradient checks run in.
type Float interface {
	float32 | float64
}

// Tensor is a dense, row-major, contiguous n-dimensional array.
//
// A tensor of shape () is a scalar and holds one element. The zero value is not
// useful; construct tensors with New, FromSlice, Full and the other
// constructors.
type Tensor[T Float] struct {
	shape []int
	data  []T
}

// New returns a tensor of the given shape filled with zeros. With no
// dimensions it returns a scalar. New panics if a dimension is negative.
func New[T Float](shape ...int) *Tensor[T] {
	n := numel(shape)
	return &Tensor[T]{shape: cloneInts(shape), data: make([]T, n)}
}

// Zeros is New: a tensor of the given shape filled with zeros.
func Zeros[T Float](shape ...int) *Tensor[T] { return New[T](shape...) }

// Ones returns a tensor of the given shape filled with ones.
func Ones[T Float](shape ...int) *Tensor[T] { return Full(T(1), shape...) }

// Full returns a tensor of the given shape with every element equal to v.
func Full[T Float](v T, shape ...int) *Tensor[T] {
	t := New[T](shape...)
	t.Fill(v)
	return t
}

// Scalar returns a tensor of shape () holding v.
func Scalar[T Float](v T) *Tensor[T] {
	return &Tensor[T]{shape: []int{}, data: []T{v}}
}

// FromSlice returns a tensor of the given shape that uses data as its storage,
// without copying it. With no shape it returns a 1-d tensor of len(data)
// elements. FromSlice panics if the shape does not hold exactly len(data)
// elements.
func FromSlice[T Float](data []T, shape ...int) *Tensor[T] {
	if shape == nil {
		shape = []int{len(data)}
	}
	if n := numel(shape); n != len(data) {
		panic(fmt.Sprintf(errShapeData, shape, n, len(data)))
	}
	return &Tensor[T]{shape: cloneInts(shape), data: data}
}

// Shape returns the tensor's shape. The caller must not modify it.
func (t *Tensor[T]) Shape() []int { return t.shape }

// Dim returns the size of axis i; negative i counts from the end.
func (t *Tensor[T]) Dim(i int) int { return t.shape[NormAxis(i, len(t.shape))] }

// NDim returns the number of dimensions.
func (t *Tensor[T]) NDim() int { return len(t.shape) }

// Size returns the number of elements.
func (t *Tensor[T]) Size() int { return len(t.data) }

// Bytes returns the size of the tensor's data in bytes.
func (t *Tensor[T]) Bytes() int {
	var z T
	return len(t.data) * int(unsafe.Sizeof(z))
}

// Data returns the tensor's elements in row-major order. The slice is the
// tensor's storage: writing to it changes the tensor.
func (t *Tensor[T]) Data() []T { return t.data }

// Item returns the only element of a tensor that holds exactly one element.
func (t *Tensor[T]) Item() T {
	if len(t.data) != 1 {
		panic(fmt.Sprintf(errNotScalar, t.shape, len(t.data)))
	}
	return t.data[0]
}

// At returns the element at the given index, one coordinate per axis.
func (t *Tensor[T]) At(index ...int) T { return t.data[t.offset(index)] }

// Set sets the element at the given index to v.
func (t *Tensor[T]) Set(v T, index ...int) { t.data[t.offset(index)] = v }

func (t *Tensor[T]) offset(index []int) int {
	if len(index) != len(t.shape) {
		panic(fmt.Sprintf(errIndexRank, index, len(index), t.shape))
	}
	off := 0
	for i, d := range t.shape {
		if index[i] < 0 || index[i] >= d {
			panic(fmt.Sprintf(errIndexRange, index, t.shape))
		}
		off = off*d + index[i]
	}
	return off
}

// Fill sets every element to v.
func (t *Tensor[T]) Fill(v T) {
	for i := range t.data {
		t.data[i] = v
	}
}

// Zero sets every element to 0.
func (t *Tensor[T]) Zero() { clear(t.data) }

// Clone returns a deep copy of t.
func (t *Tensor[T]) Clone() *Tensor[T] {
	return &Tensor[T]{shape: cloneInts(t.shape), data: append([]T(nil), t.data...)}
}

// CopyFrom copies the elements of src into t. The two must have the same shape.
func (t *Tensor[T]) CopyFrom(src *Tensor[T]) {
	mustSameShape("CopyFrom", t, src)
	copy(t.data, src.data)
}

// Reshape returns a tensor with the given shape that shares t's data. One
// dimension may be -1: it is inferred from the others. Reshape panics if the
// new shape does not hold the same number of elements.
func (t *Tensor[T]) Reshape(shape ...int) *Tensor[T] {
	return &Tensor[T]{shape: inferInto(make([]int, 0, len(shape)), t.shape, shape), data: t.data}
}

// SameShape reports whether a and b have equal shapes.
func SameShape[T Float](a, b *Tensor[T]) bool { return EqualShapes(a.shape, b.shape) }

func mustSameShape[T Float](what string, a, b *Tensor[T]) {
	if !EqualShapes(a.shape, b.shape) {
		panic(fmt.Sprintf(errSameShape, what, a.shape, b.shape))
	}
}
