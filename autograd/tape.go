package autograd

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/tensor"
)

// Tape records the ops applied to its Vars, in order, so that Backward can
// walk them in reverse. A Tape is used by one goroutine at a time; several
// goroutines may each run their own tape over shared parameters.
type Tape[T tensor.Float] struct {
	nodes     []node[T]
	gen       uint32 // incremented by Reset; Vars of older generations are stale (until it wraps, 2³² Resets on)
	needs     []bool // scratch for Backward
	leaves    leafGrads[T]
	refs      gradRefs[T]          // scratch for Backward
	early     []earlyLeaf[T]       // scratch for Backward
	earlySeen map[*Var[T]]struct{} // scratch for Backward
	anomaly   bool                 // check every output and gradient for NaN and ±Inf
	err       error                // the anomaly that stopped the tape
	arena     *tensor.Arena[T]
	noGrad    bool // record nothing: see SetGradEnabled
	// noGradMark is the arena's mark when recording was last turned off:
	// what was handed out since, no recorded op keeps.
	noGradMark tensor.ArenaMark
	freeGraph  bool // SetRetainGraph(false)
	spent      bool // a Backward freed the graph: see SetRetainGraph
	// Storage that recording reuses from step to step: the input values
	// Apply hands to Forward, the recorded nodes' inputs, and the walk
	// that finds what an op's fields keep (release.go).
	vals  slab[*tensor.Tensor[T]]
	ins   slab[*Var[T]]
	walk  fieldWalk[T]
	freed slab[freedOp[T]] // what freed nodes' ops become (freeNode)
}

// node is one recorded application of an op.
type node[T tensor.Float] struct {
	op     Op[T]
	inputs []*Var[T]
	out    *Var[T]
	// from and to bracket the buffers the op's Forward took from the
	// tape's arena and kept: its output and what it saved.
	from, to tensor.ArenaMark
}

// NewTape returns an empty tape.
func NewTape[T tensor.Float]() *Tape[T] { return &Tape[T]{} }

// Input returns a leaf Var on the tape holding value, without a gradient: a
// batch of data, say. Ops on it alone record nothing; ops that also take a
// Var requiring a gradient are recorded on this tape.
func (t *Tape[T]) Input(value *tensor.Tensor[T]) *Var[T] {
	return &Var[T]{value: value, tape: t, gen: t.gen, node: -1}
}

// Param returns a leaf Var on the tape holding value that requires a
// gradient: the way to differentiate with respect to an input.
func (t *Tape[T]) Param(value *tensor.Tensor[T]) *Var[T] {
	v := t.Input(value)
	v.requiresGrad = true
	return v
}

// Len returns the number of recorded nodes.
func (t *Tape[T]) Len() int { return len(t.nodes) }

// Reset empties the tape so that it can record again, keeping its storage.
// Vars made on the tape before Reset must not be used afterwards; Apply and
// Backward panic if they are. Leaves made with NewParam are not affected.
func (t *Tape[T]) Reset() {
	clear(t.nodes)
	t.nodes = t.nodes[:0]
	t.gen++
	t.err = nil
	t.spent = false
	t.vals.reset()
	t.ins.reset()
	t.freed.reset()
	if t.arena != nil {
		t.arena.Recycle()
		t.noGradMark = t.arena.Mark()
	}
}

// ReuseBuffers turns buffer reuse on or off. When on, the tape owns an arena
// (tensor.Arena): ops that implement ArenaUser — every op of package ops —
// take the storage of their outputs and of the gradients they compute from
// it, so does the engine for the gradients it sums, and Reset recycles it
// all. A training loop that resets the tape every step then reuses the same
// buffers step after step instead of allocating them.
//
// Within a step the tape gives storage back to the arena as soon as nothing
// can reach it, for the ops that follow to reuse: an op's scratch after its
// Forward and Backward (what it took from the arena and neither returned
// nor refers to from a field), under no-grad what an op keeps for a
// Backward that will never run, each intermediate gradient once the last
// node it reaches has run its backward (not a retained one, not one a hook
// saw), and, on a tape that does not retain its graph (SetRetainGraph),
// each node's saved tensors after its backward and the values released
// with ReleaseValue. The step's peak is then what is alive at once, about
// PyTorch's, rather than everything it computed.
//
// The price is a rule: every tensor computed on the tape — a Var's value or
// gradient, whatever an op returned — is invalid after Reset. Copy what must
// outlive the step (the loss's value, say) before resetting. Not only their
// storage is reused: the arena hands the tensors themselves out again (their
// headers; a shape slice it handed out never changes). The tape's Vars are
// not reused, so a Var used after Reset always panics as stale. The gradients
// of leaves off the tape (NewParam) are unaffected: the arena never
// recycles their storage (a leaf that takes a gradient the pass computed
// gives the arena its spare storage in exchange). A leaf made on the tape
// (Param) is stale after Reset like the tape's other Vars, and its gradient
// lives in the arena too, copied there rather than into fresh memory.
func (t *Tape[T]) ReuseBuffers(on bool) {
	switch {
	case on && t.arena == nil:
		t.arena = tensor.NewArena[T]()
		t.noGradMark = t.arena.Mark()
	case !on:
		t.arena = nil
	}
}

