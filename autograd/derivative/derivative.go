package derivative

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// Options tunes the functions of the package, after the keyword arguments
// of torch.autograd.functional. A nil *Options is the zero value: PyTorch's
// defaults.
type Options struct {
	// CreateGraph records the computation of the result on the tape
	// (create_graph), so that the Vars HVPAt, JVPAt and VJPAt return can
	// be differentiated again. The functions that return tensors panic if
	// it is set.
	CreateGraph bool

	// Strict panics where the derivative is zero because nothing on the
	// tape connects what is differentiated to what it is differentiated
	// with respect to (strict), instead of returning zeros: an output that
	// requires no gradient, an output that does not depend on an input,
	// and, for HVP and Hessian, a gradient that depends on no input (the
	// function is linear in that input) or, for Hessian, a block
	// ∂²f/∂xⱼ∂xᵢ whose gradient with respect to xⱼ does not depend on xᵢ.
	// The test is structural, as PyTorch's: a derivative computed to be 0
	// is not an error.
	Strict bool
}

func (o *Options) get() Options {
	if o == nil {
		return Options{}
	}
	return *o
}

// VJP evaluates f at xs and returns its value y and the vector–Jacobian
// product, one tensor per input, as torch.autograd.functional.vjp:
//
//	vjpᵢ = Jᵢᵀ v = ∂⟨v, f(x)⟩/∂xᵢ        Jᵢ = ∂f/∂xᵢ, of shape (y's) × (xᵢ's)
//
// with v of y's shape; v may be nil when y has one element (v = 1, the
// gradient). It takes one backward pass. See VJPAt.
//
// VJP panics if xs is empty, if v's shape is not y's, if v is nil for an
// output of more than one element, if o.CreateGraph is set, and, with
// o.Strict, if y does not depend on an input.
func VJP[T tensor.Float](f func(xs []*autograd.Var[T]) *autograd.Var[T], xs []*tensor.Tensor[T], v *tensor.Tensor[T], o *Options) (value *tensor.Tensor[T], vjp []*tensor.Tensor[T]) {
	oo := tensorsOnly("VJP", o)
	tape, vars := evaluate("VJP", xs)
	y := f(vars)
	return y.Value(), valuesOf(vjpAt("VJP", tape, y, vars, v, oo))
}

// JVP evaluates f at xs and returns its value y and the Jacobian–vector
// product, of y's shape, as torch.autograd.functional.jvp:
//
//	jvp = Σᵢ Jᵢ uᵢ        Jᵢ = ∂f/∂xᵢ, of shape (y's) × (xᵢ's), uᵢ of xᵢ's shape
//
// us may be nil when f has one input of one element (u = 1). It takes two
// backward passes, the double-backward trick; see JVPAt.
//
// JVP panics if xs is empty, if us does not hold one tensor of each input's
// shape, if o.CreateGraph is set, when an op on the way has no
// differentiable backward, and, with o.Strict, if y does not depend on an
// input.
func JVP[T tensor.Float](f func(xs []*autograd.Var[T]) *autograd.Var[T], xs, us []*tensor.Tensor[T], o *Options) (value, jvp *tensor.Tensor[T]) {
	oo := tensorsOnly("JVP", o)
	tape, vars := evaluate("JVP", xs)
	y := f(vars)
	return y.Value(), jvpAt("JVP", tape, y, vars, us, oo).Value()
}

// HVP evaluates the scalar function f at xs and returns its value and the
// Hessian–vector product, one tensor per input, as
// torch.autograd.functional.hvp:
//
//	hvpᵢ = Σⱼ ∂²f/∂xᵢ∂xⱼ vⱼ = ∂⟨∇f(x), v⟩/∂xᵢ
//
// with vⱼ of xⱼ's shape; vs may be nil when f has one input of one element
// (v = 1). It takes two backward passes; see HVPAt.
//
// HVP panics if xs is empty, if f's output has more than one element, if vs
// does not hold one tensor of each input's shape, if o.CreateGraph is set,
// when an op on the way has no differentiable backward, and, with o.Strict,
// in the cases Options lists.
func HVP[T tensor.Float](f func(xs []*autograd.Var[T]) *autograd.Var[T], xs, vs []*tensor.Tensor[T], o *Options) (value *tensor.Tensor[T], hvp []*tensor.Tensor[T]) {
	oo := tensorsOnly("HVP", o)
	tape, vars := evaluate("HVP", xs)
	y := f(vars)
	return y.Value(), valuesOf(hvpAt("HVP", tape, y, vars, vs, oo))
}

