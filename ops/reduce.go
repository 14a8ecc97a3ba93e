package ops

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/tensor"
)

// Sum sums over Axes (every axis when empty); KeepDims keeps them with size 1.
// It keeps only its input's shape.
//
//	y  = Σ_axes x
//	dx = dy broadcast back over the summed axes
//
// It panics on an axis out of range or given twice.
type Sum[T tensor.Float] struct {
	arena[T]
	Axes     []int
	KeepDims bool
	shape    []int
}

func (*Sum[T]) Name() string { return "Sum" }

func (op *Sum[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Sum", in, 1)
	checkAxes("Sum", in[0].Shape(), op.Axes, false)
	op.shape = in[0].Shape()
	return op.ar.Sum(in[0], op.KeepDims, op.Axes...)
}

func (op *Sum[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{expandReduced(op.ar, dy, op.shape, op.Axes)}
}

func (*Sum[T]) Saved() []*tensor.Tensor[T] { return nil }

func (op *Sum[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{expandReducedVar(dy, op.shape, op.Axes)}
}

// Mean averages over Axes (every axis when empty); KeepDims keeps them with
// size 1. With M the number of values averaged into each output,
//
//	y  = (1/M)·Σ_axes x
//	dx = dy/M broadcast back over the averaged axes
//
// It panics on an axis out of range or given twice.
type Mean[T tensor.Float] struct {
	arena[T]
	Axes     []int
	KeepDims bool
	shape    []int
}

func (*Mean[T]) Name() string { return "Mean" }

func (op *Mean[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Mean", in, 1)
	checkAxes("Mean", in[0].Shape(), op.Axes, false)
	op.shape = in[0].Shape()
	return op.ar.Mean(in[0], op.KeepDims, op.Axes...)
}

func (op *Mean[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	// dy/m before the broadcast, not after: the same products (one per
	// reduced value, copied), without a pass over the whole input.
	m := tensor.NumElems(op.shape) / max(dy.Size(), 1)
	dx := expandReduced(op.ar, op.ar.Scale(dy, 1/T(m)), op.shape, op.Axes)
	return []*tensor.Tensor[T]{dx}
}

func (*Mean[T]) Saved() []*tensor.Tensor[T] { return nil }

func (op *Mean[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	m := tensor.NumElems(op.shape) / max(tensor.NumElems(dy.Shape()), 1)
	return []*v[T]{vScale(expandReducedVar(dy, op.shape, op.Axes), 1/T(m))}
}

// expandReduced broadcasts the gradient of a reduction back to the shape of
// the reduced input, into a new tensor.
func expandReduced[T tensor.Float](ar *tensor.Arena[T], dy *tensor.Tensor[T], shape, axes []int) *tensor.Tensor[T] {
	var buf [8]int // on the stack: Reshape copies the shape if it keeps it
	kept := ar.Reshape(dy, tensor.AppendReducedShape(buf[:0], shape, true, axes...)...)
	return ar.BroadcastTo(kept, shape...)
}

// expandReducedVar is expandReduced with Vars: dy reshaped to keep the
// reduced axes, then expanded to shape.
func expandReducedVar[T tensor.Float](dy *v[T], shape, axes []int) *v[T] {
	return vExpand(vReshape(dy, tensor.ReducedShape(shape, true, axes...)...), shape...)
}

// checkAxes panics, naming the op, on an axis out of range for shape or given
// twice, and, when nonEmpty, on a reduced axis of size 0 (every axis when
// axes is empty). Negative axes count from the end.
func checkAxes(name string, shape, axes []int, nonEmpty bool) {
	dims := len(shape)
	var buf [8]bool // no allocation for the usual ranks: Sum and Mean run every step
	seen := buf[:0]
	if dims > len(buf) {
		seen = make([]bool, dims)
	} else {
		seen = buf[:dims]
	}
	for _, a := range axes {
		if a < -dims || a >= dims {
			panic(fmt.Sprintf(errReduceAxis, name, a, shape))
		}
		n := tensor.NormAxis(a, dims)
		if seen[n] {
			panic(fmt.Sprintf(errReduceDupAxis, name, n, shape))
		}
		seen[n] = true
	}
	if !nonEmpty {
		return
	}
	for a, d := range shape {
		if d == 0 && (len(axes) == 0 || seen[a]) {
			panic(fmt.Sprintf(errReduceEmpty, name, a, shape))
		}
	}
}

// Max takes the maximum along Axis, as torch.max(x, dim); KeepDims keeps the
// axis with size 1. It keeps the position of each maximum — the first on
// ties, the first NaN if there is one (NaN propagates) — and routes the
// gradient there alone; Indices returns those positions.
//
//	y  = max_axis x
//	dx = dy at the position of each maximum, 0 elsewhere
//
// The positions are constants of its backward pass, a Scatter of dy: the
// second derivative is 0 (away from ties), as PyTorch's.
//
// It panics on an axis out of range or of size 0.
type Max[T tensor.Float] struct {
	arena[T]
	Axis     int
	KeepDims bool
	shape    []int
	idx      []int
}

func (*Max[T]) Name() string { return "Max" }

func (op *Max[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Max", in, 1)
	checkAxes("Max", in[0].Shape(), []int{op.Axis}, true)
	op.shape = in[0].Shape()
	y, idx := op.ar.MaxWithIndex(in[0], op.Axis, op.KeepDims)
	op.idx = idx
	return y
}

func (op *Max[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{scatterAlong(op.ar, dy, op.shape, op.Axis, op.idx)}
}

func (*Max[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the positions of the maxima.
func (op *Max[T]) ExtraSavedBytes() int { return len(op.idx) * strconv.IntSize / 8 }

// BackwardVar scatters dy to the positions of the maxima with Scatter.
func (op *Max[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{scatterAlongVar(dy, op.shape, op.Axis, op.idx)}
}

// Indices returns the index along Axis of each maximum, laid out like the
// output's elements (torch.max's indices), once Forward has run. Backward
// reads them: the caller must not modify them.
func (op *Max[T]) Indices() []int { return op.idx }

// Min takes the minimum along Axis, as torch.min(x, dim), with Max's rules:
// the gradient goes to the first minimum (or the first NaN) alone.
//
//	y  = min_axis x
//	dx = dy at the position of each minimum, 0 elsewhere
//
// Its second derivative is 0, as Max's.
//
// It panics on an axis out of range or of size 0.
type Min[T tensor.Float] struct {
	arena[T]
	Axis     int
	KeepDims bool
	shape    []int
	idx      []int
}

func (*Min[T]) Name() string { return "Min" }

func (op *Min[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Min", in, 1)
	checkAxes("Min", in[0].Shape(), []int{op.Axis}, true)
	op.shape = in[0].Shape()
	y, idx := op.ar.MinWithIndex(in[0], op.Axis, op.KeepDims)
	op.idx = idx
	return y
}

func (op *Min[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{scatterAlong(op.ar, dy, op.shape, op.Axis, op.idx)}
}

func (*Min[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the positions of the minima.
func (op *Min[T]) ExtraSavedBytes() int { return len(op.idx) * strconv.IntSize / 8 }

// BackwardVar scatters dy to the positions of the minima with Scatter.
func (op *Min[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{scatterAlongVar(dy, op.shape, op.Axis, op.idx)}
}

// Indices returns the index along Axis of each minimum, as Max.Indices.
func (op *Min[T]) Indices() []int { return op.idx }

// scatterAlong returns a zero tensor of the given shape with dy's elements
// written at the positions idx along axis: the backward pass of Max and Min.
func scatterAlong[T tensor.Float](ar *tensor.Arena[T], dy *tensor.Tensor[T], shape []int, axis int, idx []int) *tensor.Tensor[T] {
	dx := ar.New(shape...)
	axis = tensor.NormAxis(axis, len(shape))
	n := shape[axis]
	inner := tensor.NumElems(shape[axis+1:])
	d := dx.Data()
	for k, g := range dy.Data() {
		o, j := k/inner, k%inner
		d[(o*n+idx[k])*inner+j] = g
	}
	return dx
}

// scatterAlongVar is scatterAlong with Vars: x viewed as outer×n×inner
// around axis, the rows of outer·inner values are scattered into n columns
// (Scatter, whose backward is Gather), then the axis is moved back into
// place. The positions are constants; dy is not.
func scatterAlongVar[T tensor.Float](dy *v[T], shape []int, axis int, idx []int) *v[T] {
	axis = tensor.NormAxis(axis, len(shape))
	outer, n, inner := tensor.NumElems(shape[:axis]), shape[axis], tensor.NumElems(shape[axis+1:])
	rows := autograd.Apply[T](&Scatter[T]{Index: idx, C: n}, vReshape(dy, outer*inner))
	if inner > 1 {
		rows = vPermute(vReshape(rows, outer, inner, n), 0, 2, 1)
	}
	return vReshape(rows, shape...)
}

// Amax takes the maximum over Axes (every axis when empty), as torch.amax;
// KeepDims keeps them with size 1. The gradient is split evenly among the
// elements equal to the maximum (ties, and −0 with 0). It keeps its input
// and its output. With c the number of elements of a slice equal to its
// maximum y,
//
//	y  = max_axes x
//	dx = [x = y] ⊙ dy/c, broadcast back over the reduced axes
//
// NaN propagates: a slice containing NaN has maximum NaN. Without NaNTies,
// no element equals it (c = 0) and the whole slice's gradient is NaN, as
// torch.amax's. With NaNTies, the NaNs count as the maxima and share the
// gradient, as torch.max(x) with no dim does (its full reduction); elements
// that are not maxima then get exactly 0 even when dy is not finite.
//
// The positions of the maxima and their counts are constants of its
// backward pass: the second derivative is 0 away from ties, as PyTorch's.
//
// It panics on an axis out of range or given twice, and if a reduced axis
// has size 0.
type Amax[T tensor.Float] struct {
	arena[T]
	Axes     []int
	KeepDims bool
	NaNTies  bool
	x, y     *tensor.Tensor[T] // y with the axes kept
}

func (*Amax[T]) Name() string { return "Amax" }

func (op *Amax[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Amax", in, 1)
	checkAxes("Amax", in[0].Shape(), op.Axes, true)
	op.x = in[0]
	op.y = op.ar.MaxAxes(in[0], true, op.Axes...)
	return op.y.Reshape(tensor.ReducedShape(op.x.Shape(), op.KeepDims, op.Axes...)...)
}

func (op *Amax[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{splitTies(op.ar, op.x, op.y, dy, op.Axes, op.NaNTies)}
}

func (op *Amax[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x, op.y} }

func (op *Amax[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{splitTiesVar(op.x, op.y, dy, op.Axes, op.NaNTies)}
}

// Amin takes the minimum over Axes, as torch.amin, with Amax's rules: the
// gradient is split evenly among the elements equal to the minimum.
//
//	y  = min_axes x
//	dx = [x = y] ⊙ dy/c, broadcast back over the reduced axes
//
// Its second derivative is 0 away from ties, as Amax's.
//
// It panics on an axis out of range or given twice, and if a reduced axis
// has size 0.
type Amin[T tensor.Float] struct {
	arena[T]
	Axes     []int
	KeepDims bool
	NaNTies  bool
	x, y     *tensor.Tensor[T]
}

func (*Amin[T]) Name() string { return "Amin" }

func (op *Amin[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Amin", in, 1)
	checkAxes("Amin", in[0].Shape(), op.Axes, true)
	op.x = in[0]
	op.y = op.ar.MinAxes(in[0], true, op.Axes...)
	return op.y.Reshape(tensor.ReducedShape(op.x.Shape(), op.KeepDims, op.Axes...)...)
}

func (op *Amin[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{splitTies(op.ar, op.x, op.y, dy, op.Axes, op.NaNTies)}
}

func (op *Amin[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x, op.y} }

func (op *Amin[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{splitTiesVar(op.x, op.y, dy, op.Axes, op.NaNTies)}
}

// splitTies is the backward pass of Amax and Amin: y holds the extremum of
// each slice of x (axes kept), and each slice's dy is shared evenly among the
// elements equal to it — torch's (dy/c)·[x = y], NaN everywhere when c = 0;
// with nanTies, NaNs equal a NaN extremum and the other elements get 0.
func splitTies[T tensor.Float](ar *tensor.Arena[T], x, y, dy *tensor.Tensor[T], axes []int, nanTies bool) *tensor.Tensor[T] {
	r := tensor.NewReduction(x.Shape(), axes...)
	dx := ar.New(x.Shape()...)
	xd, yd, g, d := x.Data(), y.Data(), dy.Data(), dx.Data()
	parallel.Chunks(len(r.Base), max(parallel.Grain/(2*len(r.Offs)), 1), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			src, dst, m := xd[r.Base[o]:], d[r.Base[o]:], yd[o]
			nanExt := nanTies && m != m
			count := 0
			for _, off := range r.Offs {
				if v := src[off]; v == m || (nanExt && v != v) {
					count++
				}
			}
			share := g[o] / T(count)
			for _, off := range r.Offs {
				switch v := src[off]; {
				case v == m || (nanExt && v != v):
					dst[off] = share
				case !nanTies:
					dst[off] = 0 * share // NaN when share is not finite, as torch's product
				}
			}
		}
	})
	return dx
}

// splitTiesVar is splitTies with Vars: dy/c, with the tie counts c of y's
// shape, times the constant mask [x = y] (of NaNs with nanTies), broadcast.
// Both c and the mask are constants: the result is linear in dy and its
// derivative with respect to x is 0.
func splitTiesVar[T tensor.Float](x, y *tensor.Tensor[T], dy *v[T], axes []int, nanTies bool) *v[T] {
	r := tensor.NewReduction(x.Shape(), axes...)
	counts := tensor.New[T](y.Shape()...)
	mask := tensor.New[T](x.Shape()...)
	xd, yd, c, m := x.Data(), y.Data(), counts.Data(), mask.Data()
	for o, base := range r.Base {
		ext := yd[o]
		nanExt := nanTies && ext != ext
		for _, off := range r.Offs {
			if v := xd[base+off]; v == ext || (nanExt && v != v) {
				m[base+off] = 1
				c[o]++
			}
		}
	}
	share := vDiv(vReshape(dy, y.Shape()...), vConst(counts))
	if !nanTies {
		return vMul(share, vConst(mask)) // 0·share where not tied: NaN for an infinite share, as splitTies
	}
	zero := make([]bool, len(m))
	for i, w := range m {
		zero[i] = w == 0
	}
	return vZeroWhere(vExpand(share, x.Shape()...), zero) // exactly 0 where not tied
}

// zeroWhere sets the elements of x where Mask is true to 0, the others
// passing through: a constant selection, its own adjoint. It is how a
// BackwardVar gives an exact zero gradient, as its Backward does, to
// slices whose formula would give NaN (LogSumExp's all −Inf rows, Std's
// σ = 0), without NaN reaching the next order.
//
//	y  = x ⊙ [¬Mask], exactly 0 where Mask even where x is not finite
//	dx = dy ⊙ [¬Mask], likewise
type zeroWhere[T tensor.Float] struct {
	arena[T]
	Mask []bool // of x's size
}

func (*zeroWhere[T]) Name() string { return "zeroWhere" }

func (op *zeroWhere[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] { return op.apply(in[0]) }

func (op *zeroWhere[T]) apply(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	y := op.ar.Clone(x)
	d := y.Data()
	for i, z := range op.Mask {
		if z {
			d[i] = 0
		}
	}
	return y
}

func (op *zeroWhere[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{op.apply(dy)}
}

func (*zeroWhere[T]) Saved() []*tensor.Tensor[T] { return nil }

func (op *zeroWhere[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{vZeroWhere(dy, op.Mask)}
}

// vZeroWhere applies zeroWhere to x.
func vZeroWhere[T tensor.Float](x *v[T], mask []bool) *v[T] {
	return autograd.Apply[T](&zeroWhere[T]{Mask: mask}, x)
}

// Var is the variance over Axes (every axis when empty) with Correction c, as
// torch.var(x, axes, correction=c): c = 1 is PyTorch's default (unbiased),
// c = 0 the population variance. KeepDims keeps the axes with size 1. It
// keeps its input and the mean. With N the number of elements reduced into
// each output and μ their mean,
//
//	y  = Σ_axes (x − μ)² / max(N − c, 0)
//	dx = (2/(N − c))·dy ⊙ (x − μ), dy broadcast back over the reduced axes
//
// As in PyTorch, N − c ≤ 0 gives +Inf, or NaN when every x equals μ (one
// element with c = 1), and the backward divides by N − c unclamped.
// Its backward is differentiable: BackwardVar recomputes x − μ from x with
// ops.
//
// It panics on an axis out of range or given twice.
type Var[T tensor.Float] struct {
	arena[T]
	Axes       []int
	KeepDims   bool
	Correction int
	x, mean    *tensor.Tensor[T] // mean with the axes kept
}

func (*Var[T]) Name() string { return "Var" }

func (op *Var[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Var", in, 1)
	checkAxes("Var", in[0].Shape(), op.Axes, false)
	op.x = in[0]
	v, mean := op.ar.VarMean(in[0], op.Correction, true, op.Axes...)
	op.mean = mean
	return v.Reshape(tensor.ReducedShape(op.x.Shape(), op.KeepDims, op.Axes...)...)
}

func (op *Var[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{varGrad(op.ar, op.x, op.mean, dy, nil, op.Axes, op.Correction)}
}

func (op *Var[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x, op.mean} }

func (op *Var[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	kept, xc, dof := centered(in[0], op.Axes, op.Correction)
	return []*v[T]{vMul(vScale(vReshape(dy, kept...), T(2/dof)), xc)}
}

// centered returns, for Var's and Std's BackwardVar, the reduced shape with
// the axes kept, x − μ computed from x with ops (so that it is
// differentiated too) and N − c. The deviations are centered twice, as
// varGrad refines μ: for float32 inputs far from 0 the mean rounded to T
// would cost x − μ most of its digits, and the mean of the deviations,
// small and nearly exact, recovers them. Centering is idempotent, so the
// second pass changes no derivative.
func centered[T tensor.Float](x *v[T], axes []int, correction int) (kept []int, xc *v[T], dof float64) {
	kept = tensor.ReducedShape(x.Shape(), true, axes...)
	n := 1
	for a, d := range x.Shape() {
		if kept[a] != d || len(axes) == 0 {
			n *= d
		}
	}
	xc = vSub(x, vMean(x, true, axes...))
	return kept, vSub(xc, vMean(xc, true, axes...)), float64(n - correction)
}

// Std is the standard deviation √Var over Axes with Correction c, as
// torch.std(x, axes, correction=c), with Var's rules. It keeps its input,
// the mean and its output σ.
//
//	y  = √(Σ_axes (x − μ)² / max(N − c, 0))
//	dx = (2/(N − c))·(dy/(2σ)) ⊙ (x − μ), with dy/(2σ) taken as 0 where σ = 0
//
// Where σ = 0 (equal elements) the gradient is 0, as PyTorch's, not NaN.
// Its backward is differentiable: BackwardVar recomputes x − μ from x with
// ops and divides by the output σ.
//
// It panics on an axis out of range or given twice.
type Std[T tensor.Float] struct {
	arena[T]
	Axes        []int
	KeepDims    bool
	Correction  int
	x, mean, sd *tensor.Tensor[T] // mean and σ with the axes kept
}

func (*Std[T]) Name() string { return "Std" }

func (op *Std[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("Std", in, 1)
	checkAxes("Std", in[0].Shape(), op.Axes, false)
	op.x = in[0]
	v, mean := op.ar.VarMean(in[0], op.Correction, true, op.Axes...)
	vd := v.Data()
	for i, s := range vd {
		vd[i] = T(math.Sqrt(float64(s)))
	}
	op.mean, op.sd = mean, v
	return v.Reshape(tensor.ReducedShape(op.x.Shape(), op.KeepDims, op.Axes...)...)
}

func (op *Std[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{varGrad(op.ar, op.x, op.mean, dy, op.sd, op.Axes, op.Correction)}
}

func (op *Std[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x, op.mean, op.sd} }

// BackwardVar writes dx = (dy/σ)·(x − μ)/(N − c) with the output σ; where
// σ = 0 it divides by 1 instead and zeroes the quotient, so that those
// slices get a zero gradient, as Backward's, and no NaN reaches the next
// order.
func (op *Std[T]) BackwardVar(in []*v[T], out, dy *v[T], _ []bool) []*v[T] {
	kept, xc, dof := centered(in[0], op.Axes, op.Correction)
	sd := vReshape(out, kept...)
	g := vReshape(dy, kept...)
	if slices.Contains(op.sd.Data(), 0) {
		one, zero := tensor.New[T](kept...), make([]bool, op.sd.Size())
		for i, s := range op.sd.Data() {
			if s == 0 {
				one.Data()[i], zero[i] = 1, true
			}
		}
		g = vZeroWhere(vDiv(g, vAdd(sd, vConst(one))), zero)
	} else {
		g = vDiv(g, sd)
	}
	return []*v[T]{vMul(vScale(g, T(1/dof)), xc)}
}

// varGrad is the backward pass of Var, and of Std when sd is not nil:
// dx = (2/(N − c))·g ⊙ (x − μ) over each slice, with g = dy for Var and
// g = dy/(2σ), 0 where σ = 0, for Std. It computes in float64, with μ
// refined to float64 accuracy: for float32 inputs far from 0, a mean rounded
// to float32 would cost x − μ most of its digits.
func varGrad[T tensor.Float](ar *tensor.Arena[T], x, mean, dy, sd *tensor.Tensor[T], axes []int, correction int) *tensor.Tensor[T] {
	r := tensor.NewReduction(x.Shape(), axes...)
	dx := ar.NewUninit(x.Shape()...)
	xd, mu, g, d := x.Data(), mean.Data(), dy.Data(), dx.Data()
	dof := float64(len(r.Offs) - correction)
	parallel.Chunks(len(r.Base), max(parallel.Grain/max(len(r.Offs), 1), 1), func(lo, hi int) {
		for o := lo; o < hi; o++ {
			gv := float64(g[o])
			if sd != nil {
				if s := float64(sd.Data()[o]); s == 0 {
					gv = 0
				} else {
					gv /= 2 * s
				}
			}
			src, dst := xd[r.Base[o]:], d[r.Base[o]:]
			// The mean was rounded to T; one pass over the deviations
			// recovers it to float64 accuracy, as VarMean computed it.
			m, s := float64(mu[o]), 0.0
			if !math.IsInf(m, 0) {
				for _, off := range r.Offs {
					s += float64(src[off]) - m
				}
				m += s / float64(len(r.Offs))
			}
			scale := 2 / dof * gv
			for _, off := range r.Offs {
				dst[off] = T(scale * (float64(src[off]) - m))
			}
		}
	})
	return dx
}
