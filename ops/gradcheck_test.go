package ops_test

// Shared helpers of the ops tests: gradient checks, random inputs kept away
// from kinks and ties, forward and backward runs, and comparisons.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/tensor"
)

type (
	vars64 = []*autograd.Var[float64]
	fn64   = func(x vars64) *autograd.Var[float64]
	t64    = *tensor.Tensor[float64]
)

// checkGrad runs gradtest.Check on f with default options and fails the test
// with Check's error, prefixed by name.
func checkGrad(t *testing.T, name string, f fn64, inputs ...t64) {
	t.Helper()
	checkGradOpt(t, name, nil, f, inputs...)
}

// checkGradOpt is checkGrad with explicit options.
func checkGradOpt(t *testing.T, name string, opt *gradtest.Options, f fn64, inputs ...t64) {
	t.Helper()
	if err := gradtest.Check(f, inputs, opt); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

// unary returns a gradtest function applying a fresh op from mk to x[0].
func unary(mk func() autograd.Op[float64]) fn64 {
	return func(x vars64) *autograd.Var[float64] { return autograd.Apply(mk(), x[0]) }
}

// binary returns a gradtest function applying a fresh op from mk to x[0], x[1].
func binary(mk func() autograd.Op[float64]) fn64 {
	return func(x vars64) *autograd.Var[float64] { return autograd.Apply(mk(), x[0], x[1]) }
}

// rng returns a deterministic source for one test.
func rng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// randn returns N(0, 1) values of the given shape.
func randn(r *rand.Rand, shape ...int) t64 { return tensor.RandN[float64](r, shape...) }

// randAway returns values in ±[lo, lo+2) with random signs, so that no value
// is within lo of the kink at 0 of ReLU-like ops.
func randAway(r *rand.Rand, lo float64, shape ...int) t64 {
	x := tensor.New[float64](shape...)
	for i := range x.Data() {
		v := lo + 2*r.Float64()
		if r.IntN(2) == 0 {
			v = -v
		}
		x.Data()[i] = v
	}
	return x
}

// randPos returns values uniform in [lo, hi), for Log, Sqrt and fractional
// or negative powers.
func randPos(r *rand.Rand, lo, hi float64, shape ...int) t64 {
	return tensor.RandU(r, lo, hi, shape...)
}

// randDistinct returns a shuffle of the values −1, −0.9, −0.8, … (one per
// element): any two differ by at least 0.1, far more than the
// finite-difference step, so Max has no ties to break.
func randDistinct(r *rand.Rand, shape ...int) t64 {
	x := tensor.New[float64](shape...)
	for i, p := range r.Perm(x.Size()) {
		x.Data()[i] = -1 + 0.1*float64(p)
	}
	return x
}

// vec returns a tensor holding data with the given shape (1-d if none).
func vec(data []float64, shape ...int) t64 { return tensor.FromSlice(data, shape...) }

// forward applies op to constant inputs and returns the output value.
func forward[T tensor.Float](op autograd.Op[T], in ...*tensor.Tensor[T]) *tensor.Tensor[T] {
	vs := make([]*autograd.Var[T], len(in))
	for i, x := range in {
		vs[i] = autograd.NewConst(x)
	}
	return autograd.Apply(op, vs...).Value()
}

// backward applies op to inputs that all require a gradient, runs the
// backward pass from the output with the given seed (all ones when nil) and
// returns the output and each input's gradient. It fails the test if a
// gradient is missing or does not have its input's shape.
func backward(t *testing.T, op autograd.Op[float64], seed t64, in ...t64) (t64, []t64) {
	t.Helper()
	tape := autograd.NewTape[float64]()
	vs := make(vars64, len(in))
	for i, x := range in {
		vs[i] = tape.Param(x.Clone())
	}
	y := autograd.Apply(op, vs...)
	if seed == nil {
		seed = tensor.Ones[float64](y.Shape()...)
	}
	tape.BackwardWithGrad(y, seed)
	gs := make([]t64, len(in))
	for i, v := range vs {
		gs[i] = v.Grad()
		if gs[i] == nil {
			t.Fatalf("%s: no gradient for input %d", op.Name(), i)
		}
		if !tensor.EqualShapes(gs[i].Shape(), in[i].Shape()) {
			t.Fatalf("%s: gradient of input %d has shape %v, want the input's %v", op.Name(), i, gs[i].Shape(), in[i].Shape())
		}
	}
	return y.Value(), gs
}

// savedBytes records op on a fresh tape with every input requiring a
// gradient and returns what the tape keeps for backward.
func savedBytes(op autograd.Op[float64], in ...t64) int {
	tape := autograd.NewTape[float64]()
	vs := make(vars64, len(in))
	for i, x := range in {
		vs[i] = tape.Param(x)
	}
	autograd.Apply(op, vs...)
	return tape.SavedBytes()
}

// to32 converts a float64 tensor to float32.
func to32(x t64) *tensor.Tensor[float32] {
	y := tensor.New[float32](x.Shape()...)
	for i, v := range x.Data() {
		y.Data()[i] = float32(v)
	}
	return y
}

// to64 converts a float32 tensor to float64.
func to64(x *tensor.Tensor[float32]) t64 {
	y := tensor.New[float64](x.Shape()...)
	for i, v := range x.Data() {
		y.Data()[i] = float64(v)
	}
	return y
}

// tol32 is the relative tolerance of float32 results against float64 ones.
const tol32 = 1e-5

// assertTensor fails unless got has the given shape and, element by
// element, agrees with want within the relative tolerance rtol (with an
// absolute floor of rtol, so values near 0 compare sensibly). Infinities must
// match exactly; NaN matches nothing.
func assertTensor(t *testing.T, what string, got t64, shape []int, want []float64, rtol float64) {
	t.Helper()
	if !tensor.EqualShapes(got.Shape(), shape) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), shape)
		return
	}
	if diff := cmp.Diff(want, got.Data(), cmpopts.EquateApprox(rtol, rtol), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: values differ (-want +got):\n%s", what, diff)
	}
}

// assertLike compares got with want's shape and data.
func assertLike(t *testing.T, what string, got, want t64, rtol float64) {
	t.Helper()
	assertTensor(t, what, got, want.Shape(), want.Data(), rtol)
}

// assert32 compares a float32 result with the float64 one.
func assert32(t *testing.T, what string, got *tensor.Tensor[float32], want t64) {
	t.Helper()
	assertLike(t, what+" (float32 vs float64)", to64(got), want, tol32)
}

// assertExactZero fails unless every element of g is exactly 0.
func assertExactZero(t *testing.T, what string, g []float64) {
	t.Helper()
	for i, v := range g {
		if v != 0 {
			t.Errorf("%s: element %d is %v, want exactly 0", what, i, v)
		}
	}
}

// assertFinite fails if an element of g is NaN or infinite.
func assertFinite(t *testing.T, what string, g []float64) {
	t.Helper()
	for i, v := range g {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s: element %d is %v, want a finite value", what, i, v)
		}
	}
}

// shapeName formats shapes for subtest names.
func shapeName(shapes ...[]int) string {
	parts := make([]string, len(shapes))
	for i, s := range shapes {
		parts[i] = strings.ReplaceAll(fmt.Sprint(s), " ", "x")
	}
	return strings.Join(parts, ",")
}
