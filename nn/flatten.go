package nn

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Flatten is PyTorch's nn.Flatten(start_dim, end_dim): it merges axes
// start_dim to end_dim of its input into one, as functional.Flatten. The
// zero value has PyTorch's defaults, start_dim=1 and end_dim=−1, which
// reshape N×d1×…×dk to N×(d1·…·dk), keeping the batch axis; NewFlatten
// takes other dims. The output shares the input's data. It has no
// parameters or buffers.
type Flatten[T tensor.Float] struct {
	stateless[T]
	// dims holds start_dim and end_dim if set, else they are 1 and −1.
	dims [2]int
	set  bool
}

// NewFlatten returns nn.Flatten(startDim, endDim); dims count from the end
// when negative. Flatten[T]{} is nn.Flatten().
func NewFlatten[T tensor.Float](startDim, endDim int) Flatten[T] {
	return Flatten[T]{dims: [2]int{startDim, endDim}, set: true}
}

// Dims returns start_dim and end_dim.
func (f Flatten[T]) Dims() (startDim, endDim int) {
	if !f.set {
		return 1, -1
	}
	return f.dims[0], f.dims[1]
}

// Forward returns x flattened from start_dim to end_dim. With the default
// dims it panics on fewer than 2 dimensions; otherwise as functional.Flatten.
func (f Flatten[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if s := x.Shape(); !f.set && len(s) < 2 {
		panic(fmt.Sprintf(errFlatten, s))
	}
	start, end := f.Dims()
	return functional.Flatten(x, start, end)
}

// Unflatten is PyTorch's nn.Unflatten(dim, unflattened_size): it splits axis
// Dim of its input into axes of sizes Sizes, as functional.Unflatten; one
// size may be −1, inferred from the others. The output shares the input's
// data. It has no parameters or buffers.
type Unflatten[T tensor.Float] struct {
	stateless[T]
	Dim   int
	Sizes []int
}

// NewUnflatten returns nn.Unflatten(dim, sizes).
func NewUnflatten[T tensor.Float](dim int, sizes ...int) *Unflatten[T] {
	return &Unflatten[T]{Dim: dim, Sizes: append([]int(nil), sizes...)}
}

// Forward returns x with axis Dim split. It panics as functional.Unflatten:
// if x is 0-d, Dim is out of range, or Sizes do not multiply up to the
// axis's size, or Sizes is empty.
func (u *Unflatten[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return functional.Unflatten(x, u.Dim, u.Sizes...)
}
