package autograd

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
