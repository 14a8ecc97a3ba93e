package autograd

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// GradOptions tunes Tape.Grad. The zero value is PyTorch's defaults for
// torch.autograd.grad: outputs of one element seeded with 1, no graph of
// the backward pass, and a panic for an input the outputs do not use.
type GradOptions[T tensor.Float] struct {
	// GradOutputs holds the gradient of each output, ∂L/∂yₖ, with yₖ's
	// shape (grad_outputs). A nil slice or a nil entry seeds a one-element
	// output with 1. With CreateGraph a seed may itself require a gradient:
	// the results are linear in it, which is how a Jacobian–vector product
	// is taken by differentiating twice.
	GradOutputs []*Var[T]

	// CreateGraph records the backward pass on the tape (create_graph), so
	// that the gradients returned can be differentiated again. Every op the
	// pass goes through must implement DifferentiableOp.
	CreateGraph bool

	// AllowUnused returns nil for an input that the outputs do not depend
	// on, instead of panicking (allow_unused).
	AllowUnused bool

	// MaterializeGrads returns zeros instead of nil for such an input
	// (materialize_grads); it implies AllowUnused.
	MaterializeGrads bool
}

// Grad returns the gradients of the outputs with respect to the inputs, as
// torch.autograd.grad does: one Var per input, holding ∂L/∂xᵢ for
// L = Σₖ Σ gₖ ⊙ yₖ, where gₖ is output k's seed (see GradOptions). Inputs
// may be leaves (NewParam, Tape.Param) or intermediate Vars of the tape; an
// intermediate input receives the gradient of its value, and the pass does
// not go below it for its sake. Grad does not touch any Var's Grad: the
// results are returned, not accumulated, and the pass visits only the nodes
// that lie between the outputs and the inputs.
//
// Without CreateGraph the pass is the first-order one of Backward (each
// op's tensor-level Backward) and the results are Vars that require no
// gradient. With CreateGraph every op's BackwardVar is applied instead, so
// the backward pass is itself recorded on the tape: the results require a
// gradient wherever they depend on a Var that does, and Grad or Backward
// can differentiate them again, to any order. Either way the results live
// on the tape: they are stale after Reset, and on a tape that reuses
// buffers their values are invalid after Reset too (Clone what must outlive
// it). A result may share storage with a seed.
//
// The hooks of intermediate Vars run as in Backward, before their gradient
// is returned or propagated; with CreateGraph a hook that replaces a
// gradient cuts the graph there (the replacement is a constant). A leaf's
// hooks do not run: they see what is added into its Grad, and Grad adds
// nothing. With anomaly detection on, the first NaN or ±Inf that the pass
// computes (with CreateGraph, also in the ops the recorded backward pass
// applies) stops the tape as in Backward, and Grad returns nil for every
// input; on a tape already stopped Grad computes nothing and does the same.
// Check Err.
//
// Grad panics if an output does not require a gradient or lives on another
// tape, if an input does not require a gradient, if a seed's shape is not
// its output's, if an output of more than one element has no seed, if an
// input is unused and neither AllowUnused nor MaterializeGrads is set, and,
// with CreateGraph, when the pass reaches an op that is not a
// DifferentiableOp.
func (t *Tape[T]) Grad(outputs, inputs []*Var[T], o GradOptions[T]) []*Var[T] {
	if len(outputs) == 0 || len(inputs) == 0 {
		panic(errGradNoOutputs)
	}
	if o.GradOutputs != nil && len(o.GradOutputs) != len(outputs) {
		panic(fmt.Sprintf(errGradSeedCount, len(o.GradOutputs), len(outputs)))
	}
	res := make([]*Var[T], len(inputs))
	if t.err != nil {
		return res
	}
	switch {
	case t.spent:
		panic(fmt.Sprintf(errSpent, "Grad"))
	case t.freeGraph && o.CreateGraph:
		panic(errFreeCreateGraph)
	}
	top := -1
	for k, y := range outputs {
		if y.pending != nil {
			t.adopt(y)
		}
		switch {
		case y.tape != t:
			panic(fmt.Sprintf(errGradForeign, k))
		case y.gen != t.gen:
			panic(fmt.Sprintf(errStaleVar, "Grad"))
		case !y.requiresGrad:
			panic(fmt.Sprintf(errGradOutput, k))
		}
		top = max(top, y.node)
	}
	w := gradWalk[T]{t: t, create: o.CreateGraph, target: make(map[*Var[T]]int, len(inputs))}
	for k, x := range inputs {
		switch {
		case !x.requiresGrad:
			panic(fmt.Sprintf(errGradInput, k))
		case x.tape != nil && x.tape != t:
			panic(fmt.Sprintf(errGradInputTape, k))
		case x.tape != nil && x.gen != t.gen:
			panic(fmt.Sprintf(errStaleVar, "Grad"))
		}
		if _, dup := w.target[x]; !dup {
			w.target[x] = len(w.found)
			w.found = append(w.found, nil)
			w.used = append(w.used, false)
		}
	}
	w.reach = w.reachable(top)
	w.grads = make([]*Var[T], top+1)
	for k, y := range outputs {
		var seed *Var[T]
		if o.GradOutputs != nil {
			seed = o.GradOutputs[k]
		}
		switch {
		case seed == nil && y.value.Size() != 1:
			panic(fmt.Sprintf(errGradNotScalar, k, y.Shape()))
		case seed == nil:
			seed = t.Input(tensor.Ones[T](y.Shape()...))
		case !tensor.EqualShapes(seed.Shape(), y.Shape()):
			panic(fmt.Sprintf(errGradSeedShape, k, seed.Shape(), y.Shape()))
		}
		if !w.create {
			seed = t.Input(seed.value)
		}
		if y.node < 0 {
			w.reachLeaf(y, seed)
			continue
		}
		w.grads[y.node] = w.add(w.grads[y.node], seed)
	}
	for i := top; i >= 0; i-- {
		if !w.node(i) {
			return res // stopped on an anomaly
		}
	}
	if t.err != nil {
		// With CreateGraph, an op of the recorded pass (a BackwardVar's,
		// or a sum of two gradients) computed a non-finite value.
		return res
	}
	for k, x := range inputs {
		j := w.target[x]
		g := w.found[j]
		switch {
		case g != nil:
		case o.MaterializeGrads || w.used[j]:
			g = t.Input(tensor.New[T](x.Shape()...))
		case !o.AllowUnused:
			panic(fmt.Sprintf(errGradUnused, k))
		}
		res[k] = g
	}
	return res
}

