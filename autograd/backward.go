package autograd

import (
	"fmt"

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
// and accumulates.
func (t *Tape[T]) BackwardWithGrad(y *Var[T], seed *tensor.Tensor[T]) {
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
	if y.node < 0 {
		y.accumulate(seed)
		return
	}
	for i := range y.node + 1 {
		out := t.nodes[i].out
		out.grad, out.ownsGrad = nil, false
	}
	y.grad = seed
	for i := y.node; i >= 0; i-- {
		n := &t.nodes[i]
		dy := n.out.grad
		if dy == nil {
			continue // no path from y reaches this node
		}
		if !n.out.retainGrad {
			n.out.grad = nil
		}
		t.backwardNode(n, dy)
	}
}

// backwardNode runs one node's Backward and hands each input its gradient.
func (t *Tape[T]) backwardNode(n *node[T], dy *tensor.Tensor[T]) {
	needs := t.needs[:0]
	for _, in := range n.inputs {
		needs = append(needs, in.requiresGrad)
	}
	t.needs = needs
	grads := n.op.Backward(dy, needs)
	if len(grads) != len(n.inputs) {
		panic(fmt.Sprintf(errGradCount, n.op.Name(), len(grads), len(n.inputs)))
	}
	for j, in := range n.inputs {
		g := grads[j]
		if !needs[j] || g == nil {
			continue
		}
		if !tensor.EqualShapes(g.Shape(), in.Shape()) {
			b, ok := tensor.BroadcastShapes(in.Shape(), g.Shape())
			if !ok || !tensor.EqualShapes(b, g.Shape()) {
				panic(fmt.Sprintf(errGradShape, n.op.Name(), g.Shape(), j, in.Shape()))
			}
			g = tensor.SumTo(g, in.Shape()...)
		}
		in.accumulate(g)
	}
}
