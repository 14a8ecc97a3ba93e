package gemm

import (
	"runtime"
	"time"

	"github.com/tapegrad/tapegrad/internal/parallel"
)

// The blocked product follows Goto and BLIS. The depth k is cut into
// blocks of about kc steps, C into blocks of at most mc rows and nc columns,
// all as even as the tile allows (shallower depth blocks get wider blocks,
// so that a packed block keeps its size in bytes):
//
//	for each row block ic:                  Ã: mc×kc, packed once per (ic, pc)
//	  for each depth block pc:
//	    for each column block jc:           B̃: kc×nc, packed once per (ic, pc, jc)
//	      for each tile (ir, jr) of the block:
//	        micro-kernel: C[ir, jr] = alpha·Ã[ir]·B̃[jr] + beta'·C[ir, jr]
//
// beta' is beta for the first depth block and 1 for the others, so every
// element of C sums its k terms in the same order, whoever computes it.
// When all of C's columns make one block (n ≤ nc), the rows are not cut
// and there is no Ã: each task of a block packs one A sliver into a buffer
// of its own and computes that sliver's whole row of tiles with it while it
// is in L1 ("fusedA" blocks). The A sliver sits in L1 and the B̃ slivers
// stream from L2, so kc·mr values must fit L1 and kc·nc values L2. Each
// goroutine packs the B̃ of a depth block for itself, into a buffer of its
// own, before its first task of the block: B̃ is then packed once per
// goroutine rather than once, but every core reads the B̃ it wrote. A
// shared B̃, packed in parallel, had each core read half of it from the
// other core's cache, and packing it took four times as long on two cores
// as on one (W1's forward X·Wᵀ, 200×3072·(100×3072)ᵀ: 562 µs with a shared
// B̃, 433 µs with one per goroutine).
//
// When, instead, all of C's rows make one block (m ≤ mc) and the columns do
// not, or both make one block and there are fewer rows than columns, the
// columns are not cut and there is no B̃: each task packs a few B slivers
// (one, unless the block is shallower than kc) into its buffer and computes
// their columns of tiles against Ã, which each goroutine packs for itself
// ("fusedB" blocks: a linear layer's weight gradient dYᵀ·X, 100×200·200×3072
// in W1, and W1b's forward 200×3072·(512×3072)ᵀ). Whoever reads a packed
// value packed it, for the same reason: with a shared B̃, W1's weight
// gradient took as long on two cores as on one. Of two operands that each
// make one block, the smaller is the one packed once per goroutine. With
// more than two goroutines, packing per goroutine multiplies the packing
// by their number while each one's share of the product shrinks, and the
// panel is shared again (packing tasks, as for the other blocks) unless it
// serves enough rows or columns of C (ownPanels): only two cores were
// measured.
//
// The work of a call is a fixed list of phases, each a fixed list of tasks
// that may run in any order: phase 0 packs the first block's Ã and B̃, if
// it has shared ones; each phase then computes a block (a task is a run of
// tiles in one row of tiles, or the tiles of a fused block's own slivers)
// and packs the next (a task is a sliver of Ã, or a range of steps or
// slivers of B̃). Ã and B̃ are double-buffered, so packing block i while
// block i−1 is computed overwrites only what block i−2 read. The goroutines
// of a call (the caller and helpers of the crew, GOMAXPROCS in all at most)
// claim the tasks of the current phase one by one, and the phase ends when
// all of its tasks are done. Which goroutine runs a task changes from run
// to run; what the task computes does not: each tile of C is computed by
// one goroutine, from the same packed values, in the same order, and the
// partition into tasks depends on the shape alone. Claiming rather than a
// fixed share per goroutine keeps every core busy when a helper starts
// late or is descheduled.

// bounds of the blocks of one dimension: block b is [at[b], at[b+1]).
type bounds []int

// split cuts [0, n) into blocks of at most size (a multiple of unit), as
// even as whole units allow, into at's storage.
func split(at bounds, n, size, unit int) bounds {
	units := (n + unit - 1) / unit
	per := max(size/unit, 1)
	blocks := (units + per - 1) / per
	at = resize(at, blocks+1)
	for i := range at {
		at[i] = min(i*units/blocks*unit, n)
	}
	return at
}