// gradWalk is the state of one Tape.Grad pass.
type gradWalk[T tensor.Float] struct {
	t      *Tape[T]
	create bool
	target map[*Var[T]]int // input → index into found and used
	found  []*Var[T]       // the gradient reaching each input
	used   []bool          // a gradient-carrying path reaches the input
	reach  []bool          // node i's inputs lead to an input
	grads  []*Var[T]       // the gradient of node i's output, so far
	needs  []bool
}

// reachable marks the nodes up to top through which a gradient can flow to
// one of the inputs: a node with an input among them, or with an input
// computed by a marked node.
func (w *gradWalk[T]) reachable(top int) []bool {
	reach := make([]bool, top+1)
	for i := range reach {
		for _, in := range w.t.nodes[i].inputs {
			if w.leadsToInput(in, reach) {
				reach[i] = true
				break
			}
		}
	}
	return reach
}

func (w *gradWalk[T]) leadsToInput(in *Var[T], reach []bool) bool {
	if _, ok := w.target[in]; ok {
		return true
	}
	return in.node >= 0 && in.node < len(reach) && reach[in.node]
}

// reachLeaf records g reaching the leaf x, if x is an input.
func (w *gradWalk[T]) reachLeaf(x, g *Var[T]) {
	if j, ok := w.target[x]; ok {
		w.used[j] = true
		w.found[j] = w.add(w.found[j], g)
	}
}

