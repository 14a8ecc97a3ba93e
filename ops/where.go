package ops

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/tensor"
)

// Where picks each element from a where a condition holds and from b
// elsewhere, as torch.where(cond, a, b): Cond holds the condition's values
// in row-major order and CondShape its shape (torch's boolean tensor). The
// condition, a and b broadcast together, by NumPy's rules, to the output's
// shape; with c the condition broadcast to it,
//
//	y  = a where c, b elsewhere          broadcast shape
//	da = dy where c, 0 elsewhere         summed to a's shape
//	db = dy where ¬c, 0 elsewhere        summed to b's shape
//
// The gradient goes to the chosen side alone, exactly: 0 on the other side
// even where dy is infinite or NaN, as PyTorch's where. The condition is a
// constant of the backward pass, which is linear in dy and applies the same
// selection: the second derivative is 0. It keeps the condition.
//
// It panics unless it is given two inputs (a, b), Cond has as many values
// as CondShape holds, and the condition, a and b broadcast together.
type Where[T tensor.Float] struct {
	arena[T]
	Cond      []bool
	CondShape []int
	out       []int
}

func (*Where[T]) Name() string { return "Where" }

func (op *Where[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Where", in, 2)
	a, b := in[0], in[1]
	checkMask("Where", op.Cond, op.CondShape)
	out := broadcastAll("Where", op.CondShape, a.Shape(), b.Shape())
	op.Cond, op.CondShape, op.out = slices.Clone(op.Cond), slices.Clone(op.CondShape), out
	c := broadcastMask(op.Cond, op.CondShape, out)
	y := op.ar.BroadcastTo(a, out...)
	bb := op.ar.BroadcastTo(b, out...)
	yd := y.Data()
	for i, v := range bb.Data() {
		if !c[i] {
			yd[i] = v
		}
	}
	return y
}

func (op *Where[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	c := broadcastMask(op.Cond, op.CondShape, op.out)
	g := make([]*tensor.Tensor[T], 2)
	for k, side := range []bool{true, false} {
		if !needs[k] {
			continue
		}
		d := op.ar.Clone(dy)
		dd := d.Data()
		for i, ci := range c {
			if ci != side {
				dd[i] = 0
			}
		}
		g[k] = d
	}
	return g
}

func (*Where[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the condition, a byte per value.
func (op *Where[T]) ExtraSavedBytes() int { return len(op.Cond) }

// BackwardVar zeroes dy on each operand's other side with zeroWhere, the
// condition a constant, and sums it to the operand's shape.
func (op *Where[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	c := broadcastMask(op.Cond, op.CondShape, op.out)
	g := make([]*v[T], 2)
	if needs[0] {
		notC := make([]bool, len(c))
		for i, ci := range c {
			notC[i] = !ci
		}
		g[0] = vSumTo(vZeroWhere(dy, notC), in[0].Shape()...)
	}
	if needs[1] {
		g[1] = vSumTo(vZeroWhere(dy, c), in[1].Shape()...)
	}
	return g
}

// MaskedFill sets the elements of x where a mask holds to Value, as
// torch.masked_fill(x, mask, value): Mask holds the mask's values in
// row-major order and MaskShape its shape. x and the mask broadcast
// together to the output's shape; with m the mask broadcast to it,
//
//	y  = Value where m, x elsewhere      broadcast shape
//	dx = 0 where m, dy elsewhere         summed to x's shape
//
// The gradient is exactly 0 where filled, even where dy is infinite or NaN.
// The mask is a constant of the backward pass, linear in dy: the second
// derivative is 0. It keeps the mask.
//
// It panics unless it is given one input, Mask has as many values as
// MaskShape holds, and the mask and x broadcast together.
type MaskedFill[T tensor.Float] struct {
	arena[T]
	Mask      []bool
	MaskShape []int
	Value     T
	out       []int
}

func (*MaskedFill[T]) Name() string { return "MaskedFill" }

func (op *MaskedFill[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("MaskedFill", in, 1)
	x := in[0]
	checkMask("MaskedFill", op.Mask, op.MaskShape)
	out := broadcastAll("MaskedFill", x.Shape(), op.MaskShape)
	op.Mask, op.MaskShape, op.out = slices.Clone(op.Mask), slices.Clone(op.MaskShape), out
	m := broadcastMask(op.Mask, op.MaskShape, out)
	y := op.ar.BroadcastTo(x, out...)
	yd := y.Data()
	for i, mi := range m {
		if mi {
			yd[i] = op.Value
		}
	}
	return y
}

func (op *MaskedFill[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	m := broadcastMask(op.Mask, op.MaskShape, op.out)
	dx := op.ar.Clone(dy)
	d := dx.Data()
	for i, mi := range m {
		if mi {
			d[i] = 0
		}
	}
	return []*tensor.Tensor[T]{dx}
}

func (*MaskedFill[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the mask, a byte per value.
func (op *MaskedFill[T]) ExtraSavedBytes() int { return len(op.Mask) }

// BackwardVar zeroes dy where filled with zeroWhere, the mask a constant,
// and sums it to x's shape.
func (op *MaskedFill[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	m := broadcastMask(op.Mask, op.MaskShape, op.out)
	return []*v[T]{vSumTo(vZeroWhere(dy, m), in[0].Shape()...)}
}

// checkMask panics, naming the op, unless mask has as many values as shape
// holds.
func checkMask(name string, mask []bool, shape []int) {
	if len(mask) != tensor.NumElems(shape) {
		panic(fmt.Sprintf(errMaskLen, name, len(mask), shape))
	}
}

// broadcastAll returns the shape the given shapes broadcast to, or panics
// naming the op and the shapes.
func broadcastAll(name string, shapes ...[]int) []int {
	out := []int{}
	for _, s := range shapes {
		b, err := tensor.BroadcastShapes(out, s)
		if err != nil {
			list := ""
			for i, s := range shapes {
				if i > 0 {
					list += ", "
				}
				list += fmt.Sprint(s)
			}
			panic(fmt.Sprintf(errMaskBroadcast, name, "shapes "+list+" cannot be broadcast together: "+reason(err)))
		}
		out = b
	}
	return out
}

// broadcastMask returns mask, of the given shape, broadcast to out (which
// shape broadcasts to); mask itself when the shapes are equal.
func broadcastMask(mask []bool, shape, out []int) []bool {
	if tensor.EqualShapes(shape, out) {
		return mask
	}
	// The mask's stride along each axis of out, 0 where it is broadcast.
	stride := make([]int, len(out))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 {
			stride[len(out)-len(shape)+i] = s
		}
		s *= shape[i]
	}
	m := make([]bool, tensor.NumElems(out))
	coord := make([]int, len(out))
	off := 0
	for p := range m {
		m[p] = mask[off]
		for a := len(out) - 1; a >= 0; a-- {
			coord[a]++
			off += stride[a]
			if coord[a] < out[a] {
				break
			}
			off -= stride[a] * coord[a]
			coord[a] = 0
		}
	}
	return m
}