// splitDepth cuts [0, k) into blocks of about size steps, as even as
// possible: a depth up to a quarter more than size stays one block.
func splitDepth(at bounds, k, size int) bounds {
	blocks := max(1, (k+size+size/4-1)/(size+size/4))
	at = resize(at, blocks+1)
	for i := range at {
		at[i] = i * k / blocks
	}
	return at
}

// resize returns at with length n, reusing its storage.
func resize(at bounds, n int) bounds {
	if cap(at) < n {
		return make(bounds, n)
	}
	return at[:n]
}

// block is one (ic, pc, jc) block of the loop nest.
type block struct {
	i0, i1, p0, p1, j0, j1 int
	nir, njr               int  // tiles down and across
	lastA, lastB           int  // height of the last tile row, width of the last tile column
	run                    int  // tiles a compute task covers; in fusedB blocks, B slivers
	a, b                   int  // Ã and B̃ buffer (0 or 1)
	packA                  bool // packing tasks pack the block's Ã: it starts a new, shared one
	packB                  bool // packing tasks pack the block's B̃: the goroutines share it
	fusedA                 bool // compute tasks pack their own A sliver (see plan)
	fusedB                 bool // compute tasks pack their own B sliver (see plan)
}

// taskWork is about how many multiply-adds a compute task does: a run of
// tiles of one tile row, long enough that claiming it costs little, short
// enough that goroutines finish a phase together.
const taskWork = 1 << 19

func (bk *block) computeTasks() int {
	switch {
	case bk.fusedA:
		return bk.nir
	case bk.fusedB:
		return (bk.njr + bk.run - 1) / bk.run
	}
	return bk.nir * ((bk.njr + bk.run - 1) / bk.run)
}

// minWorkPerWorker is the least number of multiply-adds (m·n·k) a
// goroutine gets: below it, a second goroutine costs the step more than it
// saves.
//
// Set on 2026-12-03 from whole training steps, not from products alone. On
// the project's 2-vCPU AMD EPYC VM a product repeated on hot operands is
// faster on two goroutines than on one at these sizes when its rows split
// well (X·Wᵀ of 200x784x100, 15.7M multiply-adds: 134 against 178 µs; of
// 200x3072x100: 520 against 719 µs) and as fast when they do not (their
// dW), measured in separate processes (-cpu 1,2 in one process measured
// two threads for the -cpu 1 sub-benchmarks too). Inside a step the split
// pays for large products and costs small ones, whose operands and
// results the next op then reads from the other core's cache. Test
// binaries alternated at -cpu 2,
// medians of three rounds, 1<<23 against the 1<<19 of 2026-12-02: W8 (an
// LSTM whose per-step products are 128×128×512, 8.4M) 27.6 → 24.6 ms, W1s
// (784→100→10, 15.7M a product) 518 → 486 µs and its trainer 559 → 539 µs,
// W10 2848 → 2764 µs; W1 (61M) 1497 µs both, W1b, W2, W2e and W9 within
// ±1.2%. Forcing one goroutine on every product (1<<40) made W1 1608 µs
// and W1b 9.5 ms against 6.9. Rechecked after the fused blocks stopped
// sharing packed panels (which made the dW above, 200x3072x100, 672 →
// 403 µs on two goroutines): 1<<22 and 1<<21 made W1s 1–2% and its
// trainer 5–7% faster but W8 8% slower. Tests lower it (splitSmall), so
// that their small products still run on several goroutines.
var minWorkPerWorker = 1 << 23

// fusedDepth is about the depth of the blocks (splitDepth's, up to a
// quarter deeper) of a fusedA product (one block of columns) whose B̃
// block, fusedDepth steps of its columns, takes at most a quarter of the
// kc·nc values a block may hold, when the kernel's kc is shallower: a
// linear layer's forward X·Wᵀ with few outputs and many inputs, such as
// W1's 200×3072·(100×3072)ᵀ. Each depth block is a phase, which the call's
// goroutines end together, and a pass over C's tiles; cutting that
// product's 12 to 5 made it 2–3% faster on one core (AVX-512, 2026-12-02,
// 300 interleaved products, 10th and 50th percentiles, four runs), and the
// 784-input one of W1s (3 to 2) as much, while 200×3072·(64×3072)ᵀ stayed
// within ±1%.
const fusedDepth = 512