// add returns the sum of two gradients of one Var (either may be nil),
// never modifying them: with CreateGraph through a recorded op.
func (w *gradWalk[T]) add(a, b *Var[T]) *Var[T] {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case w.create:
		return Apply[T](&accumulate[T]{}, a, b)
	}
	return w.t.Input(w.t.arena.Add(a.value, b.value))
}

// node runs the backward of node i, if a gradient reached its output and
// it leads to an input. It returns false if anomaly detection stopped the
// tape.
func (w *gradWalk[T]) node(i int) bool {
	dy := w.grads[i]
	if dy == nil {
		return true
	}
	w.grads[i] = nil
	n := w.t.nodes[i] // a copy: CreateGraph appends to the tape
	if h := n.out.runHooks(dy.value); h != dy.value {
		dy = w.t.Input(h)
	}
	if j, ok := w.target[n.out]; ok {
		w.used[j] = true
		w.found[j] = w.add(w.found[j], dy)
	}
	if !w.reach[i] {
		return true
	}
	needs := w.needs[:0]
	for _, in := range n.inputs {
		need := in.requiresGrad && w.leadsToInput(in, w.reach)
		needs = append(needs, need)
		if tj, ok := w.target[in]; ok && need {
			w.used[tj] = true
		}
	}
	w.needs = needs
	var grads []*Var[T]
	if w.create {
		d, ok := n.op.(DifferentiableOp[T])
		if !ok {
			panic(fmt.Sprintf(errNotDiffOp, n.op.Name(), i))
		}
		grads = d.BackwardVar(n.inputs, n.out, dy, needs)
		if len(grads) != len(n.inputs) {
			panic(fmt.Sprintf(errDiffGradCount, n.op.Name(), len(grads), len(n.inputs)))
		}
		if w.t.err != nil {
			return false // an op BackwardVar applied computed a non-finite value
		}
	} else {
		gs := n.op.Backward(dy.value, needs)
		if len(gs) != len(n.inputs) {
			panic(fmt.Sprintf(errGradCount, n.op.Name(), len(gs), len(n.inputs)))
		}
		grads = make([]*Var[T], len(gs))
		for j, g := range gs {
			if g != nil && needs[j] {
				grads[j] = w.t.Input(g)
			}
		}
	}
	for j, in := range n.inputs {
		g := grads[j]
		if !needs[j] || g == nil {
			continue
		}
		if !tensor.EqualShapes(g.Shape(), in.Shape()) {
			if w.create {
				panic(fmt.Sprintf(errDiffGradShape, n.op.Name(), g.Shape(), j, in.Shape()))
			}
			if !tensor.BroadcastsTo(in.Shape(), g.Shape()) {
				panic(fmt.Sprintf(errGradShape, n.op.Name(), g.Shape(), j, in.Shape()))
			}
			g = w.t.Input(w.t.arena.SumTo(g.value, in.Shape()...))
		}
		if w.t.anomaly && !finite(g.value) {
			w.t.err = newAnomaly(n.op, i, "backward", n.inputs, j)
			return false
		}
		if in.node < 0 {
			w.reachLeaf(in, g)
		} else {
			w.grads[in.node] = w.add(w.grads[in.node], g)
		}
	}
	return true
}

// accumulate adds two gradients of the same shape: the op through which
// Grad with CreateGraph sums the contributions reaching one Var.
type accumulate[T tensor.Float] struct{ ar *tensor.Arena[T] }

func (op *accumulate[T]) Name() string                 { return "accumulate" }
func (op *accumulate[T]) UseArena(ar *tensor.Arena[T]) { op.ar = ar }
func (op *accumulate[T]) Saved() []*tensor.Tensor[T]   { return nil }
func (op *accumulate[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{dy, dy}
}

func (op *accumulate[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	if !tensor.SameShape(in[0], in[1]) {
		panic(fmt.Sprintf(errAccumulateShape, in[0].Shape(), in[1].Shape()))
	}
	return op.ar.Add(in[0], in[1])
}

func (op *accumulate[T]) BackwardVar(_ []*Var[T], _, dy *Var[T], _ []bool) []*Var[T] {
	return []*Var[T]{dy, dy}
}
