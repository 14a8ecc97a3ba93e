package autograd

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/tensor"
)

// Backward computes the gradient of the scalar loss with respect to every Var
// it depends on that requires a gradient, seeding ∂loss/∂loss = 1, and adds it
// into the leaves' gradients. It panics if loss holds more than one element
// (use BackwardWithGrad), is not on this tape, or does not require a
// gradient. A pending loss, computed from parameters alone, is recorded on
// this tape first.
//
// The tape is not consumed: Backward may run again, and leaf gradients then
// add up until zeroed.
func (t *Tape[T]) Backward(loss *Var[T]) {
	if loss.value.Size() != 1 {
		panic(fmt.Sprintf(errNotScalar, loss.Shape()))
	}
	t.BackwardWithGrad(loss, tensor.Ones[T](loss.Shape()...))
}

// BackwardWithGrad runs the backward pass from y with the given seed
// gradient ∂L/∂y, which must have y's shape: the gradients computed are those
// of L = Σ seed ⊙ y. The seed is not modified.
//
// Nodes are visited from y's back to the first; each op's Backward receives
// the gradient of its output and returns its inputs' gradients, which the
// engine checks, sums back to the inputs' shapes where they were broadcast,
// and accumulates. The contributions reaching a leaf are summed over the
// pass, passed through the leaf's hooks, and only then added into its
// gradient, under the leaf's lock: for a leaf with hooks, as soon as the
// node using it that was recorded first has run its backward (or at the
// end of the pass with anomaly detection on); for the others, at the end
// of the pass.
//
// On a tape that has stopped on an anomaly (see SetDetectAnomaly) it does
// nothing; if an anomaly stops this pass, no leaf gradient is changed.
func (t *Tape[T]) BackwardWithGrad(y *Var[T], seed *tensor.Tensor[T]) {
	if t.err != nil {
		return
	}
	if t.spent {
		panic(fmt.Sprintf(errSpent, "Backward"))
	}
	if y.pending != nil {
		t.adopt(y) // a loss computed from parameters alone
	}
	switch {
	case y.tape != t:
		panic(errForeignVar)
	case y.gen != t.gen:
		panic(fmt.Sprintf(errStaleVar, "Backward"))
	case !y.requiresGrad:
		panic(errNoGrad)
	case !tensor.EqualShapes(seed.Shape(), y.Shape()):
		panic(fmt.Sprintf(errSeedShape, seed.Shape(), y.Shape()))
	}
	defer t.leaves.reset()
	t.spent = t.freeGraph
	t.refs.start(t.arena)
	t.leaves.refs = &t.refs
	if y.node < 0 {
		t.leaves.add(y, seed, nil)
		t.leaves.flush()
		return
	}
	for i := range y.node + 1 {
		out := t.nodes[i].out
		out.grad, out.ownsGrad = nil, false
	}
	y.grad = seed
	t.refs.hold(seed)
	early := t.earlyLeaves(y.node)
	for i := y.node; i >= 0; i-- {
		n := &t.nodes[i]
		if dy := n.out.grad; dy != nil { // else no path from y reaches this node
			if len(n.out.hooks()) > 0 {
				t.refs.pin(dy) // a hook may keep what it sees
				dy = n.out.runHooks(dy)
				t.refs.pin(dy)
			}
			n.out.grad = nil
			if n.out.retainGrad {
				n.out.grad = dy
				t.refs.pin(dy)
			}
			if !t.backwardNode(i, n, dy) {
				return // stopped on an anomaly: leave the leaves untouched
			}
			t.refs.drop(dy, true) // this node was its holder
			if t.freeGraph {
				t.freeNode(n) // no later node reads what this one kept
			}
		}
		for len(early) > 0 && early[0].node == i {
			t.leaves.flushLeaf(early[0].leaf)
			early = early[1:]
		}
	}
	t.leaves.flush()
}

// earlyLeaf is a leaf with hooks and the lowest node that uses it: once
// that node's backward has run, the pass's contributions to the leaf are
// complete.
type earlyLeaf[T tensor.Float] struct {
	node int
	leaf *Var[T]
}

// earlyLeaves lists the leaves with hooks among the inputs of nodes 0 to
// top, each with the lowest node that uses it, in decreasing node order:
// the order in which the backward pass completes them. Their hooks run
// (and their gradients are added) as soon as they are complete, so that a
// hook can act on a gradient while the pass goes on — data-parallel
// training starts its all-reduces there. With anomaly detection on, every
// leaf waits for the end of the pass, which may still find an anomaly and
// must then leave the leaves untouched. On a tape that reuses buffers and
// does not retain its graph, every leaf is flushed early, so that the
// storage of its summed gradient goes back to the arena at once.
func (t *Tape[T]) earlyLeaves(top int) []earlyLeaf[T] {
	early := t.early[:0]
	all := t.freeGraph && t.arena != nil // every leaf, to free its storage early
	if t.anomaly || (!all && hookedVars.Load() == 0) {
		return early // no Var has hooks: skip the scan
	}
	clear(t.earlySeen)
	for i := range top + 1 {
		for _, in := range t.nodes[i].inputs {
			if (!all && len(in.hooks()) == 0) || in.node >= 0 || in.pending != nil || !in.requiresGrad {
				continue
			}
			if t.earlySeen == nil {
				t.earlySeen = make(map[*Var[T]]struct{})
			}
			if _, seen := t.earlySeen[in]; !seen {
				t.earlySeen[in] = struct{}{}
				early = append(early, earlyLeaf[T]{node: i, leaf: in})
			}
		}
	}
	clear(t.earlySeen)
	slices.Reverse(early) // found in increasing order of first use
	t.early = early
	return early
}