// maxWorkers, when positive, replaces the number of CPUs as a bound on the
// goroutines of a call: tests raise it to run more goroutines than CPUs.
var maxWorkers int

// blocked computes the product with packed blocks and kernel kern.
func (p *problem[T]) blocked(kern *kernel[T]) {
	j := getJob[T]()
	j.p, j.kern = *p, kern
	cpus := runtime.NumCPU()
	if maxWorkers > 0 {
		cpus = maxWorkers
	}
	workers := min(runtime.GOMAXPROCS(0), cpus, max(1, p.m*p.n*p.k/minWorkPerWorker))
	if p.workers > 0 {
		workers = min(workers, p.workers)
	}
	j.plan(workers)
	ws := j.ws
	for len(ws.tile) < workers {
		ws.tile = append(ws.tile, nil)
	}
	for len(ws.sliver) < workers {
		ws.sliver = append(ws.sliver, nil)
	}
	for len(ws.own) < workers {
		ws.own = append(ws.own, nil)
	}
	j.owned = j.owned[:0]
	for w := range workers {
		ws.tile[w] = grow(ws.tile[w], kern.mr*kern.nr)
		ws.sliver[w] = grow(ws.sliver[w], j.sliverSize)
		ws.own[w] = grow(ws.own[w], j.ownSize)
		j.owned = append(j.owned, -1)
	}
	j.workers = workers
	switch {
	case workers == 1:
		j.refs.Store(1)
		j.run(0)
	case publishTo(j, workers):
		j.run(0)
		parallel.Withdraw(j)
		// Helpers that took part leave as soon as they see the last phase
		// done; waiting for them a moment lets the next call reuse j.
		for start := time.Now(); j.refs.Load() > 1 && time.Since(start) < leaveWait; {
		}
	default:
		// Another call holds the crew: start helpers of this call's own.
		j.refs.Store(int32(workers))
		for w := 1; w < workers; w++ {
			go j.Work(w)
		}
		// Let a helper start on this thread now rather than when this
		// goroutine blocks: another thread picks this one up sooner.
		runtime.Gosched()
		j.run(0)
	}
	j.finish()
	j.release()
}

// publishTo offers j, a job of workers goroutines, to the crew
// (parallel.Offer); it reports false if another call's job holds the crew.
func publishTo[T Float](j *job[T], workers int) bool {
	j.refs.Store(1)
	return parallel.Offer(j, workers)
}

// ownCost is about what packing a value costs in multiply-adds of the
// micro-kernel: on the project's AVX-512 VM, 57 µs to pack W1's 100×3072
// B̃ (393K values with the padding) against 225 GFLOP/s.
const ownCost = 20

// ownPanels reports whether the goroutines of a fused product each pack the
// operand that is not packed sliver by sliver (see job.own), given the
// rows (fusedA) or columns (fusedB) of C that each packed value serves. On
// two goroutines that always paid here: a shared panel read half from the
// other core cost more than packing it twice. With more, packing the whole
// panel per goroutine grows with their number while each one's share of
// the product shrinks; it is kept to a quarter of that share.
func ownPanels(workers, serves int) bool {
	return workers <= 2 || 4*ownCost*workers <= serves
}

