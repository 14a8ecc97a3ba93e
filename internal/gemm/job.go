package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tapegrad/tapegrad/internal/parallel"
)

// A job runs as phases of tasks that goroutines claim (see driver.go).

// phase is one phase's tasks — compute tasks first, then packing tasks —
// and how many have been claimed and finished.
type phase struct {
	compute, pack int32
	claimed       parallel.Ends
	done          atomic.Int32
	_             [44]byte // keep phases on separate cache lines
}

// job is one call's blocked product: its plan, buffers and progress. The
// last goroutine that leaves it keeps it for the next call.
type job[T Float] struct {
	p      problem[T]
	kern   *kernel[T]
	blocks []block
	phases []phase
	ws     *workspace[T]

	rows, cols, deps bounds // the blocks' bounds, kept for their storage
	sliverSize       int    // the values of a goroutine's sliver buffer
	ownSize          int    // the values of a goroutine's own B̃ (fusedA) or Ã (fusedB)
	owned            []int  // the block whose B̃ or Ã each goroutine's own buffer holds
	lag              int32  // 1 if phase 0 packs the first block, else 0
	ownPanels        bool   // fused blocks pack their Ã or B̃ per goroutine (see ownPanels)

	workers  int          // goroutines that may take part, numbered from 0
	current  atomic.Int32 // the phase being worked on; len(phases) when done
	refs     atomic.Int32 // goroutines still using the job
	mu       sync.Mutex
	cond     sync.Cond
	sleepers int
}

// workspace is the buffers of a job. The caller that made the job gives
// them back as soon as the last phase is done (helpers still leaving the
// job do not touch them), so that the next call reuses them.
type workspace[T Float] struct {
	a, b   [2][]T // Ã and B̃, double-buffered
	tile   [][]T  // an mr×nr tile per goroutine, for edge tiles
	sliver [][]T  // an A or B sliver per goroutine, for fused blocks
	own    [][]T  // a B̃ (fusedA) or Ã (fusedB) per goroutine
}

// getJob returns a job and a workspace for a call, reused if any are kept.
func getJob[T Float]() *job[T] {
	var j *job[T]
	if x, ok := listFor[T](&jobs32, &jobs64).get(); ok {
		j = x.(*job[T])
	} else {
		j = new(job[T])
		j.cond.L = &j.mu
	}
	if x, ok := listFor[T](&spaces32, &spaces64).get(); ok {
		j.ws = x.(*workspace[T])
	} else {
		j.ws = new(workspace[T])
	}
	return j
}

// finish gives j's workspace back; the caller calls it once the last phase
// is done.
func (j *job[T]) finish() {
	listFor[T](&spaces32, &spaces64).put(j.ws)
	j.ws = nil
}

// release drops a goroutine's use of j; the last one keeps it for reuse.
func (j *job[T]) release() {
	if j.refs.Add(-1) != 0 {
		return
	}
	j.p = problem[T]{} // do not keep the caller's matrices alive
	listFor[T](&jobs32, &jobs64).put(j)
}

// Join lets helper w take part in j, if j has room for it and is not over
// (parallel.Job).
func (j *job[T]) Join(w int) bool {
	if w >= j.workers || j.current.Load() >= int32(len(j.phases)) {
		return false
	}
	j.refs.Add(1)
	return true
}

// Work runs j's tasks as goroutine w, then leaves j (parallel.Job).
func (j *job[T]) Work(w int) {
	j.run(w)
	j.release()
}