// Jacobian evaluates f at xs and returns its Jacobian with respect to each
// input, as torch.autograd.functional.jacobian:
//
//	J[i][k, j] = ∂yₖ/∂(xᵢ)ⱼ        of shape (y's) × (xᵢ's)
//
// taking one backward pass per element of y (reverse mode, row by row).
// See JacobianAt.
//
// Jacobian panics if xs is empty, if o.CreateGraph is set, and, with
// o.Strict, if y does not depend on an input.
func Jacobian[T tensor.Float](f func(xs []*autograd.Var[T]) *autograd.Var[T], xs []*tensor.Tensor[T], o *Options) []*tensor.Tensor[T] {
	oo := tensorsOnly("Jacobian", o)
	tape, vars := evaluate("Jacobian", xs)
	return jacobianAt("Jacobian", tape, f(vars), vars, oo)
}

// Hessian evaluates the scalar function f at xs and returns its Hessian, one
// block per pair of inputs, as torch.autograd.functional.hessian:
//
//	H[i][j] = ∂²f/∂xᵢ∂xⱼ        of shape (xᵢ's) × (xⱼ's)
//
// For f twice continuously differentiable, H[j][i] is H[i][j] transposed.
// It takes one backward pass, recorded, then one pass per element of the
// inputs. See HessianAt.
//
// Hessian panics if xs is empty, if f's output has more than one element,
// if o.CreateGraph is set, when an op on the way has no differentiable
// backward, and, with o.Strict, in the cases Options lists.
func Hessian[T tensor.Float](f func(xs []*autograd.Var[T]) *autograd.Var[T], xs []*tensor.Tensor[T], o *Options) [][]*tensor.Tensor[T] {
	oo := tensorsOnly("Hessian", o)
	tape, vars := evaluate("Hessian", xs)
	return hessianAt("Hessian", tape, f(vars), vars, oo)
}

// VJPAt returns the vector–Jacobian product of y, recorded on tape, with
// respect to xs (leaves or Vars of the tape), one Var per input:
//
//	vjpᵢ = Jᵢᵀ v = ∂⟨v, y⟩/∂xᵢ        of xᵢ's shape
//
// with v of y's shape; v may be nil when y has one element, and VJPAt is
// then the gradient. It is one Tape.Grad, with zeros (or, with o.Strict, a
// panic) for an input y does not depend on. With o.CreateGraph the results
// are recorded and can be differentiated again.
//
// VJPAt panics if tape is nil, if xs is empty, if v's shape is not y's, if v
// is nil for an output of more than one element, in the cases Tape.Grad
// panics, and, with o.Strict, if y does not depend on an input.
func VJPAt[T tensor.Float](tape *autograd.Tape[T], y *autograd.Var[T], xs []*autograd.Var[T], v *tensor.Tensor[T], o *Options) []*autograd.Var[T] {
	return vjpAt("VJPAt", tape, y, xs, v, o.get())
}

