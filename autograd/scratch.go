package autograd

import "github.com/tapegrad/tapegrad/tensor"

// slab hands out short slices of a larger backing array, so that the
// slices a step records — the input values Apply hands to an op's Forward,
// a node's inputs — come from storage the tape reuses step after step
// instead of one allocation each. A slice handed out is never written again
// before reset, which the tape calls at Reset, when nothing recorded
// before it may be used any more. When the array is full, a larger one
// takes its place and the full one stays with the slices that use it.
type slab[E any] struct {
	buf []E
	n   int // elements handed out from buf since the last reset
}

// take returns a slice of k elements, zero, whose capacity is k: appending
// to it does not reach the next one.
func (s *slab[E]) take(k int) []E {
	if s.n+k > len(s.buf) {
		s.buf, s.n = make([]E, max(2*len(s.buf), 64, k)), 0
	}
	out := s.buf[s.n : s.n+k : s.n+k]
	s.n += k
	return out
}

// reset takes back every slice handed out, zeroing them so that they keep
// nothing alive.
func (s *slab[E]) reset() {
	clear(s.buf[:s.n])
	s.n = 0
}

// varPool holds the Vars a tape that reuses buffers made in one
// generation, for the generation after next to reuse (Tape.newVar).
type varPool[T tensor.Float] struct {
	vars []*Var[T]
	n    int // handed out in the pool's present generation
}

// newVar returns a zero Var for the tape's present generation. On a tape
// that reuses buffers it comes from the pool of the generation's parity:
// the Vars made two Resets ago, whose values and gradients, being the
// arena's, were invalid since the Reset after them anyway. A Var kept past
// one Reset is untouched, so that using it still panics as stale; one kept
// past two may have become a Var of the present step. Elsewhere it is a new
// Var.
func (t *Tape[T]) newVar() *Var[T] {
	if t.arena == nil {
		return new(Var[T])
	}
	p := &t.vars[t.gen%2]
	if p.n == len(p.vars) {
		p.vars = append(p.vars, new(Var[T]))
	}
	v := p.vars[p.n]
	p.n++
	*v = Var[T]{}
	return v
}
