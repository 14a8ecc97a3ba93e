package tensor

import (
	"fmt"

	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
)

// binOp names an element-wise binary kernel.
type binOp uint8

const (
	opAdd   binOp = iota // a + b
	opSub                // a - b
	opMul                // a · b
	opDiv                // a / b
	opFirst              // a (b is ignored): broadcasting copy
)

// The arithmetic binOps are internal/vec's Ops, value for value.
var (
	_ [vec.Op(opAdd) - vec.OpAdd]struct{} = [0]struct{}{}
	_ [vec.Op(opSub) - vec.OpSub]struct{} = [0]struct{}{}
	_ [vec.Op(opMul) - vec.OpMul]struct{} = [0]struct{}{}
	_ [vec.Op(opDiv) - vec.OpDiv]struct{} = [0]struct{}{}
)

// Add returns a + b element by element, with a and b broadcast together.
func Add[T Float](a, b *Tensor[T]) *Tensor[T] { return heap[T]().Add(a, b) }

// Sub returns a − b element by element, with a and b broadcast together.
func Sub[T Float](a, b *Tensor[T]) *Tensor[T] { return heap[T]().Sub(a, b) }

// Mul returns the element-wise (Hadamard) product a ⊙ b, with a and b
// broadcast together.
func Mul[T Float](a, b *Tensor[T]) *Tensor[T] { return heap[T]().Mul(a, b) }

// Div returns a / b element by element, with a and b broadcast together.
func Div[T Float](a, b *Tensor[T]) *Tensor[T] { return heap[T]().Div(a, b) }

// Add is the package-level Add with the result's storage from the arena.
func (ar *Arena[T]) Add(a, b *Tensor[T]) *Tensor[T] { return ar.binary(opAdd, a, b) }

// Sub is the package-level Sub with the result's storage from the arena.
func (ar *Arena[T]) Sub(a, b *Tensor[T]) *Tensor[T] { return ar.binary(opSub, a, b) }

// Mul is the package-level Mul with the result's storage from the arena.
func (ar *Arena[T]) Mul(a, b *Tensor[T]) *Tensor[T] { return ar.binary(opMul, a, b) }

// Div is the package-level Div with the result's storage from the arena.
func (ar *Arena[T]) Div(a, b *Tensor[T]) *Tensor[T] { return ar.binary(opDiv, a, b) }

func (ar *Arena[T]) binary(op binOp, a, b *Tensor[T]) *Tensor[T] {
	var dst *Tensor[T]
	if EqualShapes(a.shape, b.shape) { // the common case: no broadcast shape to build
		dst = ar.NewUninit(a.shape...)
	} else {
		// The shape on the stack up to planRank axes: NewUninit copies it
		// if it keeps it.
		var buf [planRank]int
		dst = ar.NewUninit(mustBroadcast(buf[:0], a.shape, b.shape)...)
	}
	apply(op, dst, a, b)
	return dst
}

// heap returns the nil arena, whose methods allocate from the heap.
func heap[T Float]() *Arena[T] { return nil }

// AddInPlace adds src to t element by element; src must broadcast to t's shape.
func (t *Tensor[T]) AddInPlace(src *Tensor[T]) { t.inPlace(opAdd, src) }

// SubInPlace subtracts src from t; src must broadcast to t's shape.
func (t *Tensor[T]) SubInPlace(src *Tensor[T]) { t.inPlace(opSub, src) }

// MulInPlace multiplies t by src element by element; src must broadcast to t's
// shape.
func (t *Tensor[T]) MulInPlace(src *Tensor[T]) { t.inPlace(opMul, src) }

// DivInPlace divides t by src element by element; src must broadcast to t's
// shape.
func (t *Tensor[T]) DivInPlace(src *Tensor[T]) { t.inPlace(opDiv, src) }

func (t *Tensor[T]) inPlace(op binOp, src *Tensor[T]) {
	if !EqualShapes(t.shape, src.shape) { // else src broadcasts, trivially
		if err := CheckBroadcast(t.shape, src.shape); err != nil {
			panic(err.Error())
		} else if !BroadcastsTo(src.shape, t.shape) {
			panic(fmt.Sprintf(errBroadcast, src.shape, t.shape))
		}
	}
	apply(op, t, t, src)
}

// Scale returns c·t.
func Scale[T Float](t *Tensor[T], c T) *Tensor[T] { return heap[T]().Scale(t, c) }

