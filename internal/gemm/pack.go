package gemm

// Packing copies a block of op(A) or op(B) into slivers the micro-kernel
// reads in order: an A sliver is mr rows of op(A) laid out step by step
// (kc steps of mr values), a B sliver nr columns of op(B) laid out the same
// way (kc steps of nr values). Rows or columns past the matrix's edge are
// zeros, so the kernel always computes a whole tile. Transposed operands
// are read where they lie: packing is where the transpose happens.
//
// A block is packed in tasks that run in parallel. Where a step of the
// slivers is a run of the matrix as stored (A transposed, B not), a task is
// a range of steps, read row after row of the stored matrix; where a
// sliver's row or column is a run (A not transposed, B transposed), a task
// is one sliver, transposed in 8×8 (float32) or 4×4 (float64) blocks.

// panel is one block of op(A) (or op(B)) to pack: its lines [x0, x1) —
// rows of op(A), columns of op(B) — and steps [p0, p0+kc), into slivers of
// w lines at dst, sliver s at dst[s·w·kc:].
type panel[T Float] struct {
	dst    []T
	src    []T
	ld     int
	runs   bool // line x at step p is src[p·ld + x]; else src[x·ld + p]
	x0, x1 int
	p0, kc int
	w      int
	last   int  // the width of the last sliver: w, w/2, w/4 or w/8 (see lastWidth)
	fast   bool // use the assembly transposes
}

// packWork is about how many values a task of a runs panel packs: a range
// of steps of a range of its slivers.
const packWork = 1 << 13

func (pn *panel[T]) slivers() int { return (pn.x1 - pn.x0 + pn.w - 1) / pn.w }

// runsSplit returns how a runs panel is cut into tasks: steps per task and
// slivers per task.
func (pn *panel[T]) runsSplit() (steps, slivers int) {
	n := pn.slivers()
	steps = min(pn.kc, max(8, packWork/(n*pn.w)))
	slivers = min(n, max(1, packWork/(steps*pn.w)))
	return steps, slivers
}

// tasks returns the number of tasks the panel is packed in.
func (pn *panel[T]) tasks() int {
	if pn.runs {
		steps, slivers := pn.runsSplit()
		return (pn.kc + steps - 1) / steps * ((pn.slivers() + slivers - 1) / slivers)
	}
	return pn.slivers()
}

// pack runs task t.
func (pn *panel[T]) pack(t int) {
	w, kc := pn.w, pn.kc
	if pn.runs {
		steps, slivers := pn.runsSplit()
		groups := (pn.slivers() + slivers - 1) / slivers
		q0, s0 := t/groups*steps, t%groups*slivers
		lines := pn.x1 - pn.x0
		s1 := min(pn.slivers(), s0+slivers)
		full := s1 // slivers [s0, full) are whole and w wide
		if s1 == pn.slivers() && (s1*w > lines || pn.last != w) {
			full = s1 - 1 // the panel's last sliver: part of a sliver, or narrower
		}
		for q := q0; q < min(kc, q0+steps); q++ {
			src := pn.src[(pn.p0+q)*pn.ld+pn.x0 : (pn.p0+q)*pn.ld+pn.x1]
			copyRuns(pn.dst[s0*w*kc+q*w:], w*kc, src[s0*w:], w, full-s0, pn.fast)
			if full < s1 {
				ws := pn.last
				d := pn.dst[full*w*kc+q*ws : full*w*kc+q*ws+ws]
				n := copy(d, src[full*w:])
				clear(d[n:])
			}
		}
		return
	}
	x := pn.x0 + t*w
	lines := min(w, pn.x1-x)
	if x+w >= pn.x1 {
		w = pn.last
	}
	d := pn.dst[t*pn.w*kc : t*pn.w*kc+w*kc]
	transpose(d, w, pn.src[x*pn.ld+pn.p0:], pn.ld, lines, kc, pn.fast)
	for r := lines; r < w; r++ {
		for p := range kc {
			d[p*w+r] = 0
		}
	}
}

// packAll runs every task of the panel.
func (pn *panel[T]) packAll() {
	for t := range pn.tasks() {
		pn.pack(t)
	}
}

// transpose writes rows [0, rows) of src, n values each, as columns of dst:
// dst[p·ldd + r] = src[r·lds + p]. With fast set it uses the assembly
// transposes where the CPU has them, for whole groups of rows and steps.
func transpose[T Float](dst []T, ldd int, src []T, lds, rows, n int, fast bool) {
	r, done := 0, 0
	if fast {
		r, done = transposeAsm(dst, ldd, src, lds, rows, n)
	}
	// What the assembly left: the last steps of its rows, and whole rows.
	for q := range rows {
		p0 := done
		if q >= r {
			p0 = 0
		}
		if p0 == n {
			continue
		}
		srow := src[q*lds+p0 : q*lds+n]
		dq := dst[q+p0*ldd:]
		for p, v := range srow {
			dq[p*ldd] = v
		}
	}
}

// copyRuns copies n runs of w values, src[s·w:(s+1)·w] to dst[s·ldd:], for
// s < n; fast says it may use assembly.
func copyRuns[T Float](dst []T, ldd int, src []T, w, n int, fast bool) {
	if n <= 0 {
		return
	}
	_ = dst[(n-1)*ldd+w-1]
	_ = src[n*w-1]
	if fast && copyRunsAsm(dst, ldd, src, w, n) {
		return
	}
	for s := range n {
		copy(dst[s*ldd:s*ldd+w], src[s*w:])
	}
}

// packSliver packs a panel of one sliver, whatever its layout, in one go.
func (pn *panel[T]) packSliver() {
	w, kc, lines := pn.last, pn.kc, pn.x1-pn.x0
	d := pn.dst[:w*kc]
	if !pn.runs {
		transpose(d, w, pn.src[pn.x0*pn.ld+pn.p0:], pn.ld, lines, kc, pn.fast)
		for r := lines; r < w; r++ {
			for p := range kc {
				d[p*w+r] = 0
			}
		}
		return
	}
	for q := range kc {
		dq := d[q*w : q*w+w]
		n := copy(dq, pn.src[(pn.p0+q)*pn.ld+pn.x0:(pn.p0+q)*pn.ld+pn.x1])
		clear(dq[n:])
	}
}
