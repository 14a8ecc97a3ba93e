package ops

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/fmath"
	"github.com/tapegrad/tapegrad/tensor"
)

// The loss functions' ops: the element-wise losses before their reduction
// (PyTorch's reduction="none"), which package functional sums or averages.

// BCEWithLogits is the binary cross-entropy of logits x against targets t,
// element by element, as PyTorch's binary_cross_entropy_with_logits with
// reduction="none", in its numerically stable form. With sp(z) = log(1 + eᶻ)
// computed as max(z, 0) + log1p(e^−|z|), and lw = 1 + (p − 1)·t where p is
// PosWeight (1 when nil):
//
//	y  = w ⊙ ((1 − t) ⊙ x + lw ⊙ sp(−x))                    shape of x
//	dx = dy ⊙ w ⊙ ((1 − t) − lw ⊙ σ(−x))   (σ(x) − t without PosWeight)
//	dt = dy ⊙ w ⊙ (−x + (p − 1) ⊙ sp(−x))  (−x without PosWeight)
//
// Weight (w) and PosWeight (p) are constants, as in PyTorch, which cannot
// differentiate with respect to them; each broadcasts to x's shape (PosWeight
// typically of shape [C], along the last, class, axis). It keeps x and t.
// It is finite for every finite x, ±1e4 included. Its backward is
// differentiable: σ is Sigmoid and sp(−x) is BCEWithLogits itself at t = 1,
// so the set closes under differentiation.
//
// It panics unless it is given two inputs of the same shape, and Weight and
// PosWeight, when set, broadcast to that shape.
type BCEWithLogits[T tensor.Float] struct {
	arena[T]
	Weight, PosWeight *tensor.Tensor[T]
	x, t              *tensor.Tensor[T]
}

func (*BCEWithLogits[T]) Name() string { return "BCEWithLogits" }

// softplusNeg returns log(1 + e^−x), stable for any x.
func softplusNeg(x float64) float64 {
	return max(-x, 0) + math.Log1p(fmath.Exp(-math.Abs(x)))
}

// sigmoidNeg returns σ(−x) = 1/(1 + eˣ) without overflow.
func sigmoidNeg(x float64) float64 {
	if x > 0 {
		e := fmath.Exp(-x)
		return e / (1 + e)
	}
	return 1 / (1 + fmath.Exp(x))
}

// broadcastConst returns c broadcast to shape (nil for nil), panicking for
// op name when it does not broadcast.
func broadcastConst[T tensor.Float](ar *tensor.Arena[T], name, what string, c *tensor.Tensor[T], shape []int) *tensor.Tensor[T] {
	if c == nil {
		return nil
	}
	if !tensor.BroadcastsTo(c.Shape(), shape) {
		panic(fmt.Sprintf(errLossBroadcast, name, what, c.Shape(), shape))
	}
	return ar.BroadcastTo(c, shape...)
}