// Scale is the package-level Scale with the result's storage from the arena.
func (ar *Arena[T]) Scale(t *Tensor[T], c T) *Tensor[T] {
	dst := ar.NewUninit(t.shape...)
	scalarInto(vec.OpMul, dst.data, t.data, c, true)
	return dst
}

// ScaleInPlace multiplies every element of t by c.
func (t *Tensor[T]) ScaleInPlace(c T) { scalarInto(vec.OpMul, t.data, t.data, c, false) }

// scalarInto sets dst to src op c, or to c op src if first, element by
// element, in chunks handled in parallel when it is large. dst may be src.
// Small ones allocate nothing (see parallel.Serial).
func scalarInto[T Float](op vec.Op, dst, src []T, c T, first bool) {
	if parallel.Serial(len(dst), parallel.Grain) {
		scalarRun(op, dst, src, c, first)
		return
	}
	parallel.Chunks(len(dst), parallel.Grain, func(lo, hi int) { scalarRun(op, dst[lo:hi], src[lo:hi], c, first) })
}

// scalarRun is scalarInto's loop.
func scalarRun[T Float](op vec.Op, dst, src []T, c T, first bool) {
	if first {
		vec.BinarySV(op, dst, c, src)
	} else {
		vec.BinaryVS(op, dst, src, c)
	}
}

// AddScalar returns t + c.
func AddScalar[T Float](t *Tensor[T], c T) *Tensor[T] { return heap[T]().AddScalar(t, c) }

// AddScalar is the package-level AddScalar with the result's storage from
// the arena.
func (ar *Arena[T]) AddScalar(t *Tensor[T], c T) *Tensor[T] {
	dst := ar.NewUninit(t.shape...)
	scalarInto(vec.OpAdd, dst.data, t.data, c, false)
	return dst
}

// Axpy computes y += alpha·x for tensors of equal shape.
func Axpy[T Float](alpha T, x, y *Tensor[T]) {
	mustSameShape("Axpy", x, y)
	parallel.Chunks(len(y.data), parallel.Grain, func(lo, hi int) {
		ys, xs := y.data[lo:hi], x.data[lo:hi]
		for i := range ys {
			ys[i] += alpha * xs[i]
		}
	})
}

// Dot returns Σᵢ aᵢ·bᵢ for tensors of equal shape.
func Dot[T Float](a, b *Tensor[T]) T {
	mustSameShape("Dot", a, b)
	var s T
	bs := b.data[:len(a.data)]
	for i, v := range a.data {
		s += v * bs[i]
	}
	return s
}

// binaryRun computes d[i] = a[i·sa] op b[i·sb] for i < len(d), with sa and sb
// each 0 or 1, through internal/vec's loops (AVX on amd64, one rounding per
// value as Go's operators).
func binaryRun[T Float](op binOp, d, a, b []T, sa, sb int) {
	if op == opFirst {
		if sa == 1 {
			copy(d, a[:len(d)])
		} else {
			fillRun(d, a[0])
		}
		return
	}
	if len(d) < 8 {
		// Shorter than a vector: not worth the calls into vec.
		for i := range d {
			d[i] = scalarOp(op, a[i*sa], b[i*sb])
		}
		return
	}
	vop := vec.Op(op) // opAdd … opDiv are vec's OpAdd … OpDiv
	switch {
	case sa == 1 && sb == 1:
		vec.Binary(vop, d, a, b)
	case sa == 1: // b is one value
		vec.BinaryVS(vop, d, a, b[0])
	case sb == 1: // a is one value
		vec.BinarySV(vop, d, a[0], b)
	default: // both are one value
		fillRun(d, scalarOp(op, a[0], b[0]))
	}
}

// scalarOp returns x op y for an arithmetic op.
func scalarOp[T Float](op binOp, x, y T) T {
	switch op {
	case opAdd:
		return x + y
	case opSub:
		return x - y
	case opMul:
		return x * y
	}
	return x / y
}

// fillRun sets every element of d to v: a short run one by one, a long one
// by copying what is already filled onto the rest, which copy does a vector
// at a time.
func fillRun[T Float](d []T, v T) {
	if len(d) < 64 {
		for i := range d {
			d[i] = v
		}
		return
	}
	d[0] = v
	for k := 1; k < len(d); k *= 2 {
		copy(d[k:], d[:k])
	}
}
