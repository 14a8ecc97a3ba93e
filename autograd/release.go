package autograd

import (
	"reflect"
	"unsafe"

	"github.com/tapegrad/tapegrad/tensor"
)

// This file holds what lets a tape that reuses buffers give storage back to
// its arena within a step (tensor.Arena.Release), so that the step's peak
// is what is alive at once rather than everything it computed:
//
//   - an op's scratch: what its Forward or Backward took from the arena and
//     nothing references afterwards — not the output or the gradients it
//     returned, not any field of the op (releaseScratch);
//   - under no-grad, what an op keeps for a Backward that will never run;
//   - during Backward, each intermediate gradient once the last node that
//     uses it has run (gradRefs in backward.go);
//   - values the caller declares dead under no-grad (Tape.ReleaseValue,
//     which nn.Sequential calls on its intermediate outputs).
//
// Storage is identified by its first element: a view made by Reshape shares
// it with its base, and the arena takes back only whole buffers it handed
// out after a mark, so heap tensors, parameters and anything older than the
// mark are never touched.

// releaseScratch takes back the tensor buffers the tape's arena handed out
// since mark — during one call of op's Forward or Backward — except those
// that keep's tensors or op's fields use (only its exported fields when
// exportedOnly: an op whose Backward will never run needs none of its own).
func (t *Tape[T]) releaseScratch(mark tensor.ArenaMark, op Op[T], exportedOnly bool, keep ...*tensor.Tensor[T]) {
	ar := t.arena
	if ar.HandedOut(mark) <= len(keep) {
		return // nothing beyond what is kept (the common case: one output)
	}
	t.walk.start(exportedOnly, keep...)
	t.walk.value(reflect.ValueOf(op), 0)
	ar.ReleaseExcept(mark, ar.Mark(), t.walk.keep)
	t.walk.done()
}

// fieldWalk collects the storage of the tensors and float slices an op's
// fields reach. The tape keeps one, whose list it reuses.
type fieldWalk[T tensor.Float] struct {
	exportedOnly bool
	keep         [][]T
}

// start begins a walk whose list holds keep's storage.
func (w *fieldWalk[T]) start(exportedOnly bool, keep ...*tensor.Tensor[T]) {
	w.exportedOnly = exportedOnly
	w.keep = w.keep[:0]
	for _, k := range keep {
		if k != nil {
			w.keep = append(w.keep, k.Data())
		}
	}
}

// done empties the list, so that it keeps nothing alive.
func (w *fieldWalk[T]) done() {
	clear(w.keep)
	w.keep = w.keep[:0]
}

var (
	tensorPtr32 = reflect.TypeFor[*tensor.Tensor[float32]]()
	tensorPtr64 = reflect.TypeFor[*tensor.Tensor[float64]]()
	arenaPtr32  = reflect.TypeFor[*tensor.Arena[float32]]()
	arenaPtr64  = reflect.TypeFor[*tensor.Arena[float64]]()
)

// value walks v, following pointers, interfaces, structs, arrays and slices
// a few levels deep.
func (w *fieldWalk[T]) value(v reflect.Value, depth int) {
	if depth > 4 || !v.IsValid() {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if t := v.Type(); t == arenaPtr32 || t == arenaPtr64 {
			return // the arena itself, which ops embed
		} else if t == tensorPtr32 || t == tensorPtr64 {
			if t == reflect.TypeFor[*tensor.Tensor[T]]() {
				w.keep = append(w.keep, (*tensor.Tensor[T])(v.UnsafePointer()).Data())
			}
			return
		}
		w.value(v.Elem(), depth+1)
	case reflect.Interface:
		if !v.IsNil() {
			w.value(v.Elem(), depth+1)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if w.exportedOnly && depth <= 1 && !t.Field(i).IsExported() {
				continue
			}
			w.value(v.Field(i), depth+1)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			return
		}
		if v.Type().Elem() == reflect.TypeFor[T]() {
			// Unexported fields cannot be read as interfaces, but their
			// storage can be named.
			w.keep = append(w.keep, unsafe.Slice((*T)(v.UnsafePointer()), v.Len()))
			return
		}
		fallthrough
	case reflect.Array:
		for i := range min(v.Len(), 64) {
			w.value(v.Index(i), depth+1)
		}
	}
}

// gradRefs counts, during one backward pass, the holders of each gradient's
// storage — intermediate Vars waiting for their node's backward, leaves'
// sums for the pass — so that a gradient goes back to the arena when the
// last of them lets go. Storage that a hook has seen, a retained gradient
// or one a leaf keeps is pinned: never released. Only storage the arena
// handed out during the pass (after mark) is ever released: a seed, a
// value or a kept tensor that an op returned as a gradient is not.
type gradRefs[T tensor.Float] struct {
	ar   *tensor.Arena[T]
	mark tensor.ArenaMark
	n    map[*T]int
}

const pinned = 1 << 40 // a count no pass's releases bring to 0

// start begins a pass on the tape's arena (nil: the refs do nothing).
func (r *gradRefs[T]) start(ar *tensor.Arena[T]) {
	r.ar = ar
	if ar == nil {
		return
	}
	r.mark = ar.Mark()
	if r.n == nil {
		r.n = make(map[*T]int)
	}
	clear(r.n)
}

