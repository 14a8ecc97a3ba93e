package tensor

import "unsafe"

// Arena hands out tensor storage and takes it all back at once, so that a
// loop that computes the same shapes every iteration — a training step —
// reuses its buffers instead of allocating them anew. Recycle returns every
// buffer handed out since the last Recycle; the tensors that used them must
// not be used afterwards.
//
// The kernels that return a new tensor (Add, Exp, Sum, MatMulT, …) exist as
// Arena methods too, which take the result's storage from the arena. A nil
// *Arena is valid and allocates from the heap: (*Arena[T])(nil).Add(a, b) is
// Add(a, b). An Arena is used by one goroutine at a time.
type Arena[T Float] struct {
	free  map[int][][]T // recycled buffers by length
	inUse [][]T         // buffers handed out since the last Recycle

	freeIdx  map[int][][]int32 // the same for Indices
	inUseIdx [][]int32
}

// NewArena returns an empty arena.
func NewArena[T Float]() *Arena[T] {
	return &Arena[T]{free: make(map[int][][]T), freeIdx: make(map[int][][]int32)}
}

// New returns a zeroed tensor of the given shape whose storage comes from
// the arena: a recycled buffer of the same length if there is one, a new one
// otherwise. On a nil arena it is the package-level New.
func (ar *Arena[T]) New(shape ...int) *Tensor[T] {
	t := ar.NewUninit(shape...)
	if ar != nil {
		clear(t.data)
	}
	return t
}

// NewUninit is New without the zeroing of recycled storage, for callers
// that overwrite every element. On a nil arena the storage is zeroed anyway.
func (ar *Arena[T]) NewUninit(shape ...int) *Tensor[T] {
	if ar == nil {
		return New[T](shape...)
	}
	return &Tensor[T]{shape: cloneInts(shape), data: take(ar.free, &ar.inUse, numel(shape))}
}

// take returns a buffer of length n from free, recycled if there is one and
// new otherwise, and records it in inUse.
func take[E any](free map[int][][]E, inUse *[][]E, n int) []E {
	var buf []E
	if bufs := free[n]; len(bufs) > 0 {
		buf = bufs[len(bufs)-1]
		free[n] = bufs[:len(bufs)-1]
	} else {
		buf = make([]E, n)
	}
	*inUse = append(*inUse, buf)
	return buf
}

// recycle moves every buffer of inUse to free and returns inUse emptied.
func recycle[E any](free map[int][][]E, inUse [][]E) [][]E {
	for i, buf := range inUse {
		free[len(buf)] = append(free[len(buf)], buf)
		inUse[i] = nil
	}
	return inUse[:0]
}

// Recycle takes back every buffer handed out since the last Recycle. The
// tensors that used them — and their views — must not be used afterwards.
func (ar *Arena[T]) Recycle() {
	ar.inUse = recycle(ar.free, ar.inUse)
	ar.inUseIdx = recycle(ar.freeIdx, ar.inUseIdx)
}

// Indices returns n int32s of storage from the arena, for the positions an
// op keeps beside its tensors (max pooling's argmax). Like a tensor's
// storage, it is taken back by the next Recycle and must not be used after
// it. Its contents are unspecified: the caller writes every element. On a
// nil arena it is make([]int32, n).
func (ar *Arena[T]) Indices(n int) []int32 {
	if ar == nil {
		return make([]int32, n)
	}
	return take(ar.freeIdx, &ar.inUseIdx, n)
}

// Exchange hands t's storage, which the arena gave out since the last
// Recycle, over to the caller for good, and takes buf, of the same length, in
// its place: t keeps its data, and buf is what the next Recycle takes back.
// It reports false, changing nothing, if t's storage is not the arena's or
// buf's length differs. The tape uses it to give a parameter the gradient
// the backward pass computed without copying it.
func (ar *Arena[T]) Exchange(t *Tensor[T], buf []T) bool {
	if ar == nil || len(t.data) == 0 || len(buf) != len(t.data) {
		return false
	}
	for i := len(ar.inUse) - 1; i >= 0; i-- {
		if u := ar.inUse[i]; len(u) == len(t.data) && &u[0] == &t.data[0] {
			ar.inUse[i] = buf
			return true
		}
	}
	return false
}

// Bytes returns the storage the arena holds, handed out or free, Indices'
// included.
func (ar *Arena[T]) Bytes() int {
	var z T
	return held(ar.free, ar.inUse)*int(unsafe.Sizeof(z)) + held(ar.freeIdx, ar.inUseIdx)*4
}

// held returns the number of elements in the buffers of free and inUse.
func held[E any](free map[int][][]E, inUse [][]E) int {
	n := 0
	for _, b := range inUse {
		n += len(b)
	}
	for _, bufs := range free {
		for _, b := range bufs {
			n += len(b)
		}
	}
	return n
}

// Clone is Tensor.Clone with the copy's storage from the arena.
func (ar *Arena[T]) Clone(t *Tensor[T]) *Tensor[T] {
	c := ar.NewUninit(t.shape...)
	copy(c.data, t.data)
	return c
}