// SetGradEnabled turns recording on (the default) or off and returns the
// previous setting, so that
//
//	defer tape.SetGradEnabled(tape.SetGradEnabled(false))
//
// turns it off until the function returns. With recording off — what
// PyTorch's torch.no_grad() does — ops on the tape's Vars compute and
// record nothing, even when a parameter takes part: their outputs live on
// the tape, require no gradient and keep no history, pending histories they
// meet stay pending, and nothing is kept for a backward pass. Inference
// runs this way; on a tape that reuses buffers it reuses them as a training
// step does. Ops on Vars of no tape (parameters and constants alone) are
// not affected.
func (t *Tape[T]) SetGradEnabled(on bool) (was bool) {
	was = !t.noGrad
	if was && !on {
		t.noGradMark = t.arena.Mark()
	}
	t.noGrad = !on
	return was
}

// ReleaseValue tells the tape that the caller will not read v's value
// again — neither v's value nor any tensor sharing its storage (a Reshape
// of it, the output of a layer that returned its input) — so that its
// storage can go back to the tape's arena, for the ops that follow to reuse
// before Reset; it reports whether it went back at once. nn.Sequential
// calls it on each intermediate output once the next layer has consumed
// it: they are its own. It does nothing on a tape that does not reuse
// buffers, or for storage the arena did not hand out for v's computation (a
// parameter's, a batch's, a view of another Var's value).
//
// With recording off (SetGradEnabled), the storage goes back at once if
// the arena handed it out after recording was last turned off: nothing
// recorded can keep it. With recording on, it goes back only on a tape that
// does not retain its graph (SetRetainGraph(false)): at once if no
// recorded op keeps it for backward, otherwise once the backward of the op
// that made v has run. It panics if v lives on another tape.
func (t *Tape[T]) ReleaseValue(v *Var[T]) bool {
	if v.tape != t {
		panic(errReleaseForeign)
	}
	if t.arena == nil || v.gen != t.gen {
		return false
	}
	if t.noGrad {
		return t.arena.Release(v.value, t.noGradMark)
	}
	if !t.freeGraph || v.node < 0 {
		return false
	}
	if t.keeps(v.node, v) {
		v.private = true // the node's freeNode releases it after its backward
		return false
	}
	return t.arena.Release(v.value, t.nodes[v.node].from)
}

// SavedBytes returns the bytes the recorded ops keep for the backward pass:
// the tensors they list in Saved, each counted once however many ops keep it,
// plus whatever ops implementing ExtraSaver report.
func (t *Tape[T]) SavedBytes() int {
	seen := make(map[*T]int)
	total := 0
	for _, n := range t.nodes {
		for _, s := range n.op.Saved() {
			if s == nil || s.Size() == 0 {
				continue
			}
			key := &s.Data()[0]
			if b := s.Bytes(); b > seen[key] {
				total += b - seen[key]
				seen[key] = b
			}
		}
		if e, ok := n.op.(ExtraSaver); ok {
			total += e.ExtraSavedBytes()
		}
	}
	return total
}

