package distributed

import (
	"fmt"
	"sync"
)

// NewLocal returns size communicators that are ranks 0, …, size−1 of one
// group inside this process, for goroutines standing in for processes:
// what tests and single-machine experiments use without MPI. Each rank's
// communicator must be used by one goroutine at a time, and every rank
// must take part in every collective, in the same order, as with MPI: the
// n-th collective a rank calls meets the n-th of every other rank, and
// completes when the last of them arrives, which computes it. Sums add the
// ranks' values in rank order, as MPI's reduction of a few ranks does.
// NewLocal panics if size < 1.
func NewLocal(size int) []Comm {
	if size < 1 {
		panic(fmt.Sprintf(errLocalSize, size))
	}
	g := &localGroup{size: size, ops: make(map[uint64]*localOp)}
	g.cond = sync.NewCond(&g.mu)
	cs := make([]Comm, size)
	for r := range cs {
		cs[r] = &Local{g: g, rank: r}
	}
	return cs
}

// Local is one rank of a group made by NewLocal.
type Local struct {
	g    *localGroup
	rank int
	seq  uint64 // the number of collectives this rank has started
}

type localGroup struct {
	mu   sync.Mutex
	cond *sync.Cond // signalled when a collective completes
	size int
	ops  map[uint64]*localOp // collectives some rank has started, by number
}

// localOp is one collective: each rank's name for it and buffer, until
// the last rank arrives and computes it.
type localOp struct {
	names   []string
	bufs    []any
	arrived int
	done    bool
	err     error
}

// Rank returns the rank of c.
func (c *Local) Rank() int { return c.rank }

// Size returns the number of ranks of c's group.
func (c *Local) Size() int { return c.g.size }

// AllReduceFloat32 replaces buf with the sum of every rank's buf.
func (c *Local) AllReduceFloat32(buf []float32) error {
	return c.wait(start(c, "AllReduce", buf, allReduce[float32]))
}

// AllReduceFloat64 replaces buf with the sum of every rank's buf.
func (c *Local) AllReduceFloat64(buf []float64) error {
	return c.wait(start(c, "AllReduce", buf, allReduce[float64]))
}

// IAllReduceFloat32 starts replacing buf with the sum of every rank's buf;
// the last rank to start it computes it.
func (c *Local) IAllReduceFloat32(buf []float32) (Request, error) {
	return &localRequest{c, start(c, "AllReduce", buf, allReduce[float32])}, nil
}

// IAllReduceFloat64 starts replacing buf with the sum of every rank's buf;
// the last rank to start it computes it.
func (c *Local) IAllReduceFloat64(buf []float64) (Request, error) {
	return &localRequest{c, start(c, "AllReduce", buf, allReduce[float64])}, nil
}

// BroadcastFloat32 copies root's buf into every rank's buf.
func (c *Local) BroadcastFloat32(buf []float32, root int) error {
	if root < 0 || root >= c.g.size {
		return fmt.Errorf(errRoot, root, c.g.size)
	}
	return c.wait(start(c, "Broadcast", buf, func(bufs [][]float32) { broadcast(bufs, root) }))
}

// BroadcastFloat64 copies root's buf into every rank's buf.
func (c *Local) BroadcastFloat64(buf []float64, root int) error {
	if root < 0 || root >= c.g.size {
		return fmt.Errorf(errRoot, root, c.g.size)
	}
	return c.wait(start(c, "Broadcast", buf, func(bufs [][]float64) { broadcast(bufs, root) }))
}

// Barrier returns once every rank has called it.
func (c *Local) Barrier() error {
	return c.wait(start(c, "Barrier", []float64(nil), func([][]float64) {}))
}

// start hands buf to c's next collective; the last rank to arrive checks
// that every rank called the same collective with buffers of the same
// type and length, and runs f on them all.
func start[E any](c *Local, name string, buf []E, f func([][]E)) *localOp {
	g := c.g
	g.mu.Lock()
	defer g.mu.Unlock()
	seq := c.seq
	c.seq++
	op := g.ops[seq]
	if op == nil {
		op = &localOp{names: make([]string, g.size), bufs: make([]any, g.size)}
		g.ops[seq] = op
	}
	op.names[c.rank], op.bufs[c.rank] = name, buf
	op.arrived++
	if op.arrived < g.size {
		return op
	}
	bufs := make([][]E, g.size)
	for r, b := range op.bufs {
		e, ok := b.([]E)
		_, ok0 := op.bufs[0].([]E)
		if op.names[r] != op.names[0] || ok != ok0 { // the last rank, c, has type E and name
			op.err = fmt.Errorf(errLocalOrder, seq, op.names[0], fmt.Sprintf("%T", op.bufs[0]), 0, op.names[r], fmt.Sprintf("%T", b), r)
			break
		}
		bufs[r] = e
	}
	for r, e := range bufs {
		if op.err == nil && len(e) != len(bufs[0]) {
			op.err = fmt.Errorf(errLocalMismatch, name, len(bufs[0]), 0, len(e), r)
		}
	}
	if op.err == nil {
		f(bufs)
	}
	op.bufs, op.done = nil, true
	delete(g.ops, seq)
	g.cond.Broadcast()
	return op
}

// wait returns op's error once it has completed.
func (c *Local) wait(op *localOp) error {
	c.g.mu.Lock()
	defer c.g.mu.Unlock()
	for !op.done {
		c.g.cond.Wait()
	}
	return op.err
}

// localRequest is a collective a Local rank has started without waiting.
type localRequest struct {
	c  *Local
	op *localOp
}

func (r *localRequest) Test() (bool, error) {
	r.c.g.mu.Lock()
	defer r.c.g.mu.Unlock()
	return r.op.done, r.op.err
}

func (r *localRequest) Wait() error { return r.c.wait(r.op) }

func allReduce[E float32 | float64](bufs [][]E) {
	sum := make([]E, len(bufs[0]))
	for _, b := range bufs {
		for i, v := range b {
			sum[i] += v
		}
	}
	for _, b := range bufs {
		copy(b, sum)
	}
}

func broadcast[E any](bufs [][]E, root int) {
	for r, b := range bufs {
		if r != root {
			copy(b, bufs[root])
		}
	}
}
