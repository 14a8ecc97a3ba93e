package gradtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// GradGradCheck checks the second-order gradients of f, the way PyTorch's
// gradgradcheck does: it differentiates the backward pass recorded with
// autograd's Grad and CreateGraph, and compares the result with central
// finite differences of first-order gradients. It returns nil if they agree,
// or an error naming the input, the index and both values of the worst
// disagreement.
//
// With a random output gradient g (N(0, 1), of f's output shape), the
// backward pass is the function
//
//	F(x, g) = ∂⟨g, f(x)⟩/∂x = J(x)ᵀ g
//
// and, with random v of each input's shape, the objective is
// ψ(x, g) = Σᵢ ⟨vᵢ, Fᵢ(x, g)⟩. Its analytic gradient with respect to every
// input xᵢ and to g comes from differentiating the recorded backward pass
// (every op's BackwardVar); the numeric one from central differences of ψ,
// each evaluation taking F from an ordinary first-order pass (every op's
// Backward), which Check verifies. GradGradCheck also checks that F itself,
// computed through BackwardVar, equals the first-order pass's gradient.
//
// An op f goes through that does not implement autograd.DifferentiableOp
// makes Grad panic; GradGradCheck returns that panic's message as its error.
func GradGradCheck(f func(x []*autograd.Var[float64]) *autograd.Var[float64], inputs []*tensor.Tensor[float64], opt *Options) error {
	o := opt.withDefaults()
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	tape := autograd.NewTape[float64]()
	xs := make([]*autograd.Var[float64], len(inputs))
	for i, x := range inputs {
		xs[i] = tape.Param(x.Clone())
	}
	y := f(xs)
	if y.Tape() != tape || !y.RequiresGrad() {
		return fmt.Errorf("gradtest: the output of f was not recorded on the tape: it does not depend on the inputs")
	}
	g := tensor.RandN[float64](rng, y.Shape()...)
	vs := make([]*autograd.Var[float64], len(inputs))
	for i, in := range inputs {
		vs[i] = autograd.NewConst(tensor.RandN[float64](rng, in.Shape()...))
	}

	// F through BackwardVar, and the same through Backward.
	gv := tape.Param(g.Clone())
	fs, err := recordedGrad(tape, y, xs, gv)
	if err != nil {
		return err
	}
	first := firstOrder(f, inputs, g)
	for i := range inputs {
		if err := agree(fs[i].Value(), first[i], o); err != nil {
			return fmt.Errorf("gradtest: input %d: the recorded backward pass (BackwardVar) and the first-order one (Backward) differ: %v", i, err)
		}
	}

	// ψ's analytic gradient with respect to every input and to g.
	wrt := append(slices.Clone(xs), gv)
	var outs, seeds []*autograd.Var[float64]
	for i, fi := range fs {
		if fi.RequiresGrad() {
			outs, seeds = append(outs, fi), append(seeds, vs[i])
		}
	}
	analytic := make([]*tensor.Tensor[float64], len(wrt))
	for i, w := range wrt {
		analytic[i] = tensor.New[float64](w.Shape()...)
	}
	if len(outs) > 0 {
		hs := tape.Grad(outs, wrt, autograd.GradOptions[float64]{GradOutputs: seeds, MaterializeGrads: true})
		for i, h := range hs {
			analytic[i] = h.Value()
		}
	}

	// ψ evaluated through first-order passes, with one element moved.
	psi := func(k, j int, d float64) (float64, error) {
		ins := make([]*tensor.Tensor[float64], len(inputs))
		for i, in := range inputs {
			ins[i] = in.Clone()
		}
		gg := g.Clone()
		if k < len(inputs) {
			ins[k].Data()[j] += d
		} else {
			gg.Data()[j] += d
		}
		fk := firstOrder(f, ins, gg)
		s := 0.0
		for i := range fk {
			s += tensor.Dot(fk[i], vs[i].Value())
		}
		return s, nil
	}
	for k, w := range wrt {
		what := "second-order gradient"
		if k == len(inputs) {
			what = "second-order gradient (with respect to the output gradient)"
		}
		obj := func(j int, d float64) (float64, error) { return psi(k, j, d) }
		if err := compare(obj, what, w.Shape(), k, analytic[k], o); err != nil {
			return err
		}
	}
	return nil
}

// recordedGrad is F(x, g) through Grad with CreateGraph, with Grad's panic
// on an op without a differentiable backward returned as an error.
func recordedGrad(tape *autograd.Tape[float64], y *autograd.Var[float64], xs []*autograd.Var[float64], g *autograd.Var[float64]) (fs []*autograd.Var[float64], err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("gradtest: %v", r)
		}
	}()
	return tape.Grad([]*autograd.Var[float64]{y}, xs, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{g}, CreateGraph: true, MaterializeGrads: true}), nil
}

// firstOrder returns ∂⟨g, f(x)⟩/∂x for every input from a first-order
// backward pass on a fresh tape.
func firstOrder(f func(x []*autograd.Var[float64]) *autograd.Var[float64], inputs []*tensor.Tensor[float64], g *tensor.Tensor[float64]) []*tensor.Tensor[float64] {
	tape := autograd.NewTape[float64]()
	xs := make([]*autograd.Var[float64], len(inputs))
	for i, x := range inputs {
		xs[i] = tape.Param(x.Clone())
	}
	y := f(xs)
	gs := tape.Grad([]*autograd.Var[float64]{y}, xs, autograd.GradOptions[float64]{
		GradOutputs: []*autograd.Var[float64]{autograd.NewConst(g)}, MaterializeGrads: true})
	out := make([]*tensor.Tensor[float64], len(gs))
	for i, gi := range gs {
		out[i] = gi.Value()
	}
	return out
}

// agree reports the worst element where a and b differ by more than the
// tolerances; NaN agrees with NaN and an infinity with itself.
func agree(a, b *tensor.Tensor[float64], o Options) error {
	if !tensor.SameShape(a, b) {
		return fmt.Errorf("shapes %v and %v", a.Shape(), b.Shape())
	}
	for j, x := range a.Data() {
		y := b.Data()[j]
		if x == y || (math.IsNaN(x) && math.IsNaN(y)) {
			continue
		}
		if !(math.Abs(x-y) <= o.Atol+o.Rtol*max(math.Abs(x), math.Abs(y))) {
			return fmt.Errorf("at index %v: %.10g and %.10g", unravel(j, a.Shape()), x, y)
		}
	}
	return nil
}
