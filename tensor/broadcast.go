package tensor

import (
	"fmt"
	"runtime"

	"github.com/tapegrad/tapegrad/internal/parallel"
)

// BroadcastShapes returns the shape that a and b broadcast to under NumPy's
// rules: the shapes are aligned at their last axes, the shorter one padded
// with 1s in front, and along each axis the sizes must be equal or one of
// them 1, the result taking the other. It returns an error naming the first
// axis from the end, counted negatively (-1 the last), where they are not.
func BroadcastShapes(a, b []int) ([]int, error) { return broadcastShapes(a, b, 0) }

// broadcastShapes is BroadcastShapes with room for extra more axes in the
// result's capacity.
func broadcastShapes(a, b []int, extra int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n, n+extra)
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

// mustBroadcast returns the broadcast shape of a and b or panics with
// BroadcastShapes' error.
func mustBroadcast(a, b []int) []int {
	out, err := BroadcastShapes(a, b)
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
	if out, err := BroadcastShapes(t.shape, shape); err != nil {
		panic(err.Error())
	} else if !EqualShapes(out, shape) {
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
	if out, err := BroadcastShapes(shape, t.shape); lead < 0 || err != nil || !EqualShapes(out, t.shape) {
		panic(fmt.Sprintf(errSumTo, t.shape, shape, shape, t.shape))
	}
	var axes []int
	for i, d := range t.shape {
		if i < lead || (shape[i-lead] == 1 && d != 1) {
			axes = append(axes, i)
		}
	}
	if len(axes) == 0 {
		return t.Reshape(shape...)
	}
	return ar.Sum(t, true, axes...).Reshape(shape...)
}

// plan describes an element-wise operation over a broadcast output shape as a
// sequence of runs: n consecutive output elements whose a and b operands
// advance by strides sa and sb, each 0 (broadcast) or 1. Size-1 output axes are
// dropped and adjacent axes that are laid out alike in both operands are
// merged, so runs are as long as the layout allows.
type plan struct {
	outer  []int // sizes of the axes outside the run, outermost first
	aSteps []int // a's stride along each outer axis
	bSteps []int // b's stride along each outer axis
	n      int   // length of one run
	sa, sb int   // a's and b's stride inside a run
}

func makePlan(out, a, b []int) plan {
	type axis struct{ size, as, bs int }
	var axes []axis
	aStr := paddedStrides(a, len(out))
	bStr := paddedStrides(b, len(out))
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
	p := plan{n: 1}
	if k := len(axes) - 1; k >= 0 {
		p.n, p.sa, p.sb = axes[k].size, axes[k].as, axes[k].bs
		axes = axes[:k]
	}
	for _, ax := range axes {
		p.outer = append(p.outer, ax.size)
		p.aSteps = append(p.aSteps, ax.as)
		p.bSteps = append(p.bSteps, ax.bs)
	}
	return p
}

// paddedStrides returns the strides of a contiguous tensor of the given shape,
// left-padded with zeros to rank n, with 0 for every axis of size 1 so that it
// broadcasts.
func paddedStrides(shape []int, n int) []int {
	st := make([]int, n)
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
func (p *plan) runs() int { return numel(p.outer) }

// each calls run(o, ao, bo) for every run, with o the output offset and ao, bo
// the offsets of its first a and b elements.
func (p *plan) each(run func(o, ao, bo int)) { p.eachIn(0, p.runs(), run) }

// eachIn calls run for the runs lo … hi−1, in order.
func (p *plan) eachIn(lo, hi int, run func(o, ao, bo int)) {
	if p.n == 0 || lo >= hi {
		return
	}
	// The odometer starts at run lo: its outer index, axis by axis.
	idx := make([]int, len(p.outer))
	ao, bo := 0, 0
	for k, r := len(idx)-1, lo; k >= 0; k-- {
		idx[k] = r % p.outer[k]
		r /= p.outer[k]
		ao += idx[k] * p.aSteps[k]
		bo += idx[k] * p.bSteps[k]
	}
	for r := lo; r < hi; r++ {
		run(r*p.n, ao, bo)
		for k := len(idx) - 1; k >= 0; k-- {
			idx[k]++
			ao += p.aSteps[k]
			bo += p.bSteps[k]
			if idx[k] < p.outer[k] {
				break
			}
			ao -= p.aSteps[k] * idx[k]
			bo -= p.bSteps[k] * idx[k]
			idx[k] = 0
		}
	}
}

// serial reports whether parallel.Chunks(n, grain, f) runs f(0, n) alone on
// the calling goroutine, as it does when it would not use two workers.
// Element-wise loops give the same values either way.
func serial(n, grain int) bool { return min(runtime.GOMAXPROCS(0), n/max(grain, 1)) <= 1 }

// apply computes dst = a op b element by element, broadcasting a and b to
// dst's shape, which the caller has checked. dst may be a or b.
func apply[T Float](op binOp, dst, a, b *Tensor[T]) {
	if len(dst.data) == 0 {
		return
	}
	if len(a.data) == len(dst.data) && len(b.data) == len(dst.data) {
		if serial(len(dst.data), parallel.Grain) {
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
	p := makePlan(dst.shape, a.shape, b.shape)
	parallel.Chunks(p.runs(), max(parallel.Grain/max(p.n, 1), 1), func(lo, hi int) {
		p.eachIn(lo, hi, func(o, ao, bo int) {
			binaryRun(op, dst.data[o:o+p.n], a.data[ao:], b.data[bo:], p.sa, p.sb)
		})
	})
}