// Apply runs op on the values of inputs and returns the output as a Var.
//
// When no input requires a gradient, Apply only computes; the output lives
// on the inputs' tape, if any, so that a later op mixing it with a parameter
// is recorded there.
//
// When an input requires a gradient and the inputs' tape, if any, records
// (see SetGradEnabled), the application becomes part of the
// output's history and the output requires a gradient. If an input lives on
// a tape, the application is recorded on that tape. If none does — the op
// combines parameters and constants only, such as a reshaped or scaled
// weight — the output is pending: it keeps its history itself, and the first
// op that combines it with a Var on a tape (or a Backward called on it)
// records that history on the tape, in order, before the op itself. A pending
// Var therefore belongs to the first tape it meets.
//
// Apply panics if the inputs live on two different tapes or if one of them
// predates its tape's last Reset.
func Apply[T tensor.Float](op Op[T], inputs ...*Var[T]) *Var[T] {
	return ApplyOn(nil, op, inputs...)
}

// ApplyOn is Apply for an op part of whose input is not a Var — an
// embedding's indices, given as ints — so that its Var inputs cannot bring
// it to the tape the computation runs on: the output lives on t and is
// recorded there (on t's arena, under t's SetGradEnabled) as if an input
// lived on t. Without it, a lookup in a parameter alone would be pending
// until it met t (see Apply), and everything computed from it before then
// would miss t's reused buffers. ApplyOn(nil, …) is Apply.
//
// It panics as Apply does, and if an input lives on a tape other than t.
func ApplyOn[T tensor.Float](t *Tape[T], op Op[T], inputs ...*Var[T]) *Var[T] {
	tp, requires := inputsTape(t, op.Name(), inputs)
	var vals []*tensor.Tensor[T]
	if tp != nil {
		vals = tp.vals.take(len(inputs))
	} else {
		vals = make([]*tensor.Tensor[T], len(inputs))
	}
	for i, in := range inputs {
		vals[i] = in.value
	}
	var ar *tensor.Arena[T]
	var mark tensor.ArenaMark
	if tp != nil && tp.arena != nil {
		if u, ok := op.(ArenaUser[T]); ok {
			ar = tp.arena
			u.UseArena(ar)
			mark = ar.Mark()
		}
	}
	out := op.Forward(vals)
	if out == nil {
		panic(fmt.Sprintf(errNilOutput, op.Name()))
	}
	v := &Var[T]{value: out, tape: tp, node: -1}
	if tp != nil {
		v.gen = tp.gen
	}
	if !requires || (tp != nil && (tp.noGrad || tp.err != nil)) {
		// Not recorded (with the tape stopped on an anomaly, nothing more
		// is): no Backward will run, so what Forward kept for one is
		// scratch.
		if ar.HandedOut(mark) > 1 { // more than the output
			tp.releaseScratch(mark, op, true, out)
		}
		return v
	}
	if r, ok := op.(Recomputer); ok && ar != nil {
		r.DropRecomputable()
	}
	if ar.HandedOut(mark) > 1 {
		tp.releaseScratch(mark, op, false, out)
	}
	v.requiresGrad = true
	if tp == nil {
		v.pending = &node[T]{op: op, inputs: slices.Clone(inputs), out: v}
		return v
	}
	ins := tp.ins.take(len(inputs))
	copy(ins, inputs)
	n := node[T]{op: op, inputs: ins, out: v, from: mark, to: ar.Mark()}
	for _, in := range inputs {
		if in.pending != nil {
			tp.adopt(in)
		}
	}
	tp.record(n)
	return v
}

// record appends n to the tape, first checking its output when anomaly
// detection is on.
func (t *Tape[T]) record(n node[T]) {
	if t.anomaly && t.err == nil && !finite(n.out.value) {
		t.err = newAnomaly(n.op, len(t.nodes), "forward", n.inputs, -1)
	}
	n.out.tape, n.out.gen, n.out.node = t, t.gen, len(t.nodes)
	t.nodes = append(t.nodes, n)
}

// adopt records the history of the pending Var v on the tape: first what its
// pending inputs depend on, then the op that produced v.
func (t *Tape[T]) adopt(v *Var[T]) {
	n := v.pending
	v.pending = nil
	for _, in := range n.inputs {
		if in.pending != nil {
			t.adopt(in)
		}
	}
	if u, ok := n.op.(ArenaUser[T]); ok && t.arena != nil {
		// Forward ran off the tape; Backward takes its gradients from
		// the arena like the tape's own ops.
		u.UseArena(t.arena)
	}
	t.record(*n)
}
