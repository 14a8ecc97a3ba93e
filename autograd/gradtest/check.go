package gradtest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// Options tunes Check. The zero value, and a nil *Options, select the
// defaults.
type Options struct {
	// Eps is the finite-difference step h; default 1e-6.
	Eps float64
	// Atol and Rtol bound the accepted difference between the analytic
	// gradient a and the numeric one n: |a−n| ≤ Atol + Rtol·max(|a|, |n|).
	// Defaults 1e-6 and 1e-5.
	Atol, Rtol float64
	// Seed seeds the random output gradient; default 1.
	Seed uint64
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Eps == 0 {
		r.Eps = 1e-6
	}
	if r.Atol == 0 {
		r.Atol = 1e-6
	}
	if r.Rtol == 0 {
		r.Rtol = 1e-5
	}
	if r.Seed == 0 {
		r.Seed = 1
	}
	return r
}

// Check compares the gradients that the backward pass computes for f with
// central finite differences and returns nil if they agree, or an error that
// names the input, the index and both values of the worst disagreement.
//
// The objective is L(x) = Σ g ⊙ f(x) for a random output gradient g drawn
// from N(0, 1) (an all-ones g would hide errors that cancel in a sum). The
// analytic gradient of input i is ∂L/∂xᵢ from one BackwardWithGrad(f(x), g);
// the numeric one at each index j is
//
//	(L(x + h·eⱼ) − L(x − h·eⱼ)) / 2h
//
// where every evaluation starts from fresh copies of the inputs, so an f that
// modifies its inputs is caught rather than compounded. The inputs themselves
// are never modified.
func Check(f func(x []*autograd.Var[float64]) *autograd.Var[float64], inputs []*tensor.Tensor[float64], opt *Options) error {
	o := opt.withDefaults()
	tape := autograd.NewTape[float64]()
	xs := make([]*autograd.Var[float64], len(inputs))
	for i, x := range inputs {
		xs[i] = tape.Param(x.Clone())
	}
	y := f(xs)
	if y.Tape() != tape || !y.RequiresGrad() {
		return fmt.Errorf("gradtest: the output of f was not recorded on the tape: it does not depend on the inputs")
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	g := tensor.RandN[float64](rng, y.Shape()...)
	tape.BackwardWithGrad(y, g)
	for i, x := range xs {
		if !tensor.AllClose(x.Value(), inputs[i], 0, 0) {
			return fmt.Errorf("gradtest: f modified input %d", i)
		}
	}
	for i, in := range inputs {
		analytic := xs[i].Grad()
		if analytic == nil {
			analytic = tensor.New[float64](in.Shape()...)
		}
		obj := func(j int, d float64) (float64, error) { return objective(f, inputs, i, j, d, g) }
		if err := compare(obj, "gradient", inputs[i].Shape(), i, analytic, o); err != nil {
			return err
		}
	}
	return nil
}

// compare checks every element of input i's analytic gradient against the
// central difference of obj, which evaluates the objective with element j
// of input i moved by d.
func compare(obj func(j int, d float64) (float64, error), what string, shape []int, i int,
	analytic *tensor.Tensor[float64], o Options) error {
	bad, worst, worstAt := 0, 0.0, -1
	var worstA, worstN float64
	for j, a := range analytic.Data() {
		plus, err := obj(j, o.Eps)
		if err != nil {
			return err
		}
		minus, err := obj(j, -o.Eps)
		if err != nil {
			return err
		}
		n := (plus - minus) / (2 * o.Eps)
		diff := math.Abs(a - n)
		excess := diff - (o.Atol + o.Rtol*max(math.Abs(a), math.Abs(n)))
		if excess > 0 || math.IsNaN(diff) {
			bad++
			if worstAt < 0 || excess > worst || math.IsNaN(diff) {
				worst, worstAt, worstA, worstN = excess, j, a, n
			}
		}
	}
	if bad == 0 {
		return nil
	}
	return fmt.Errorf("gradtest: input %d (shape %v): %d of %d %s elements differ; worst at index %v: analytic %.10g, numeric %.10g",
		i, shape, bad, analytic.Size(), what, unravel(worstAt, shape), worstA, worstN)
}

// objective evaluates Σ g ⊙ f(x) off the tape with element j of input i
// moved by d.
func objective(f func(x []*autograd.Var[float64]) *autograd.Var[float64], inputs []*tensor.Tensor[float64], i, j int,
	d float64, g *tensor.Tensor[float64]) (float64, error) {
	xs := make([]*autograd.Var[float64], len(inputs))
	for k, in := range inputs {
		c := in.Clone()
		if k == i {
			c.Data()[j] += d
		}
		xs[k] = autograd.NewConst(c)
	}
	y := f(xs).Value()
	if !tensor.SameShape(y, g) {
		return 0, fmt.Errorf("gradtest: f returned shape %v on a perturbed input, %v on the original", y.Shape(), g.Shape())
	}
	return tensor.Dot(g, y), nil
}

// unravel turns a flat row-major offset into coordinates.
func unravel(off int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		idx[k] = off % shape[k]
		off /= shape[k]
	}
	return idx
}