// JVPAt returns the Jacobian–vector product of y, recorded on tape, with
// respect to xs (leaves or Vars of the tape), a Var of y's shape:
//
//	jvp = Σᵢ Jᵢ uᵢ        Jᵢ = ∂y/∂xᵢ, uᵢ of xᵢ's shape
//
// computed without forward mode by the double-backward trick: with a dummy
// seed d of y's shape that requires a gradient, the recorded backward pass
// gives gᵢ = Jᵢᵀ d, linear in d, and
//
//	J u = ∂(Σᵢ ⟨gᵢ, uᵢ⟩)/∂d
//
// which a second backward pass computes. us may be nil when there is one
// input of one element. With o.CreateGraph the result is recorded and can
// be differentiated again. The first pass is recorded on tape.
//
// JVPAt panics if tape is nil, if xs is empty, if us does not hold one
// tensor of each input's shape, in the cases Tape.Grad panics (with
// CreateGraph: an op without a differentiable backward), and, with
// o.Strict, if y does not depend on an input.
func JVPAt[T tensor.Float](tape *autograd.Tape[T], y *autograd.Var[T], xs []*autograd.Var[T], us []*tensor.Tensor[T], o *Options) *autograd.Var[T] {
	return jvpAt("JVPAt", tape, y, xs, us, o.get())
}

// HVPAt returns the Hessian–vector product of the one-element loss,
// recorded on tape, with respect to xs (leaves such as a model's NewParam
// parameters, or Vars of the tape), one Var per input:
//
//	hvpᵢ = Σⱼ ∂²loss/∂xᵢ∂xⱼ vⱼ = ∂⟨∇loss, v⟩/∂xᵢ
//
// with vⱼ of xⱼ's shape. The gradient g = ∇loss is taken with CreateGraph,
// which records its backward pass on tape; a second, first-order pass from
// the gᵢ seeded with the vᵢ then gives ∂⟨g, v⟩/∂x (PyTorch's vhp, which is
// the same product since the Hessian of a twice continuously
// differentiable function is symmetric). An input the loss does not depend
// on, or on which the gradient does not depend, gets zeros (or, with
// o.Strict, a panic). With o.CreateGraph the second pass is recorded too,
// and the results can be differentiated again.
//
// HVPAt panics if tape is nil, if xs is empty, if loss has more than one
// element, if vs does not hold one tensor of each input's shape, in the
// cases Tape.Grad panics (an op without a differentiable backward), and,
// with o.Strict, in the cases Options lists.
func HVPAt[T tensor.Float](tape *autograd.Tape[T], loss *autograd.Var[T], xs []*autograd.Var[T], vs []*tensor.Tensor[T], o *Options) []*autograd.Var[T] {
	return hvpAt("HVPAt", tape, loss, xs, vs, o.get())
}

// JacobianAt returns the Jacobian of y, recorded on tape, with respect to
// each of xs (leaves or Vars of the tape):
//
//	J[i][k, j] = ∂yₖ/∂(xᵢ)ⱼ        of shape (y's) × (xᵢ's)
//
// row by row: one first-order Tape.Grad per element k of y, seeded with the
// k-th unit vector. It records nothing on the tape. An input y does not
// depend on gets zeros (or, with o.Strict, a panic).
//
// JacobianAt panics if tape is nil, if xs is empty, if o.CreateGraph is
// set, in the cases Tape.Grad panics, and, with o.Strict, if y does not
// depend on an input.
func JacobianAt[T tensor.Float](tape *autograd.Tape[T], y *autograd.Var[T], xs []*autograd.Var[T], o *Options) []*tensor.Tensor[T] {
	return jacobianAt("JacobianAt", tape, y, xs, tensorsOnly("JacobianAt", o))
}

// HessianAt returns the Hessian of the one-element loss, recorded on tape,
// with respect to xs (leaves or Vars of the tape), one block per pair of
// inputs:
//
//	H[i][j] = ∂²loss/∂xᵢ∂xⱼ        of shape (xᵢ's) × (xⱼ's)
//
// The gradient g = ∇loss is taken with CreateGraph, which records its
// backward pass on tape; then each row of H[i] is one first-order
// Tape.Grad from gᵢ, seeded with a unit vector. Blocks that no path
// connects are zeros (or, with o.Strict, a panic).
//
// HessianAt panics if tape is nil, if xs is empty, if loss has more than
// one element, if o.CreateGraph is set, in the cases Tape.Grad panics (an
// op without a differentiable backward), and, with o.Strict, in the cases
// Options lists.
func HessianAt[T tensor.Float](tape *autograd.Tape[T], loss *autograd.Var[T], xs []*autograd.Var[T], o *Options) [][]*tensor.Tensor[T] {
	return hessianAt("HessianAt", tape, loss, xs, tensorsOnly("HessianAt", o))
}