// backwardNode runs node i's Backward and hands each input its gradient. It
// returns false if anomaly detection found a non-finite gradient.
func (t *Tape[T]) backwardNode(i int, n *node[T], dy *tensor.Tensor[T]) bool {
	needs := t.needs[:0]
	for _, in := range n.inputs {
		needs = append(needs, in.requiresGrad)
	}
	t.needs = needs
	mark := t.arena.Mark()
	grads := n.op.Backward(dy, needs)
	if len(grads) != len(n.inputs) {
		panic(fmt.Sprintf(errGradCount, n.op.Name(), len(grads), len(n.inputs)))
	}
	if t.arena != nil {
		// What Backward took from the arena besides the gradients it
		// returned is scratch.
		t.releaseScratch(mark, n.op, false, grads...)
	}
	for j, in := range n.inputs {
		g := grads[j]
		if !needs[j] || g == nil {
			continue
		}
		if !tensor.EqualShapes(g.Shape(), in.Shape()) {
			if !tensor.BroadcastsTo(in.Shape(), g.Shape()) {
				panic(fmt.Sprintf(errGradShape, n.op.Name(), g.Shape(), j, in.Shape()))
			}
			s := t.arena.SumTo(g, in.Shape()...)
			t.refs.drop(g, false) // unless dy or another input's gradient
			g = s
		}
		if t.anomaly && !finite(g) {
			t.err = newAnomaly(n.op, i, "backward", n.inputs, j)
			return false
		}
		if in.IsLeaf() {
			t.leaves.add(in, g, t.arena)
		} else {
			in.accumulate(g, t.arena, &t.refs)
		}
	}
	return true
}

// leafGrads sums, over one backward pass, the contributions that reach each
// leaf, so that the leaf's hooks see its whole gradient once and the leaf's
// lock is taken once.
type leafGrads[T tensor.Float] struct {
	vars    []*Var[T]
	grads   []*tensor.Tensor[T]
	owned   []bool // grads[i] was allocated by the engine
	flushed []bool // vars[i]'s gradient has been added into it
	index   map[*Var[T]]int
	arena   *tensor.Arena[T] // the tape's arena, if it reuses buffers
	refs    *gradRefs[T]     // the pass's holders of gradients' storage
}

// add adds g to v's sum for this pass, allocating from ar when it must.
func (l *leafGrads[T]) add(v *Var[T], g *tensor.Tensor[T], ar *tensor.Arena[T]) {
	l.arena = ar
	if l.index == nil {
		l.index = make(map[*Var[T]]int)
	}
	i, ok := l.index[v]
	switch {
	case !ok:
		l.index[v] = len(l.vars)
		l.vars, l.grads, l.owned = append(l.vars, v), append(l.grads, g), append(l.owned, false)
		l.flushed = append(l.flushed, false)
		l.refs.hold(g)
	case !l.owned[i]:
		old := l.grads[i]
		l.grads[i], l.owned[i] = ar.Add(old, g), true
		l.refs.hold(l.grads[i])
		l.refs.drop(old, true)
		l.refs.drop(g, false)
	default:
		l.grads[i].AddInPlace(g)
		l.refs.drop(g, false)
	}
}

// flushLeaf flushes v's summed gradient now, if the pass has reached v,
// rather than at the end of the pass.
func (l *leafGrads[T]) flushLeaf(v *Var[T]) {
	if i, ok := l.index[v]; ok && !l.flushed[i] {
		l.flushOne(i)
	}
}

// flush passes each leaf's summed gradient through its hooks and adds it
// into the leaf's gradient, except for those flushLeaf has flushed.
func (l *leafGrads[T]) flush() {
	for i := range l.vars {
		if !l.flushed[i] {
			l.flushOne(i)
		}
	}
}

// flushOne flushes leaf i of the pass.
func (l *leafGrads[T]) flushOne(i int) {
	l.flushed[i] = true
	v, g := l.vars[i], l.grads[i]
	if len(v.hooks()) > 0 {
		l.refs.pin(g) // a hook may keep what it sees
		if h := v.runHooks(g); h != g {
			g, l.owned[i] = h, false
			l.refs.pin(g)
		}
	}
	// A leaf keeps its gradient past the pass, so it may not take
	// storage that the tape's arena will recycle — unless the arena
	// takes the leaf's spare storage in exchange.
	if l.arena != nil {
		if spare, ok := v.takeFromArena(g, l.arena); ok {
			l.refs.drop(spare, false) // the arena's now, and nothing holds it
			return
		}
	}
	if l.arena != nil && v.tape != nil && !l.owned[i] && l.refs.sole(g) {
		// A leaf made on the tape (Tape.Param) is stale after Reset, as
		// are the tape's tensors, so it may take arena storage that the
		// pass handed out and nothing but it holds.
		l.owned[i] = true
	}
	if l.arena != nil && v.tape != nil && !l.owned[i] {
		// Otherwise (storage shared with another holder, or not the
		// pass's) it takes a copy, which may come from the arena.
		c := l.arena.Clone(g)
		l.refs.drop(g, true)
		g, l.owned[i] = c, true
		l.refs.hold(g)
	}
	if v.addGrad(g, l.owned[i] && (l.arena == nil || v.tape != nil)) {
		l.refs.pin(g) // the leaf keeps it
	} else {
		l.refs.drop(g, true)
	}
}

func (l *leafGrads[T]) reset() {
	clear(l.vars)
	clear(l.grads)
	clear(l.index)
	l.vars, l.grads, l.owned, l.flushed = l.vars[:0], l.grads[:0], l.owned[:0], l.flushed[:0]
}
