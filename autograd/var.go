package autograd

import (
	"fmt"
	"sync"

	"github.com/tapegrad/tapegrad/tensor"
)

// Var is a differentiable value: a tensor, the gradient of a loss with respect
// to it once a backward pass has reached it, whether it requires that
// gradient, and the tape it lives on (nil for parameters and constants).
//
// A Var's value must not be modified while a tape that recorded it may still
// run backward: ops keep references to their inputs and outputs.
type Var[T tensor.Float] struct {
	value   *tensor.Tensor[T]
	grad    *tensor.Tensor[T]
	tape    *Tape[T]
	pending *node[T]    // producing node not yet on a tape (see Apply)
	leaf    *leafVar[T] // what only some leaves have; nil until then
	node    int         // index of the producing node on the tape; -1 for a leaf
	mu      sync.Mutex
	gen     uint32 // the tape's generation when the Var was made
	// ownsGrad: grad was allocated by the engine and may be added into;
	// private: its value is the tape's to release (Tape.ReleaseValue).
	ownsGrad, requiresGrad, retainGrad, private bool
}

// leafVar holds the fields of a Var that most Vars, made by ops step after
// step, never use, so that those take 64 bytes: the garbage of a step that
// records many ops is mostly its Vars.
type leafVar[T tensor.Float] struct {
	hooks []Hook[T]
	spare *tensor.Tensor[T] // gradient storage kept by ZeroGrad
}

// hooks returns v's hooks (RegisterHook).
func (v *Var[T]) hooks() []Hook[T] {
	if v.leaf == nil {
		return nil
	}
	return v.leaf.hooks
}

// spare returns the gradient storage ZeroGrad kept, or nil.
func (v *Var[T]) spare() *tensor.Tensor[T] {
	if v.leaf == nil {
		return nil
	}
	return v.leaf.spare
}

// setSpare keeps t as the gradient storage of v (nil: none).
func (v *Var[T]) setSpare(t *tensor.Tensor[T]) {
	if v.leaf == nil {
		if t == nil {
			return
		}
		v.leaf = &leafVar[T]{}
	}
	v.leaf.spare = t
}

// NewParam returns a leaf Var that requires a gradient and lives on no tape,
// such as a model parameter. Any op that combines it with a Var on a tape is
// recorded on that tape, and Backward accumulates into its gradient.
func NewParam[T tensor.Float](value *tensor.Tensor[T]) *Var[T] {
	// A parameter's leafVar is made now, not by its first ZeroGrad, which
	// may run while another goroutine's backward pass reads its hooks.
	return &Var[T]{value: value, requiresGrad: true, node: -1, leaf: &leafVar[T]{}}
}

// NewConst returns a leaf Var that requires no gradient and lives on no tape.
func NewConst[T tensor.Float](value *tensor.Tensor[T]) *Var[T] {
	return &Var[T]{value: value, node: -1}
}

// Value returns the Var's value.
func (v *Var[T]) Value() *tensor.Tensor[T] { return v.value }

// Shape returns the shape of the Var's value.
func (v *Var[T]) Shape() []int { return v.value.Shape() }

// Grad returns the gradient accumulated into the Var, or nil if no backward
// pass has reached it since it was created or last zeroed. Gradients of
// intermediate Vars are released as soon as the backward pass has used them,
// unless RetainGrad was called.
//
// A leaf's gradient belongs to the leaf: optimizers and gradient clipping may
// modify it in place. An intermediate Var's gradient may share its data with
// other gradients and must not be modified.
func (v *Var[T]) Grad() *tensor.Tensor[T] { return v.grad }

// RequiresGrad reports whether backward passes compute a gradient for v.
func (v *Var[T]) RequiresGrad() bool { return v.requiresGrad }

// IsLeaf reports whether v was made directly (NewParam, NewConst, Tape.Input,
// Tape.Param) rather than computed by a recorded or pending op.
func (v *Var[T]) IsLeaf() bool { return v.node < 0 && v.pending == nil }

// Tape returns the tape v lives on, or nil (for leaves off any tape, and for
// pending Vars computed from parameters alone; see Apply).
func (v *Var[T]) Tape() *Tape[T] { return v.tape }

// Detach returns a Var with the same value (shared, not copied) that
// requires no gradient and is a leaf: gradients stop there, as with
// PyTorch's detach. It lives on v's tape, so ops mixing it with parameters
// are still recorded; only the path through v is cut.
func (v *Var[T]) Detach() *Var[T] {
	return &Var[T]{value: v.value, tape: v.tape, gen: v.gen, node: -1}
}

