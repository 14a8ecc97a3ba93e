package tensor

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/internal/parallel"
)

// BroadcastShapes returns the shape that a and b broadcast to under NumPy's
// rules: the shapes are aligned at their last axes, the shorter one padded
// with 1s in front, and along each axis the sizes must be equal or one of
// them 1, the result taking the other. It returns an error naming the first
// axis from the end, counted negatively (-1 the last), where they are not.
func BroadcastShapes(a, b []int) ([]int, error) { return broadcastShapes(a, b, 0) }

// BroadcastsTo reports whether shape from broadcasts to shape to, as
// BroadcastShapes(from, to) returning to would say, without building a
// shape: from has no more axes than to, and each of its axes, aligned from
// the end, has to's size or 1.
func BroadcastsTo(from, to []int) bool {
	if len(from) > len(to) {
		return false
	}
	for i := 1; i <= len(from); i++ {
		if d := from[len(from)-i]; d != 1 && d != to[len(to)-i] {
			return false
		}
	}
	return true
}

// CheckBroadcast returns BroadcastShapes(a, b)'s error, nil when a and b
// broadcast together, without building the shape when they do.
func CheckBroadcast(a, b []int) error {
	for i := 1; i <= min(len(a), len(b)); i++ {
		if da, db := a[len(a)-i], b[len(b)-i]; da != db && da != 1 && db != 1 {
			_, err := broadcastShapes(a, b, 0)
			return err
		}
	}
	return nil
}

// broadcastShapes is BroadcastShapes with room for extra more axes in the
// result's capacity.
func broadcastShapes(a, b []int, extra int) ([]int, error) {
	n := max(len(a), len(b))
	return broadcastInto(make([]int, n, n+extra), a, b)
}

// broadcastInto is broadcastShapes writing the shape into out's storage
// if it has room for max(len(a), len(b)) values, and returning it.
func broadcastInto(out, a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	if cap(out) < n {
		out = make([]int, n)
	}
	out = out[:n]
	for i := 1; i <= n; i++ {
		da, db := 1, 1
		if i <= len(a) {
			da = a[len(a)-i]
		}
		if i <= len(b) {
			db = b[len(b)-i]
		}
		switch {
		case da == db || db == 1:
			out[n-i] = da
		case da == 1:
			out[n-i] = db
		default:
			why := fmt.Sprintf(errBroadcastWhy, da, db, -i)
			return nil, shapeError(why, errBroadcast+": %s", a, b, why)
		}
	}
	return out, nil
}

// mustBroadcast returns the broadcast shape of a and b, in out's storage if
// it has room, or panics with BroadcastShapes' error.
func mustBroadcast(out, a, b []int) []int {
	out, err := broadcastInto(out, a, b)
	if err != nil {
		panic(err.Error())
	}
	return out
}

// BroadcastTo returns a new tensor of the given shape holding t broadcast to
// it. It panics if t's shape does not broadcast to shape.
func BroadcastTo[T Float](t *Tensor[T], shape ...int) *Tensor[T] {
	return heap[T]().BroadcastTo(t, shape...)
}

// BroadcastTo is the package-level BroadcastTo with the result's storage
// from the arena.
func (ar *Arena[T]) BroadcastTo(t *Tensor[T], shape ...int) *Tensor[T] {
	if err := CheckBroadcast(t.shape, shape); err != nil {
		panic(err.Error())
	} else if !BroadcastsTo(t.shape, shape) {
		panic(fmt.Sprintf(errBroadcast, t.shape, shape))
	}
	dst := ar.NewUninit(shape...)
	apply(opFirst, dst, t, t)
	return dst
}

// SumTo sums t down to shape, the reverse of broadcasting shape up to t's
// shape: leading axes that shape lacks are summed away, and axes where shape
// has size 1 are summed with their size kept. It returns t itself when the
// shapes are already equal, and panics if shape does not broadcast to t's
// shape.
//
// SumTo is how the gradient of a broadcast operand is reduced back to the
// operand's shape.
func SumTo[T Float](t *Tensor[T], shape ...int) *Tensor[T] { return heap[T]().SumTo(t, shape...) }

