package distributed

import (
	"fmt"
	"sync"
)

// NewLocal returns size communicators that are ranks 0, …, size−1 of one
// group inside this process, for goroutines standing in for processes:
// what tests and single-machine experiments use without MPI. Each rank's
// communicator must be used by one goroutine at a time, and every rank
// must take part in every collective, as with MPI. Sums add the ranks'
// values in rank order, as MPI's reduction of a few ranks does.
// NewLocal panics if size < 1.
func NewLocal(size int) []Comm {
	if size < 1 {
		panic(fmt.Sprintf(errLocalSize, size))
	}
	g := &localGroup{size: size, bufs: make([]any, size)}
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
}

type localGroup struct {
	mu      sync.Mutex
	cond    *sync.Cond
	size    int
	arrived int
	gen     uint64
	bufs    []any // each rank's buffer in the current collective
	err     error // the current collective's error
}

// Rank returns the rank of c.
func (c *Local) Rank() int { return c.rank }

// Size returns the number of ranks of c's group.
func (c *Local) Size() int { return c.g.size }

// AllReduceFloat32 replaces buf with the sum of every rank's buf.
func (c *Local) AllReduceFloat32(buf []float32) error {
	return collect(c, "AllReduce", buf, allReduce[float32])
}

// AllReduceFloat64 replaces buf with the sum of every rank's buf.
func (c *Local) AllReduceFloat64(buf []float64) error {
	return collect(c, "AllReduce", buf, allReduce[float64])
}

// BroadcastFloat32 copies root's buf into every rank's buf.
func (c *Local) BroadcastFloat32(buf []float32, root int) error {
	if root < 0 || root >= c.g.size {
		return fmt.Errorf(errRoot, root, c.g.size)
	}
	return collect(c, "Broadcast", buf, func(bufs [][]float32) { broadcast(bufs, root) })
}

// BroadcastFloat64 copies root's buf into every rank's buf.
func (c *Local) BroadcastFloat64(buf []float64, root int) error {
	if root < 0 || root >= c.g.size {
		return fmt.Errorf(errRoot, root, c.g.size)
	}
	return collect(c, "Broadcast", buf, func(bufs [][]float64) { broadcast(bufs, root) })
}

// Barrier returns once every rank has called it.
func (c *Local) Barrier() error {
	return collect(c, "Barrier", []float64(nil), func([][]float64) {})
}

// collect waits for every rank of c's group to hand its buffer; the last
// to arrive checks their lengths and runs f on them all while the others
// wait.
func collect[E any](c *Local, name string, buf []E, f func([][]E)) error {
	g := c.g
	g.mu.Lock()
	defer g.mu.Unlock()
	g.bufs[c.rank] = buf
	g.arrived++
	if g.arrived < g.size {
		for gen := g.gen; gen == g.gen; {
			g.cond.Wait()
		}
		return g.err
	}
	bufs := make([][]E, g.size)
	g.err = nil
	for r, b := range g.bufs {
		bufs[r] = b.([]E)
		if len(bufs[r]) != len(bufs[0]) && g.err == nil {
			g.err = fmt.Errorf(errLocalMismatch, name, len(bufs[0]), 0, len(bufs[r]), r)
		}
	}
	if g.err == nil {
		f(bufs)
	}
	clear(g.bufs)
	g.arrived = 0
	g.gen++
	g.cond.Broadcast()
	return g.err
}

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