// RetainGrad keeps the gradient of an intermediate Var after the backward pass
// has used it, so that Grad can return it, as PyTorch's retain_grad does.
// Leaves always keep their gradients.
func (v *Var[T]) RetainGrad() { v.retainGrad = true }

// ZeroGrad forgets the accumulated gradient; the next backward pass starts
// from zero, and Grad returns nil until then. The gradient's storage is kept
// for that next pass, which writes into it: a tensor obtained from Grad
// before ZeroGrad is overwritten by later passes — Clone it to keep it.
func (v *Var[T]) ZeroGrad() {
	v.mu.Lock()
	if v.ownsGrad {
		v.setSpare(v.grad)
	}
	v.grad, v.ownsGrad = nil, false
	v.mu.Unlock()
}

// SetGrad replaces the Var's gradient with g, which must have the Var's shape
// (nil clears it). The Var takes ownership of g: later backward passes add
// into it in place, so the caller must not keep using it.
func (v *Var[T]) SetGrad(g *tensor.Tensor[T]) {
	if g != nil && !tensor.EqualShapes(g.Shape(), v.Shape()) {
		panic(fmt.Sprintf(errSetGradShape, g.Shape(), v.Shape()))
	}
	v.mu.Lock()
	v.grad, v.ownsGrad = g, g != nil
	v.mu.Unlock()
}

// String describes the Var briefly: its shape, whether it requires a gradient
// and where it comes from.
func (v *Var[T]) String() string {
	kind := "leaf"
	switch {
	case v.pending != nil:
		kind = fmt.Sprintf("pending (%s, not yet on a tape)", v.pending.op.Name())
	case v.node >= 0 && v.gen != v.tape.gen:
		kind = "stale (its tape was Reset)"
	case v.node >= 0:
		kind = fmt.Sprintf("node %d (%s)", v.node, v.tape.nodes[v.node].op.Name())
	}
	return fmt.Sprintf("Var%v requiresGrad=%t %s", v.Shape(), v.requiresGrad, kind)
}

// accumulate adds g into the gradient of an intermediate Var. The first
// gradient is taken as is (it may be an op's dy or share its data), so a
// second one is added into a fresh tensor that the Var then owns.
// The pass's refs count the Var as a holder of its gradient's storage.
func (v *Var[T]) accumulate(g *tensor.Tensor[T], ar *tensor.Arena[T], refs *gradRefs[T]) {
	switch {
	case v.grad == nil:
		v.grad, v.ownsGrad = g, false
		refs.hold(g)
	case !v.ownsGrad:
		old := v.grad
		v.grad, v.ownsGrad = ar.Add(old, g), true
		refs.hold(v.grad)
		refs.drop(old, true)
		refs.drop(g, false)
	default:
		v.grad.AddInPlace(g)
		refs.drop(g, false)
	}
}

// takeFromArena makes g, whose storage the arena ar gave out, the leaf's
// gradient without copying it, handing the arena the leaf's spare tensor —
// its storage and its header — in exchange. It does so only when the leaf has no gradient and a spare of
// g's size, and reports whether it did, returning the spare.
func (v *Var[T]) takeFromArena(g *tensor.Tensor[T], ar *tensor.Arena[T]) (spare *tensor.Tensor[T], ok bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	spare = v.spare()
	if v.grad != nil || spare == nil || !tensor.SameShape(spare, g) || !ar.ExchangeTensor(g, spare) {
		return nil, false
	}
	v.grad, v.ownsGrad = g, true
	v.setSpare(nil)
	return spare, true
}

// addGrad adds a backward pass's gradient into a leaf, under the leaf's lock
// so that tapes on several goroutines may share it. A gradient the leaf may
// not take (owned false) is copied, since the leaf keeps it beyond the pass:
// into the storage ZeroGrad set aside, if it fits.
// It reports whether the leaf took g itself.
func (v *Var[T]) addGrad(g *tensor.Tensor[T], owned bool) (took bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	spare := v.spare()
	switch {
	case v.grad == nil && owned:
		v.grad, v.ownsGrad = g, true
		return true
	case v.grad == nil && spare != nil && tensor.SameShape(spare, g):
		spare.CopyFrom(g)
		v.grad, v.ownsGrad = spare, true
		v.setSpare(nil)
	case v.grad == nil:
		v.grad, v.ownsGrad = g.Clone(), true
	case !v.ownsGrad:
		v.grad, v.ownsGrad = tensor.Add(v.grad, g), true
	default:
		v.grad.AddInPlace(g)
	}
	return false
}