// SumTo is the package-level SumTo with the result's storage from the arena.
func (ar *Arena[T]) SumTo(t *Tensor[T], shape ...int) *Tensor[T] {
	if EqualShapes(t.shape, shape) {
		return t
	}
	lead := len(t.shape) - len(shape)
	if lead < 0 || !BroadcastsTo(shape, t.shape) {
		s := slices.Clone(shape) // a copy, so that shape stays on the caller's stack
		panic(fmt.Sprintf(errSumTo, t.shape, s, s, t.shape))
	}
	var buf [planRank]int
	axes := buf[:0]
	for i, d := range t.shape {
		if i < lead || (shape[i-lead] == 1 && d != 1) {
			axes = append(axes, i)
		}
	}
	if len(axes) == 0 {
		return ar.Reshape(t, shape...)
	}
	return ar.Reshape(ar.Sum(t, true, axes...), shape...)
}

// plan describes an element-wise operation over a broadcast output shape as a
// sequence of runs: n consecutive output elements whose a and b operands
// advance by strides sa and sb, each 0 (broadcast) or 1. Size-1 output axes are
// dropped and adjacent axes that are laid out alike in both operands are
// merged, so runs are as long as the layout allows.
type plan struct {
	n      int // length of one run
	sa, sb int // a's and b's stride inside a run
	// The axes outside the run, outermost first: their sizes and a's and
	// b's strides along them, in the arrays up to planRank axes (a plan on
	// the stack of a small element-wise op then allocates nothing; a
	// slice into its own array would move it to the heap), in the slices
	// beyond. See axes.
	rank                   int
	outerA, aStepA, bStepA [planRank]int
	outerX, aStepX, bStepX []int
}

// planRank is the largest rank whose plan needs no allocation.
const planRank = 8

// init makes p the plan of out = a ∘ b.
func (p *plan) init(out, a, b []int) {
	type axis struct{ size, as, bs int }
	var axesBuf [planRank]axis
	var strBuf [2 * planRank]int
	axes := axesBuf[:0]
	aStr := paddedStrides(strBuf[:0:planRank], a, len(out))
	bStr := paddedStrides(strBuf[planRank:planRank], b, len(out))
	for i, d := range out {
		if d == 1 {
			continue
		}
		ax := axis{d, aStr[i], bStr[i]}
		if k := len(axes) - 1; k >= 0 && axes[k].as == ax.as*d && axes[k].bs == ax.bs*d {
			axes[k] = axis{axes[k].size * d, ax.as, ax.bs}
			continue
		}
		axes = append(axes, ax)
	}
	*p = plan{n: 1}
	if k := len(axes) - 1; k >= 0 {
		p.n, p.sa, p.sb = axes[k].size, axes[k].as, axes[k].bs
		axes = axes[:k]
	}
	p.rank = len(axes)
	if p.rank > planRank {
		p.outerX, p.aStepX, p.bStepX = make([]int, p.rank), make([]int, p.rank), make([]int, p.rank)
		for i, ax := range axes {
			p.outerX[i], p.aStepX[i], p.bStepX[i] = ax.size, ax.as, ax.bs
		}
		return
	}
	for i, ax := range axes {
		p.outerA[i], p.aStepA[i], p.bStepA[i] = ax.size, ax.as, ax.bs
	}
}

// axes returns the sizes of the axes outside the run, outermost first, and
// a's and b's strides along them.
func (p *plan) axes() (outer, as, bs []int) {
	if p.rank > planRank {
		return p.outerX, p.aStepX, p.bStepX
	}
	return p.outerA[:p.rank], p.aStepA[:p.rank], p.bStepA[:p.rank]
}

