package ops

import "github.com/tapegrad/tapegrad/tensor"

// arena is embedded by every op: it implements autograd.ArenaUser, so that
// on a tape that reuses buffers the op takes the storage of its outputs and
// gradients from the tape's arena. Its zero value allocates from the heap.
type arena[T tensor.Float] struct{ ar *tensor.Arena[T] }

// UseArena makes the op allocate from ar.
func (a *arena[T]) UseArena(ar *tensor.Arena[T]) { a.ar = ar }
