package autograd

// SavedBytesByOp splits SavedBytes by op name: the bytes the recorded ops
// keep for the backward pass, each tensor counted once, under the name of
// the first node that keeps it, plus what ExtraSaver reports. The values
// sum to SavedBytes.
func (t *Tape[T]) SavedBytesByOp() map[string]int {
	seen := make(map[*T]int)
	by := make(map[string]int)
	for _, n := range t.nodes {
		for _, s := range n.op.Saved() {
			if s == nil || s.Size() == 0 {
				continue
			}
			key := &s.Data()[0]
			if b := s.Bytes(); b > seen[key] {
				by[n.op.Name()] += b - seen[key]
				seen[key] = b
			}
		}
		if e, ok := n.op.(ExtraSaver); ok {
			by[n.op.Name()] += e.ExtraSavedBytes()
		}
	}
	return by
}

// BufferBytes returns the storage the tape's arena holds, handed out or
// free (tensor.Arena.Bytes), or 0 if the tape does not reuse buffers.
func (t *Tape[T]) BufferBytes() int {
	if t.arena == nil {
		return 0
	}
	return t.arena.Bytes()
}