// plan lists the blocks and phases of j's problem, to be computed by up to
// workers goroutines, and sizes its buffers.
func (j *job[T]) plan(workers int) {
	p, kern := &j.p, j.kern
	mr, nr := kern.mr, kern.nr
	// Blocks shallower than kc are wider, so that a packed block keeps its
	// size in bytes: a product with a small k is packed in few big blocks.
	deps := splitDepth(j.deps, p.k, kern.kc)
	depth := deps[1] - deps[0]
	cols := split(j.cols, p.n, kern.nc*kern.kc/depth, nr)
	// With one block of columns, each A sliver meets every B̃ sliver of its
	// depth block once: a compute task packs its sliver itself, into a
	// buffer of its own, and computes the whole row of tiles while the
	// sliver is in L1. Without Ã there is no reason to cut the rows.
	fusedA := len(cols) == 2
	if fusedA && kern.kc < fusedDepth && fusedDepth*((p.n+nr-1)/nr*nr) <= kern.kc*kern.nc/4 {
		deps = splitDepth(deps, p.k, fusedDepth)
		depth = deps[1] - deps[0]
	}
	// With one block of rows, each B sliver meets every Ã sliver of its
	// depth block once: the same, the other way round.
	rows := split(j.rows, p.m, kern.mc*kern.kc/depth, mr)
	// With one block of each, the goroutines each pack the smaller
	// operand's block (see job.own).
	fusedB := len(rows) == 2 && (!fusedA || p.m < p.n)
	fusedA = fusedA && !fusedB
	own := fusedA && ownPanels(workers, p.m) || fusedB && ownPanels(workers, p.n)
	switch {
	case fusedA:
		rows = append(rows[:0], 0, p.m)
	case fusedB:
		cols = append(cols[:0], 0, p.n)
	}
	j.rows, j.cols, j.deps = rows, cols, deps
	j.blocks = j.blocks[:0]
	j.sliverSize = 0
	sizeA, sizeB := 0, 0
	version := 0
	for ib := 1; ib < len(rows); ib++ {
		for pb := 1; pb < len(deps); pb++ {
			for jb := 1; jb < len(cols); jb++ {
				bk := block{
					i0: rows[ib-1], i1: rows[ib], p0: deps[pb-1], p1: deps[pb], j0: cols[jb-1], j1: cols[jb],
					a: version % 2, b: len(j.blocks) % 2, fusedA: fusedA, fusedB: fusedB,
					packA: jb == 1 && !fusedA && !(fusedB && own), packB: !fusedB && !(fusedA && own),
				}
				bk.nir = (bk.i1 - bk.i0 + mr - 1) / mr
				bk.njr = (bk.j1 - bk.j0 + nr - 1) / nr
				bk.lastA = lastWidth(bk.i1-bk.i0, mr, kern.fnM != nil, false, false)
				bk.lastB = lastWidth(bk.j1-bk.j0, nr, kern.fnN != nil, kern.fnQ != nil, kern.fnE != nil)
				bk.run = min(max(1, taskWork/(mr*nr*(bk.p1-bk.p0))), bk.njr)
				switch {
				case fusedA:
					j.sliverSize = max(j.sliverSize, mr*(bk.p1-bk.p0))
				case fusedB:
					// As many B slivers as one of the kernel's depth
					// takes: shallow products write C in longer rows.
					bk.run = min(max(1, kern.kc/(bk.p1-bk.p0)), bk.njr)
					j.sliverSize = max(j.sliverSize, bk.run*nr*(bk.p1-bk.p0))
				}
				if !fusedA {
					sizeA = max(sizeA, bk.nir*mr*(bk.p1-bk.p0))
				}
				if !fusedB {
					sizeB = max(sizeB, bk.njr*nr*(bk.p1-bk.p0))
				}
				j.blocks = append(j.blocks, bk)
			}
			version++
		}
	}
	// With own panels each goroutine packs the Ã or B̃ blocks it reads
	// (see job.own), and no block has packing tasks.
	j.ownSize, j.lag, j.ownPanels = 0, 1, own
	switch {
	case own && fusedA:
		j.ownSize, sizeB, j.lag = sizeB, 0, 0
	case own && fusedB:
		j.ownSize, sizeA, j.lag = sizeA, 0, 0
	}
	for i := range 2 {
		j.ws.a[i] = grow(j.ws.a[i], sizeA)
		j.ws.b[i] = grow(j.ws.b[i], sizeB)
	}
	// Phase i computes block i−lag and packs block i+1−lag.
	lag := int(j.lag)
	n := len(j.blocks) + lag
	if cap(j.phases) < n {
		j.phases = make([]phase, n)
	}
	j.phases = j.phases[:n]
	for i := range j.phases {
		ph := &j.phases[i]
		ph.compute, ph.pack = 0, 0
		if i >= lag {
			ph.compute = int32(j.blocks[i-lag].computeTasks())
		}
		if i+1-lag < len(j.blocks) {
			pa, pb := j.panels(&j.blocks[i+1-lag])
			if pa.x1 > pa.x0 {
				ph.pack = int32(pa.tasks())
			}
			if pb.x1 > pb.x0 {
				ph.pack += int32(pb.tasks())
			}
		}
		ph.claimed.Reset()
		ph.done.Store(0)
	}
	j.current.Store(0)
}