func vjpAt[T tensor.Float](name string, tape *autograd.Tape[T], y *autograd.Var[T], xs []*autograd.Var[T], v *tensor.Tensor[T], o Options) []*autograd.Var[T] {
	checkTape(name, tape, xs)
	var seeds []*autograd.Var[T]
	switch {
	case v != nil && !tensor.EqualShapes(v.Shape(), y.Shape()):
		panic(fmt.Sprintf(errOutVecShape, name, v.Shape(), y.Shape()))
	case v != nil:
		seeds = []*autograd.Var[T]{autograd.NewConst(v)}
	case y.Value().Size() != 1:
		panic(fmt.Sprintf(errOutVecNil, name, y.Shape()))
	}
	if !differentiable(name, y, o) {
		return zeroVars(tape, xs)
	}
	if o.CreateGraph {
		defer tape.SetGradEnabled(tape.SetGradEnabled(true))
	}
	gs := grad(tape, []*autograd.Var[T]{y}, xs, seeds, o.CreateGraph)
	for i, g := range gs {
		if g == nil {
			if o.Strict {
				panic(fmt.Sprintf(errStrictInput, name, i))
			}
			g = tape.Input(tensor.New[T](xs[i].Shape()...))
		}
		gs[i] = own(tape, g, v)
	}
	return gs
}

func jvpAt[T tensor.Float](name string, tape *autograd.Tape[T], y *autograd.Var[T], xs []*autograd.Var[T], us []*tensor.Tensor[T], o Options) *autograd.Var[T] {
	checkTape(name, tape, xs)
	us = vectors(name, us, xs)
	zero := func() *autograd.Var[T] { return tape.Input(tensor.New[T](y.Shape()...)) }
	if !differentiable(name, y, o) {
		return zero()
	}
	defer tape.SetGradEnabled(tape.SetGradEnabled(true))
	// The backward pass is linear in the seed; its value does not matter
	// (zeros keep it finite), only that the pass can be differentiated
	// with respect to it.
	d := tape.Param(tensor.New[T](y.Shape()...))
	gs := grad(tape, []*autograd.Var[T]{y}, xs, []*autograd.Var[T]{d}, true)
	var outs, seeds []*autograd.Var[T]
	for i, g := range gs {
		if g == nil || !g.RequiresGrad() {
			if o.Strict {
				panic(fmt.Sprintf(errStrictInput, name, i))
			}
			continue // Jᵢ = 0
		}
		outs, seeds = append(outs, g), append(seeds, autograd.NewConst(us[i]))
	}
	if len(outs) == 0 {
		return zero()
	}
	r := grad(tape, outs, []*autograd.Var[T]{d}, seeds, o.CreateGraph)[0]
	if r == nil {
		return zero()
	}
	return own(tape, r, us...)
}

func hvpAt[T tensor.Float](name string, tape *autograd.Tape[T], loss *autograd.Var[T], xs []*autograd.Var[T], vs []*tensor.Tensor[T], o Options) []*autograd.Var[T] {
	checkTape(name, tape, xs)
	vs = vectors(name, vs, xs)
	scalar(name, loss)
	if !differentiable(name, loss, o) {
		return zeroVars(tape, xs)
	}
	defer tape.SetGradEnabled(tape.SetGradEnabled(true))
	gs := grad(tape, []*autograd.Var[T]{loss}, xs, nil, true)
	var outs, seeds []*autograd.Var[T]
	for i, g := range gs {
		switch {
		case g == nil && o.Strict:
			panic(fmt.Sprintf(errStrictInput, name, i))
		case g != nil && !g.RequiresGrad() && o.Strict:
			panic(fmt.Sprintf(errStrictLinear, name, i))
		case g != nil && g.RequiresGrad():
			outs, seeds = append(outs, g), append(seeds, autograd.NewConst(vs[i]))
		}
	}
	if len(outs) == 0 {
		return zeroVars(tape, xs)
	}
	hs := grad(tape, outs, xs, seeds, o.CreateGraph)
	for i, h := range hs {
		if h == nil {
			h = tape.Input(tensor.New[T](xs[i].Shape()...))
		}
		hs[i] = own(tape, h, vs...)
	}
	return hs
}