// paddedStrides returns the strides of a contiguous tensor of the given shape,
// left-padded with zeros to rank n, with 0 for every axis of size 1 so that it
// broadcasts, in dst's storage if it has room.
func paddedStrides(dst, shape []int, n int) []int {
	st := dst[:0]
	if cap(st) < n {
		st = make([]int, n)
	} else {
		st = st[:n]
		clear(st)
	}
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 {
			st[n-len(shape)+i] = s
		}
		s *= shape[i]
	}
	return st
}

// runs returns the number of runs.
func (p *plan) runs() int {
	outer, _, _ := p.axes()
	return numel(outer)
}

// each calls run(o, ao, bo) for every run, with o the output offset and ao, bo
// the offsets of its first a and b elements.
func (p *plan) each(run func(o, ao, bo int)) { p.eachIn(0, p.runs(), run) }

// eachIn calls run for the runs lo … hi−1, in order.
func (p *plan) eachIn(lo, hi int, run func(o, ao, bo int)) {
	if p.n == 0 || lo >= hi {
		return
	}
	// The odometer starts at run lo: its outer index, axis by axis.
	outer, as, bs := p.axes()
	var idxBuf [planRank]int
	idx := idxBuf[:0]
	if len(outer) <= planRank {
		idx = idxBuf[:len(outer)]
	} else {
		idx = make([]int, len(outer))
	}
	ao, bo := 0, 0
	for k, r := len(idx)-1, lo; k >= 0; k-- {
		idx[k] = r % outer[k]
		r /= outer[k]
		ao += idx[k] * as[k]
		bo += idx[k] * bs[k]
	}
	for r := lo; r < hi; r++ {
		run(r*p.n, ao, bo)
		for k := len(idx) - 1; k >= 0; k-- {
			idx[k]++
			ao += as[k]
			bo += bs[k]
			if idx[k] < outer[k] {
				break
			}
			ao -= as[k] * idx[k]
			bo -= bs[k] * idx[k]
			idx[k] = 0
		}
	}
}

// apply computes dst = a op b element by element, broadcasting a and b to
// dst's shape, which the caller has checked. dst may be a or b.
func apply[T Float](op binOp, dst, a, b *Tensor[T]) {
	if len(dst.data) == 0 {
		return
	}
	if len(a.data) == len(dst.data) && len(b.data) == len(dst.data) {
		if parallel.Serial(len(dst.data), parallel.Grain) {
			// What parallel.Chunks would do, without making a closure
			// that escapes: small operands allocate nothing.
			binaryRun(op, dst.data, a.data, b.data, 1, 1)
			return
		}
		parallel.Chunks(len(dst.data), parallel.Grain, func(lo, hi int) {
			binaryRun(op, dst.data[lo:hi], a.data[lo:hi], b.data[lo:hi], 1, 1)
		})
		return
	}
	var p plan
	p.init(dst.shape, a.shape, b.shape)
	grain := max(parallel.Grain/max(p.n, 1), 1)
	if !parallel.Serial(p.runs(), grain) {
		applyChunks(op, dst, a, b, p, grain)
		return
	}
	// As above: p stays on the stack and no closure escapes, so small
	// broadcasts allocate nothing.
	p.eachIn(0, p.runs(), func(o, ao, bo int) {
		binaryRun(op, dst.data[o:o+p.n], a.data[ao:], b.data[bo:], p.sa, p.sb)
	})
}

// applyChunks is apply's broadcasting path split among goroutines, with a
// copy of its plan, which the goroutines share, on the heap.
func applyChunks[T Float](op binOp, dst, a, b *Tensor[T], p plan, grain int) {
	parallel.Chunks(p.runs(), grain, func(lo, hi int) {
		p.eachIn(lo, hi, func(o, ao, bo int) {
			binaryRun(op, dst.data[o:o+p.n], a.data[ao:], b.data[bo:], p.sa, p.sb)
		})
	})
}