func (op *BCEWithLogits[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("BCEWithLogits", in, 2)
	x, t := in[0], in[1]
	if !tensor.EqualShapes(x.Shape(), t.Shape()) {
		panic(fmt.Sprintf(errLossShapes, "BCEWithLogits", t.Shape(), x.Shape()))
	}
	w := broadcastConst(op.ar, "BCEWithLogits", "weight", op.Weight, x.Shape())
	p := broadcastConst(op.ar, "BCEWithLogits", "pos_weight", op.PosWeight, x.Shape())
	op.x, op.t = x, t
	y := op.ar.NewUninit(x.Shape()...)
	yd, xd, td := y.Data(), x.Data(), t.Data()
	for i, xv := range xd {
		xi, ti := float64(xv), float64(td[i])
		var l float64
		if p == nil {
			l = (1-ti)*xi + softplusNeg(xi)
		} else {
			lw := 1 + (float64(p.Data()[i])-1)*ti
			l = (1-ti)*xi + lw*softplusNeg(xi)
		}
		if w != nil {
			l *= float64(w.Data()[i])
		}
		yd[i] = T(l)
	}
	return y
}

func (op *BCEWithLogits[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	shape := op.x.Shape()
	w := broadcastConst(op.ar, "BCEWithLogits", "weight", op.Weight, shape)
	p := broadcastConst(op.ar, "BCEWithLogits", "pos_weight", op.PosWeight, shape)
	xd, td, g := op.x.Data(), op.t.Data(), dy.Data()
	var dx, dt *tensor.Tensor[T]
	if needs[0] {
		dx = op.ar.NewUninit(shape...)
		d := dx.Data()
		for i, xv := range xd {
			xi, ti := float64(xv), float64(td[i])
			var s float64
			if p == nil {
				s = (1 - ti) - sigmoidNeg(xi)
			} else {
				s = (1 - ti) - (1+(float64(p.Data()[i])-1)*ti)*sigmoidNeg(xi)
			}
			if w != nil {
				s *= float64(w.Data()[i])
			}
			d[i] = g[i] * T(s)
		}
	}
	if len(needs) > 1 && needs[1] {
		dt = op.ar.NewUninit(shape...)
		d := dt.Data()
		for i, xv := range xd {
			xi := float64(xv)
			s := -xi
			if p != nil {
				s += (float64(p.Data()[i]) - 1) * softplusNeg(xi)
			}
			if w != nil {
				s *= float64(w.Data()[i])
			}
			d[i] = g[i] * T(s)
		}
	}
	return []*tensor.Tensor[T]{dx, dt}
}

func (op *BCEWithLogits[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x, op.t} }

// BackwardVar writes the two gradients with Sigmoid and, for sp(−x),
// BCEWithLogits at a zero target; Weight and PosWeight are constants.
func (op *BCEWithLogits[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	x, t := in[0], in[1]
	shape := x.Shape()
	g := dy
	if op.Weight != nil {
		g = vMul(dy, vConst(tensor.BroadcastTo(op.Weight, shape...)))
	}
	var pm1 *v[T] // p − 1
	if op.PosWeight != nil {
		pm1 = vConst(tensor.AddScalar(tensor.BroadcastTo(op.PosWeight, shape...), -1))
	}
	spNeg := func() *v[T] { // sp(−x) is BCEWithLogits(x, t = 1)
		return autograd.Apply[T](&BCEWithLogits[T]{}, x, vConst(tensor.Ones[T](shape...)))
	}
	var dx, dt *v[T]
	if needs[0] {
		if pm1 == nil {
			dx = vMul(g, vSub(vSigmoid(x), t))
		} else {
			lw := vAddScalar(vMul(t, pm1), 1)
			sneg := vAddScalar(vNeg(vSigmoid(x)), 1)
			dx = vMul(g, vSub(vAddScalar(vNeg(t), 1), vMul(lw, sneg)))
		}
	}
	if len(needs) > 1 && needs[1] {
		if pm1 == nil {
			dt = vNeg(vMul(g, x))
		} else {
			dt = vMul(g, vSub(vMul(pm1, spNeg()), x))
		}
	}
	return []*v[T]{dx, dt}
}

// bceEps is the floor of p(1 − p) in BCELoss's gradient: PyTorch's, 1e-12
// rounded to float32.
var bceEps = float64(float32(1e-12))

// bceLogFloor is where BCELoss clamps its logarithms, as PyTorch does, so
// that p = 0 or 1 gives a finite loss.
const bceLogFloor = -100

// BCELoss is the binary cross-entropy of probabilities p against targets t,
// element by element, as PyTorch's binary_cross_entropy with
// reduction="none". With L(z) = max(log z, −100):
//
//	y  = −w ⊙ (t ⊙ L(p) + (1 − t) ⊙ L(1 − p))               shape of p
//	dp = dy ⊙ w ⊙ (p − t) / max(p ⊙ (1 − p), 1e-12)
//	dt = dy ⊙ w ⊙ (log(1 − p) − log p)
//
// as PyTorch 1.13 computes them: the loss is finite at p = 0 and 1 (100 per
// unit of target on the wrong side), dp large but finite; dt, unclamped as
// PyTorch's, is ±Inf there.
// Weight (w) is a constant that broadcasts to p's shape. It keeps p and t.
// Its backward is differentiable, the floor's branch a constant: where
// p(1 − p) < 1e-12 the floored value has a zero derivative, as a clamp's.
//
// It panics unless it is given two inputs of the same shape with p in
// [0, 1], as PyTorch requires, and Weight, when set, broadcasts to it.
type BCELoss[T tensor.Float] struct {
	arena[T]
	Weight *tensor.Tensor[T]
	p, t   *tensor.Tensor[T]
}

func (*BCELoss[T]) Name() string { return "BCELoss" }

// clampedLog is max(log z, −100).
func clampedLog(z float64) float64 { return max(fmath.Log(z), bceLogFloor) }

func (op *BCELoss[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("BCELoss", in, 2)
	p, t := in[0], in[1]
	if !tensor.EqualShapes(p.Shape(), t.Shape()) {
		panic(fmt.Sprintf(errLossShapes, "BCELoss", t.Shape(), p.Shape()))
	}
	for i, pv := range p.Data() {
		if !(pv >= 0 && pv <= 1) {
			panic(fmt.Sprintf(errBCERange, pv, i, p.Shape()))
		}
	}
	w := broadcastConst(op.ar, "BCELoss", "weight", op.Weight, p.Shape())
	op.p, op.t = p, t
	y := op.ar.NewUninit(p.Shape()...)
	yd, td := y.Data(), t.Data()
	for i, pv := range p.Data() {
		pi, ti := float64(pv), float64(td[i])
		l := (ti-1)*clampedLog(1-pi) - ti*clampedLog(pi)
		if w != nil {
			l *= float64(w.Data()[i])
		}
		yd[i] = T(l)
	}
	return y
}

func (op *BCELoss[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	shape := op.p.Shape()
	w := broadcastConst(op.ar, "BCELoss", "weight", op.Weight, shape)
	pd, td, g := op.p.Data(), op.t.Data(), dy.Data()
	var dp, dt *tensor.Tensor[T]
	if needs[0] {
		dp = op.ar.NewUninit(shape...)
		d := dp.Data()
		for i, pv := range pd {
			// In T, as PyTorch's kernel: (p − t)/max(p(1 − p), ε).
			s := (pv - td[i]) / max((1-pv)*pv, T(bceEps))
			if w != nil {
				s *= w.Data()[i]
			}
			d[i] = g[i] * s
		}
	}
	if len(needs) > 1 && needs[1] {
		dt = op.ar.NewUninit(shape...)
		d := dt.Data()
		for i, pv := range pd {
			pi := float64(pv)
			s := T(fmath.Log(1-pi) - fmath.Log(pi))
			if w != nil {
				s *= w.Data()[i]
			}
			d[i] = g[i] * s
		}
	}
	return []*tensor.Tensor[T]{dp, dt}
}

func (op *BCELoss[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.p, op.t} }

// BackwardVar writes the gradients with Vars, the floor of p(1 − p) a
// constant.
func (op *BCELoss[T]) BackwardVar(in []*v[T], _, dy *v[T], needs []bool) []*v[T] {
	p, t := in[0], in[1]
	shape := p.Shape()
	g := dy
	if op.Weight != nil {
		g = vMul(dy, vConst(tensor.BroadcastTo(op.Weight, shape...)))
	}
	q := vAddScalar(vNeg(p), 1) // 1 − p
	var dp, dt *v[T]
	if needs[0] {
		pq := vMul(p, q)
		above := maskWhere(pq.Value(), func(z T) bool { return z >= T(bceEps) })
		floor := tensor.New[T](shape...)
		for i, ok := range above {
			if !ok {
				floor.Data()[i] = T(bceEps)
			}
		}
		den := vAdd(autograd.Apply[T](&branchScale[T]{mask: above}, pq), vConst(floor))
		dp = vMul(g, vDiv(vSub(p, t), den))
	}
	if len(needs) > 1 && needs[1] {
		dt = vMul(g, vSub(vLog(q), vLog(p)))
	}
	return []*v[T]{dp, dt}
}

// NLLLoss is the negative log-likelihood of log-probabilities x of shape
// N×C or N×C×d₁×… against class indices Target (one per element of
// N×d₁×…, in row-major order), as PyTorch's nll_loss with
// reduction="none". Weight is a constant of shape [C] (all ones when nil);
// a target equal to IgnoreIndex contributes 0 and no gradient.
//
//	y[n, k]     = −w[Target[n,k]] · x[n, Target[n,k], k]        N×d₁×…
//	dx[n, c, k] = −w[c] · dy[n, k]  where c = Target[n,k], 0 elsewhere
//
// The reductions of PyTorch (sum, and mean, which divides by the sum of the
// weights of the targets not ignored) are left to the caller. Its backward
// is an op whose backward is NLLLoss again, so every order is exact (the
// second derivative with respect to x is 0). It keeps the targets.
//
// It panics unless x has at least 2 dimensions, Target one index per
// element of N×d₁×…, each in [0, C) or IgnoreIndex, and Weight, when set,
// has C elements.
type NLLLoss[T tensor.Float] struct {
	arena[T]
	Target      []int
	Weight      *tensor.Tensor[T]
	IgnoreIndex int
	shape       []int
}

func (*NLLLoss[T]) Name() string { return "NLLLoss" }

// nllLayout returns the outer (N), class (C) and inner (d₁·…) sizes of x.
func nllLayout(shape []int) (n, c, inner int) {
	inner = 1
	for _, d := range shape[2:] {
		inner *= d
	}
	return shape[0], shape[1], inner
}

// checkNLL panics for op name unless x, the targets and the weight fit.
func checkNLL[T tensor.Float](name string, shape []int, target []int, weight *tensor.Tensor[T], ignore int) {
	if len(shape) < 2 {
		panic(fmt.Sprintf(errNLLRank, name, shape))
	}
	n, c, inner := nllLayout(shape)
	if len(target) != n*inner {
		panic(fmt.Sprintf(errNLLLen, name, len(target), n*inner, shape))
	}
	if weight != nil && weight.Size() != c {
		panic(fmt.Sprintf(errNLLWeight, name, weight.Shape(), c, shape))
	}
	for i, k := range target {
		if k != ignore && (k < 0 || k >= c) {
			panic(fmt.Sprintf(errNLLTarget, name, k, i, c, shape))
		}
	}
}

func (op *NLLLoss[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("NLLLoss", in, 1)
	x := in[0]
	checkNLL("NLLLoss", x.Shape(), op.Target, op.Weight, op.IgnoreIndex)
	op.shape = x.Shape()
	op.Target = slices.Clone(op.Target) // the caller may reuse its buffer before backward
	return nllGather(op.ar, x, op.Target, op.Weight, op.IgnoreIndex)
}

// nllGather computes y[n, k] = −w[t]·x[n, t, k] (0 where ignored).
func nllGather[T tensor.Float](ar *tensor.Arena[T], x *tensor.Tensor[T], target []int, weight *tensor.Tensor[T], ignore int) *tensor.Tensor[T] {
	shape := x.Shape()
	n, c, inner := nllLayout(shape)
	out := append([]int{n}, shape[2:]...)
	y := ar.NewUninit(out...)
	yd, xd := y.Data(), x.Data()
	for i := range n {
		for k := range inner {
			j := i*inner + k
			t := target[j]
			if t == ignore {
				yd[j] = 0
				continue
			}
			w := T(1)
			if weight != nil {
				w = weight.Data()[t]
			}
			yd[j] = -w * xd[(i*c+t)*inner+k]
		}
	}
	return y
}

// nllScatter computes dx[n, t, k] = −w[t]·dy[n, k], zero elsewhere.
func nllScatter[T tensor.Float](ar *tensor.Arena[T], dy *tensor.Tensor[T], shape []int, target []int, weight *tensor.Tensor[T], ignore int) *tensor.Tensor[T] {
	n, c, inner := nllLayout(shape)
	dx := ar.New(shape...)
	d, g := dx.Data(), dy.Data()
	for i := range n {
		for k := range inner {
			j := i*inner + k
			t := target[j]
			if t == ignore {
				continue
			}
			w := T(1)
			if weight != nil {
				w = weight.Data()[t]
			}
			d[(i*c+t)*inner+k] = -w * g[j]
		}
	}
	return dx
}

func (op *NLLLoss[T]) Backward(dy *tensor.Tensor[T], needs []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{nllScatter(op.ar, dy, op.shape, op.Target, op.Weight, op.IgnoreIndex)}
}

func (*NLLLoss[T]) Saved() []*tensor.Tensor[T] { return nil }

// ExtraSavedBytes counts the targets.
func (op *NLLLoss[T]) ExtraSavedBytes() int { return len(op.Target) * strconv.IntSize / 8 }

// BackwardVar scatters dy with nllBackward, NLLLoss's adjoint.
func (op *NLLLoss[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&nllBackward[T]{target: op.Target, weight: op.Weight, ignore: op.IgnoreIndex, shape: op.shape}, dy)}
}

// nllBackward is NLLLoss's backward map as an op, its adjoint: it scatters
// −w[t]·dy into a zero tensor of NLLLoss's input shape, and its backward
// is NLLLoss. It keeps nothing but the targets it shares with its NLLLoss.
//
//	y[n, t, k] = −w[t]·x[n, k]    (t = target[n, k]; 0 elsewhere)
//	dx[n, k]   = −w[t]·dy[n, t, k]
//
// It panics unless its input has one element per target.
type nllBackward[T tensor.Float] struct {
	arena[T]
	target []int
	weight *tensor.Tensor[T]
	ignore int
	shape  []int
}

func (*nllBackward[T]) Name() string { return "nllBackward" }

func (op *nllBackward[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("nllBackward", in, 1)
	if in[0].Size() != len(op.target) {
		panic(fmt.Sprintf(errNLLLen, "nllBackward", len(op.target), in[0].Size(), in[0].Shape()))
	}
	return nllScatter(op.ar, in[0], op.shape, op.target, op.weight, op.ignore)
}

func (op *nllBackward[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	return []*tensor.Tensor[T]{nllGather(op.ar, dy, op.target, op.weight, op.ignore)}
}

func (*nllBackward[T]) Saved() []*tensor.Tensor[T] { return nil }

func (op *nllBackward[T]) BackwardVar(_ []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	return []*v[T]{autograd.Apply[T](&NLLLoss[T]{Target: op.target, Weight: op.weight, IgnoreIndex: op.ignore}, dy)}
}

// SmoothL1 is PyTorch's smooth L1 loss of a difference d = input − target,
// element by element (smooth_l1_loss with reduction="none"): quadratic
// within Beta of 0, linear beyond. Beta = 0 is the L1 loss |d|, and
// Huber's loss with delta δ is δ·SmoothL1 with Beta = δ.
//
//	y  = 0.5·d²/Beta   if |d| < Beta,   |d| − 0.5·Beta otherwise
//	dd = dy ⊙ d/Beta   if |d| < Beta,   dy ⊙ sign(d) otherwise
//
// sign(0) = 0, so the L1 loss's gradient at 0 is 0, as in PyTorch. It keeps
// d. Its backward is differentiable with the branch a constant: the second
// derivative is 1/Beta inside, 0 outside.
//
// It panics unless it is given exactly one input and Beta is at least 0.
type SmoothL1[T tensor.Float] struct {
	arena[T]
	Beta T
	d    *tensor.Tensor[T]
}

func (*SmoothL1[T]) Name() string { return "SmoothL1" }

func (op *SmoothL1[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("SmoothL1", in, 1)
	if !(op.Beta >= 0) {
		panic(fmt.Sprintf(errSmoothL1Beta, op.Beta, in[0].Shape()))
	}
	op.d = in[0]
	y := op.ar.NewUninit(op.d.Shape()...)
	yd := y.Data()
	for i, dv := range op.d.Data() {
		z := dv
		if z < 0 {
			z = -z
		}
		if z < op.Beta {
			yd[i] = 0.5 * z * z / op.Beta
		} else {
			yd[i] = z - 0.5*op.Beta
		}
	}
	return y
}

func (op *SmoothL1[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(dy.Shape()...)
	d, g := dx.Data(), dy.Data()
	for i, dv := range op.d.Data() {
		switch {
		case dv < -op.Beta:
			d[i] = -g[i]
		case dv > op.Beta:
			d[i] = g[i]
		case op.Beta == 0:
			d[i] = 0 // sign(0)
			if dv != dv {
				d[i] = dv // NaN, as PyTorch's
			}
		default:
			d[i] = dv / op.Beta * g[i]
		}
	}
	return []*tensor.Tensor[T]{dx}
}

func (op *SmoothL1[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.d} }

// BackwardVar writes dd = dy ⊙ (d/Beta inside, sign(d) outside), the
// branch and the sign constants.
func (op *SmoothL1[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	d := in[0]
	inside := maskWhere(d.Value(), func(z T) bool { return z >= -op.Beta && z <= op.Beta && op.Beta > 0 })
	sign := tensor.New[T](d.Shape()...)
	for i, z := range d.Value().Data() {
		switch {
		case inside[i]:
		case z > 0:
			sign.Data()[i] = 1
		case z < 0:
			sign.Data()[i] = -1
		}
	}
	slope := vConst(sign)
	if op.Beta > 0 {
		slope = vAdd(autograd.Apply[T](&branchScale[T]{mask: inside}, vScale(d, 1/op.Beta)), slope)
	}
	return []*v[T]{vMul(dy, slope)}
}

// XLogX is x·log x element by element, 0 at x = 0, as PyTorch's
// xlogy(x, x): the entropy term of KL divergence, which is 0 where the
// target is 0. A negative x gives NaN.
//
//	y  = x · log x    (0 at x = 0)
//	dx = dy ⊙ (log x + 1)
//
// The gradient at 0 is NaN, as PyTorch's gradient of xlogy(t, t) (the
// limit is −Inf). It keeps x. Its backward is differentiable: the second
// derivative is 1/x.
//
// It panics unless it is given exactly one input.
type XLogX[T tensor.Float] struct {
	arena[T]
	x *tensor.Tensor[T]
}

func (*XLogX[T]) Name() string { return "XLogX" }

func (op *XLogX[T]) Forward(in []*tensor.Tensor[T]) *tensor.Tensor[T] {
	checkArity("XLogX", in, 1)
	op.x = in[0]
	y := op.ar.NewUninit(op.x.Shape()...)
	yd := y.Data()
	for i, xv := range op.x.Data() {
		if xv == 0 {
			yd[i] = 0
			continue
		}
		yd[i] = xv * T(fmath.Log(float64(xv)))
	}
	return y
}

func (op *XLogX[T]) Backward(dy *tensor.Tensor[T], _ []bool) []*tensor.Tensor[T] {
	dx := op.ar.NewUninit(dy.Shape()...)
	d, g := dx.Data(), dy.Data()
	for i, xv := range op.x.Data() {
		if xv == 0 {
			d[i] = T(math.NaN())
			continue
		}
		d[i] = g[i] * (T(fmath.Log(float64(xv))) + 1)
	}
	return []*tensor.Tensor[T]{dx}
}

func (op *XLogX[T]) Saved() []*tensor.Tensor[T] { return []*tensor.Tensor[T]{op.x} }

// BackwardVar writes dy ⊙ (log x + 1), made NaN at x = 0 by a constant, as
// Backward.
func (*XLogX[T]) BackwardVar(in []*v[T], _, dy *v[T], _ []bool) []*v[T] {
	dx := vMul(dy, vAddScalar(vLog(in[0]), 1))
	if zero := maskWhere(in[0].Value(), func(x T) bool { return x == 0 }); slices.Contains(zero, true) {
		nan := tensor.New[T](in[0].Shape()...)
		for i, z := range zero {
			if z {
				nan.Data()[i] = T(math.NaN())
			}
		}
		dx = vAdd(dx, vConst(nan))
	}
	return []*v[T]{dx}
}