// run claims and runs tasks until the last phase is done; w numbers the
// goroutine among the call's. Goroutine 1 claims each phase's tasks from
// the back, the others from the front (parallel.Ends), so that on two
// goroutines each computes one contiguous run of C's tiles, the same from
// call to call, rather than every other tile. Binaries with both orders
// alternated (2026-12-04, AVX-512, eight rounds, medians) ran W1 in 1235
// against 1307 µs, W1b in 5.66 against 6.02 ms; in four rounds W4's
// 256x4608x512 −9%, W10 −7%, W9 −4%, W2e −3.5%, W2, W1s and W8 within
// ±2%.
func (j *job[T]) run(w int) {
	n := int32(len(j.phases))
	for {
		ph := j.current.Load()
		if ph >= n {
			return
		}
		counts := &j.phases[ph]
		total := counts.compute + counts.pack
		t, ok := counts.claimed.Claim(int(total), w)
		if !ok {
			j.await(ph)
			continue
		}
		if t < int(counts.compute) {
			j.compute(int(ph-j.lag), t, w)
		} else {
			j.pack(&j.blocks[ph+1-j.lag], t-int(counts.compute))
		}
		if counts.done.Add(1) == total {
			j.current.Store(ph + 1)
			j.mu.Lock()
			if j.sleepers > 0 {
				j.cond.Broadcast()
			}
			j.mu.Unlock()
		}
	}
}

// leaveWait is how long a call waits for its helpers to leave its job.
const leaveWait = 20 * time.Microsecond

// spinTime is how long a goroutine with nothing left to claim spins for
// the phase to end before it sleeps; phases last microseconds, waking a
// sleeping thread takes about as long as a phase.
const spinTime = 100 * time.Microsecond

// await returns when phase ph is over.
func (j *job[T]) await(ph int32) {
	var start time.Time
	for i := 1; j.current.Load() == ph; i++ {
		if i%128 != 0 {
			continue
		}
		if start.IsZero() {
			start = time.Now()
		} else if time.Since(start) > spinTime {
			j.mu.Lock()
			j.sleepers++
			for j.current.Load() == ph {
				j.cond.Wait()
			}
			j.sleepers--
			j.mu.Unlock()
			return
		}
		runtime.Gosched()
	}
}

// panels returns the panels of Ã and B̃ the packing tasks of block bk
// pack, shared by the goroutines; either is empty (no lines) when the
// block has none to pack (packA, packB).
func (j *job[T]) panels(bk *block) (pa, pb panel[T]) {
	if bk.packA {
		pa = j.panelA(bk, j.ws.a[bk.a])
	}
	if bk.packB {
		pb = j.panelB(bk, j.ws.b[bk.b])
	}
	return pa, pb
}

// panelA returns the panel of block bk's Ã, packed into dst.
func (j *job[T]) panelA(bk *block, dst []T) panel[T] {
	p, kern := &j.p, j.kern
	return panel[T]{dst: dst, src: p.a, ld: p.lda, runs: p.transA,
		x0: bk.i0, x1: bk.i1, p0: bk.p0, kc: bk.p1 - bk.p0, w: kern.mr, last: bk.lastA, fast: kern.fastPack}
}

// panelB returns the panel of block bk's B̃, packed into dst.
func (j *job[T]) panelB(bk *block, dst []T) panel[T] {
	p, kern := &j.p, j.kern
	return panel[T]{dst: dst, src: p.b, ld: p.ldb, runs: !p.transB,
		x0: bk.j0, x1: bk.j1, p0: bk.p0, kc: bk.p1 - bk.p0, w: kern.nr, last: bk.lastB, fast: kern.fastPack}
}

// own returns goroutine w's own copy of block bi's B̃ (fusedA) or Ã
// (fusedB), which it packs first unless its buffer holds it already.
func (j *job[T]) own(bi, w int) []T {
	own := j.ws.own[w]
	if j.owned[w] != bi {
		bk := &j.blocks[bi]
		pn := j.panelB(bk, own)
		if bk.fusedB {
			pn = j.panelA(bk, own)
		}
		pn.packAll()
		j.owned[w] = bi
	}
	return own
}

// pack runs packing task t of block bk: the tasks of Ã's panel first, then
// those of B̃'s.
func (j *job[T]) pack(bk *block, t int) {
	pa, pb := j.panels(bk)
	if pa.x1 > pa.x0 {
		if n := pa.tasks(); t < n {
			pa.pack(t)
			return
		} else {
			t -= n
		}
	}
	pb.pack(t)
}