// key identifies g's storage for gradRefs, or is nil for storage too small
// to be worth the bookkeeping (under minRelease elements), which the pass
// leaves to Reset.
func key[T tensor.Float](g *tensor.Tensor[T]) *T {
	if g == nil || g.Size() < minRelease {
		return nil
	}
	return &g.Data()[0]
}

// minRelease is the fewest elements a gradient must have for Backward to
// count its holders and release it: below, the map's work costs more than
// the memory is worth.
const minRelease = 1024

// hold counts one more holder of g's storage.
func (r *gradRefs[T]) hold(g *tensor.Tensor[T]) {
	if k := key(g); r != nil && r.ar != nil && k != nil {
		r.n[k]++
	}
}

// pin keeps g's storage for good.
func (r *gradRefs[T]) pin(g *tensor.Tensor[T]) {
	if k := key(g); r != nil && r.ar != nil && k != nil {
		r.n[k] += pinned
	}
}

// drop counts one holder fewer of g's storage and releases it when none is
// left; dropping a gradient no one held (an op's result that was added into
// another) releases it at once.
func (r *gradRefs[T]) drop(g *tensor.Tensor[T], held bool) {
	k := key(g)
	if r == nil || r.ar == nil || k == nil {
		return
	}
	c := r.n[k]
	if held {
		c--
	}
	if c > 0 {
		r.n[k] = c
		return
	}
	delete(r.n, k)
	r.ar.Release(g, r.mark)
}

// sole reports whether g's storage has exactly one holder in the pass and
// is the arena's, handed out during the pass: storage nothing else reads,
// which that holder may keep instead of copying.
func (r *gradRefs[T]) sole(g *tensor.Tensor[T]) bool {
	k := key(g)
	if r == nil || r.ar == nil || k == nil {
		return false
	}
	return r.n[k] == 1 && r.ar.Lent(g, r.mark)
}

// SetRetainGraph turns keeping the graph through Backward on (the default)
// or off, and returns the previous setting. On, Backward leaves everything
// recorded in place, so that it or Grad may run again, as PyTorch's
// backward(retain_graph=True). Off — PyTorch's default, retain_graph=False —
// a tape that reuses buffers gives back to its arena, as soon as a node's
// backward has run, what the node's op took from it to keep for that
// backward (batch norm's x̂, say); values the caller marked as his no longer
// (ReleaseValue) go back as soon as nothing recorded keeps them. The price:
// one Backward per Reset. A second Backward, a Grad after Backward, and
// Grad with CreateGraph (which reads the recorded inputs' values) panic
// until Reset. What Backward returns to the caller is not affected: the
// leaves' gradients, and the values of Vars the caller holds (the loss,
// a model's output), stay valid until Reset. A training loop that resets
// its tape every step (train.Classifier) turns it off.
func (t *Tape[T]) SetRetainGraph(on bool) (was bool) {
	was = !t.freeGraph
	t.freeGraph = !on
	return was
}

// freeNode gives back what node n's Forward took from the arena and kept —
// its saved tensors — after n's backward has run, on a tape that does not
// retain its graph: all of it but the output's value, unless the caller
// released that too (ReleaseValue), and what the op's exported fields
// refer to (results a caller may read, such as batch norm's batch mean).
//
// Either way the node then drops its op, which on a tape that allocates
// from the heap lets the collector reclaim what the op kept.
func (t *Tape[T]) freeNode(n *node[T]) {
	op := n.op
	f := &t.freed.take(1)[0] // a pointer into the slab: no allocation
	f.name = op.Name()
	n.op = f
	if t.arena == nil || n.from.Span(n.to) == 0 || (n.from.Span(n.to) == 1 && !n.out.private) {
		return // nothing kept besides the output
	}
	var out *tensor.Tensor[T]
	if !n.out.private {
		out = n.out.value
	}
	t.walk.start(true, out)
	t.walk.value(reflect.ValueOf(op), 0)
	t.arena.ReleaseExcept(n.from, n.to, t.walk.keep)
	t.walk.done()
}

// freedOp stands in for the op of a node whose backward has run on a tape
// that does not retain its graph: it keeps the op's name for listings and
// nothing else. The tape is spent, so its Forward and Backward never run.
type freedOp[T tensor.Float] struct{ name string }

func (op freedOp[T]) Name() string                                        { return op.name }
func (freedOp[T]) Saved() []*tensor.Tensor[T]                             { return nil }
func (freedOp[T]) Forward([]*tensor.Tensor[T]) *tensor.Tensor[T]          { panic(errFreedOp) }
func (freedOp[T]) Backward(*tensor.Tensor[T], []bool) []*tensor.Tensor[T] { panic(errFreedOp) }

// keeps reports whether a node recorded from node i on keeps storage of v's
// value among its saved tensors.
func (t *Tape[T]) keeps(i int, v *Var[T]) bool {
	if v.value.Size() == 0 {
		return false
	}
	k := &v.value.Data()[0]
	for _, n := range t.nodes[max(i, 0):] {
		for _, s := range n.op.Saved() {
			if s != nil && s.Size() > 0 && &s.Data()[0] == k {
				return true
			}
		}
	}
	return false
}