func jacobianAt[T tensor.Float](name string, tape *autograd.Tape[T], y *autograd.Var[T], xs []*autograd.Var[T], o Options) []*tensor.Tensor[T] {
	checkTape(name, tape, xs)
	jac := make([]*tensor.Tensor[T], len(xs))
	for i, x := range xs {
		jac[i] = tensor.New[T](concat(y.Shape(), x.Shape())...)
	}
	if !differentiable(name, y, o) {
		return jac
	}
	e := tensor.New[T](y.Shape()...)
	seed := []*autograd.Var[T]{autograd.NewConst(e)}
	for k := range e.Size() {
		e.Data()[k] = 1
		gs := grad(tape, []*autograd.Var[T]{y}, xs, seed, false)
		for i, g := range gs {
			if g == nil {
				if o.Strict {
					panic(fmt.Sprintf(errStrictInput, name, i))
				}
				continue
			}
			n := xs[i].Value().Size()
			copy(jac[i].Data()[k*n:(k+1)*n], g.Value().Data())
		}
		e.Data()[k] = 0
	}
	return jac
}

func hessianAt[T tensor.Float](name string, tape *autograd.Tape[T], loss *autograd.Var[T], xs []*autograd.Var[T], o Options) [][]*tensor.Tensor[T] {
	checkTape(name, tape, xs)
	scalar(name, loss)
	hess := make([][]*tensor.Tensor[T], len(xs))
	for i, xi := range xs {
		hess[i] = make([]*tensor.Tensor[T], len(xs))
		for j, xj := range xs {
			hess[i][j] = tensor.New[T](concat(xi.Shape(), xj.Shape())...)
		}
	}
	if !differentiable(name, loss, o) {
		return hess
	}
	defer tape.SetGradEnabled(tape.SetGradEnabled(true))
	gs := grad(tape, []*autograd.Var[T]{loss}, xs, nil, true)
	for i, g := range gs {
		switch {
		case g == nil && o.Strict:
			panic(fmt.Sprintf(errStrictInput, name, i))
		case g != nil && !g.RequiresGrad() && o.Strict:
			panic(fmt.Sprintf(errStrictLinear, name, i))
		}
	}
	for i, g := range gs {
		if g == nil || !g.RequiresGrad() {
			continue // H[i] = 0
		}
		e := tensor.New[T](g.Shape()...)
		seed := []*autograd.Var[T]{autograd.NewConst(e)}
		for k := range e.Size() {
			e.Data()[k] = 1
			rows := grad(tape, []*autograd.Var[T]{g}, xs, seed, false)
			for j, r := range rows {
				if r == nil {
					if o.Strict {
						panic(fmt.Sprintf(errStrictBlock, name, i, j))
					}
					continue
				}
				n := xs[j].Value().Size()
				copy(hess[i][j].Data()[k*n:(k+1)*n], r.Value().Data())
			}
			e.Data()[k] = 0
		}
	}
	return hess
}

// grad is Tape.Grad with nil for the inputs the outputs do not use.
func grad[T tensor.Float](tape *autograd.Tape[T], outs, ins, seeds []*autograd.Var[T], create bool) []*autograd.Var[T] {
	return tape.Grad(outs, ins, autograd.GradOptions[T]{GradOutputs: seeds, CreateGraph: create, AllowUnused: true})
}