// compute runs compute task t of block bi as goroutine w: up to bk.run
// tiles of one tile row; in a block whose tasks pack their own A (B)
// sliver, that sliver's whole row (column) of tiles.
func (j *job[T]) compute(bi, t, w int) {
	bk := &j.blocks[bi]
	tile, sliver := j.ws.tile[w], j.ws.sliver[w]
	p, kern := &j.p, j.kern
	mr, nr := kern.mr, kern.nr
	kc := bk.p1 - bk.p0
	var ir0, ir1, jr0, jr1 int
	switch {
	case bk.fusedA:
		ir0, ir1, jr0, jr1 = t, t+1, 0, bk.njr
	case bk.fusedB:
		ir0, ir1, jr0, jr1 = 0, bk.nir, t*bk.run, min(t*bk.run+bk.run, bk.njr)
	default:
		runs := (bk.njr + bk.run - 1) / bk.run
		ir0, jr0 = t/runs, t%runs*bk.run
		ir1, jr1 = ir0+1, min(jr0+bk.run, bk.njr)
	}
	beta, load := p.beta, 1
	switch {
	case bk.p0 > 0:
		beta = 1
	case p.beta == 0:
		load = 0
	}
	abuf, bbuf := j.ws.a[bk.a], j.ws.b[bk.b]
	switch {
	case !j.ownPanels:
	case bk.fusedA:
		bbuf = j.own(bi, w)
	case bk.fusedB:
		abuf = j.own(bi, w)
	}
	if bk.fusedB {
		last := nr
		if jr1 == bk.njr {
			last = bk.lastB
		}
		pb := j.panelB(bk, sliver) // narrowed to the task's slivers
		pb.x0, pb.x1, pb.last = bk.j0+jr0*nr, min(bk.j0+jr1*nr, bk.j1), last
		// One sliver is copied step by step with copy: the assembly's
		// call per step of 32 values made W1's weight gradient 15%
		// slower.
		if jr1-jr0 == 1 {
			pb.packSliver()
		} else {
			pb.packAll()
		}
	}
	for ir := ir0; ir < ir1; ir++ {
		i := bk.i0 + ir*mr
		rows, h := min(mr, bk.i1-i), mr
		if ir == bk.nir-1 {
			h = bk.lastA
		}
		var a *T
		if bk.fusedA {
			pa := j.panelA(bk, sliver) // narrowed to the task's sliver
			pa.x0, pa.x1, pa.last = i, i+rows, h
			pa.packSliver()
			a = &sliver[0]
		} else {
			a = &abuf[ir*mr*kc]
		}
		for jr := jr0; jr < jr1; jr++ {
			jj := bk.j0 + jr*nr
			cols, w := min(nr, bk.j1-jj), nr
			if jr == bk.njr-1 {
				w = bk.lastB
			}
			var b *T
			if bk.fusedB {
				b = &sliver[(jr-jr0)*nr*kc]
			} else {
				b = &bbuf[jr*nr*kc]
			}
			fn := kern.tileFor(h, w)
			if rows == h && cols == w {
				fn(kc, a, b, &p.c[i*p.ldc+jj], p.ldc, p.alpha, beta, load)
				continue
			}
			// An edge tile: computed whole into tile, then the part inside C
			// merged.
			fn(kc, a, b, &tile[0], w, 1, 0, 0)
			for r := range rows {
				crow := p.c[(i+r)*p.ldc+jj : (i+r)*p.ldc+jj+cols]
				trow := tile[r*w : r*w+cols]
				if load == 0 {
					for q, v := range trow {
						crow[q] = p.alpha * v
					}
				} else {
					for q, v := range trow {
						crow[q] = p.alpha*v + beta*crow[q]
					}
				}
			}
		}
	}
}
