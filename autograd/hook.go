package autograd

import (
	"fmt"
	"sync/atomic"

	"github.com/tapegrad/tapegrad/tensor"
)

// Hook inspects or replaces a Var's gradient during the backward pass. It
// receives the gradient and returns the one to use instead, or nil to keep
// it. It must not modify its argument, which may share data with other
// gradients: to change the gradient, return a new tensor of the same shape.
type Hook[T tensor.Float] func(grad *tensor.Tensor[T]) *tensor.Tensor[T]

// RegisterHook adds h to the hooks of v, which run in the order they were
// registered, each on the result of the one before, as PyTorch's
// register_hook. For an intermediate Var the hooks see its whole gradient
// once, before it propagates to its inputs. For a leaf they see, once per
// backward pass, the sum of that pass's contributions, before it is added
// into the leaf's gradient; they run as soon as that sum is complete —
// once the backward of the lowest (earliest recorded) node using the leaf
// has run — while the pass goes on to the nodes recorded before it, so a
// hook may start work that overlaps the rest of the pass (data-parallel
// training starts its all-reduces there). With anomaly detection on (see
// SetDetectAnomaly) a leaf's hooks run at the end of the pass instead, and
// not at all if the pass stops on an anomaly. A leaf the pass does not
// reach gets no call. Hooks must not be registered while a backward pass
// that reaches v is running.
func (v *Var[T]) RegisterHook(h Hook[T]) {
	if len(v.hooks()) == 0 {
		hookedVars.Add(1)
	}
	if v.leaf == nil {
		v.leaf = &leafVar[T]{}
	}
	v.leaf.hooks = append(v.leaf.hooks, h)
}

// hookedVars counts the Vars that have ever had a hook, of every element
// type: while it is 0, the backward pass skips its search for hooked
// leaves (Tape.earlyLeaves), so that models without hooks pay nothing.
var hookedVars atomic.Int64

// runHooks passes g through v's hooks.
func (v *Var[T]) runHooks(g *tensor.Tensor[T]) *tensor.Tensor[T] {
	for _, h := range v.hooks() {
		r := h(g)
		if r == nil {
			continue
		}
		if !tensor.SameShape(r, g) {
			panic(fmt.Sprintf(errHookShape, r.Shape(), g.Shape()))
		}
		g = r
	}
	return g
}