// evaluate puts the tensors on a fresh tape as Vars that require a
// gradient.
func evaluate[T tensor.Float](name string, xs []*tensor.Tensor[T]) (*autograd.Tape[T], []*autograd.Var[T]) {
	if len(xs) == 0 {
		panic(fmt.Sprintf(errNoInputs, name))
	}
	tape := autograd.NewTape[T]()
	vars := make([]*autograd.Var[T], len(xs))
	for i, x := range xs {
		vars[i] = tape.Param(x)
	}
	return tape, vars
}

// tensorsOnly returns the options of a function that returns tensors,
// which cannot record anything.
func tensorsOnly(name string, o *Options) Options {
	oo := o.get()
	if oo.CreateGraph {
		panic(fmt.Sprintf(errCreateGraph, name))
	}
	return oo
}

func checkTape[T tensor.Float](name string, tape *autograd.Tape[T], xs []*autograd.Var[T]) {
	switch {
	case tape == nil:
		panic(fmt.Sprintf(errNoTape, name))
	case len(xs) == 0:
		panic(fmt.Sprintf(errNoInputs, name))
	}
}

// differentiable reports whether y requires a gradient; if it does not,
// every derivative is zero, which Strict forbids.
func differentiable[T tensor.Float](name string, y *autograd.Var[T], o Options) bool {
	if !y.RequiresGrad() && o.Strict {
		panic(fmt.Sprintf(errStrictOutput, name))
	}
	return y.RequiresGrad()
}

func scalar[T tensor.Float](name string, y *autograd.Var[T]) {
	if y.Value().Size() != 1 {
		panic(fmt.Sprintf(errNotScalar, name, y.Shape()))
	}
}

// vectors checks that vs holds one tensor of each input's shape; nil stands
// for 1 when there is one input of one element.
func vectors[T tensor.Float](name string, vs []*tensor.Tensor[T], xs []*autograd.Var[T]) []*tensor.Tensor[T] {
	if vs == nil {
		if len(xs) != 1 || xs[0].Value().Size() != 1 {
			shapes := make([][]int, len(xs))
			for i, x := range xs {
				shapes[i] = x.Shape()
			}
			panic(fmt.Sprintf(errVecsNil, name, len(xs), shapes))
		}
		return []*tensor.Tensor[T]{tensor.Ones[T](xs[0].Shape()...)}
	}
	if len(vs) != len(xs) {
		panic(fmt.Sprintf(errVecCount, name, len(vs), len(xs)))
	}
	for i, v := range vs {
		switch {
		case v == nil:
			panic(fmt.Sprintf(errVecNil, name, i))
		case !tensor.EqualShapes(v.Shape(), xs[i].Shape()):
			panic(fmt.Sprintf(errVecShape, name, i, v.Shape(), i, xs[i].Shape()))
		}
	}
	return vs
}

// own returns r, or a copy of it if its value is the storage of one of the
// caller's vectors: a pass that only routes its seed (y = x + c) returns
// the seed itself. Such a result never requires a gradient, so the copy
// cuts nothing.
func own[T tensor.Float](tape *autograd.Tape[T], r *autograd.Var[T], vs ...*tensor.Tensor[T]) *autograd.Var[T] {
	d := r.Value().Data()
	for _, v := range vs {
		if v != nil && len(d) > 0 && v.Size() > 0 && &v.Data()[0] == &d[0] {
			return tape.Input(r.Value().Clone())
		}
	}
	return r
}

func zeroVars[T tensor.Float](tape *autograd.Tape[T], xs []*autograd.Var[T]) []*autograd.Var[T] {
	zs := make([]*autograd.Var[T], len(xs))
	for i, x := range xs {
		zs[i] = tape.Input(tensor.New[T](x.Shape()...))
	}
	return zs
}

func valuesOf[T tensor.Float](vs []*autograd.Var[T]) []*tensor.Tensor[T] {
	ts := make([]*tensor.Tensor[T], len(vs))
	for i, v := range vs {
		ts[i] = v.Value()
	}
	return ts
}

func concat(a, b []int) []int {
	return append(append(make([]int, 0, len(a)+len(b)), a...), b...)
}
