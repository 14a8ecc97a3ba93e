package functional_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// Which of γ and β a batch norm call is given (PyTorch's weight and bias,
// or None).
var bnAffines = []struct {
	name        string
	gamma, beta bool
}{{"γβ", true, true}, {"noaffine", false, false}, {"γonly", true, false}, {"βonly", false, true}}

// bnArgs splits the gradtest inputs x[, γ][, β] by which are given.
func bnArgs(x vars, gamma, beta bool) (xv, g, b *autograd.Var[float64]) {
	xv, rest := x[0], x[1:]
	if gamma {
		g, rest = rest[0], rest[1:]
	}
	if beta {
		b = rest[0]
	}
	return xv, g, b
}

// bnInputs draws x (far from standard, so that the statistics matter) and
// the γ and β that are given.
func bnInputs(rng *rand.Rand, shape []int, gamma, beta bool) []*tensor.Tensor[float64] {
	c := shape[1]
	in := []*tensor.Tensor[float64]{tensor.Add(tensor.Scale(tensor.RandN[float64](rng, shape...), 2), tensor.Scalar(1.5))}
	if gamma {
		in = append(in, tensor.RandN[float64](rng, c))
	}
	if beta {
		in = append(in, tensor.RandN[float64](rng, c))
	}
	return in
}

var bnShapes = [][]int{{6, 4}, {2, 3}, {5, 1}, {3, 2, 4}, {2, 3, 4, 5}, {1, 2, 3, 3}, {4, 3, 1, 1}}

// bnFn is a batch norm of x with γ and β, either of them nil.
type bnFn = func(x, g, b *autograd.Var[float64]) *autograd.Var[float64]

// bnPath is a functional batch norm path: f makes its function for an
// input of the given shape.
type bnPath struct {
	name string
	f    func(shape []int) bnFn
}

// bnPaths returns every functional batch norm path: the fused and the
// composed one, and F.batch_norm's form in training and in evaluation
// mode (with random running statistics drawn from rng).
func bnPaths(rng *rand.Rand) []bnPath {
	return []bnPath{
		{"fused", func([]int) bnFn {
			return func(x, g, b *autograd.Var[float64]) *autograd.Var[float64] {
				y, _, _ := functional.BatchNorm(x, g, b, 1e-3)
				return y
			}
		}},
		{"composed", func([]int) bnFn {
			return func(x, g, b *autograd.Var[float64]) *autograd.Var[float64] {
				y, _, _ := functional.BatchNormComposed(x, g, b, 1e-3)
				return y
			}
		}},
		{"full/training", func(shape []int) bnFn {
			rm, rv := tensor.New[float64](shape[1]), tensor.Ones[float64](shape[1])
			return func(x, g, b *autograd.Var[float64]) *autograd.Var[float64] {
				return functional.BatchNormFull(x, rm, rv, g, b, true, 0.1, 1e-3)
			}
		}},
		{"full/eval", func(shape []int) bnFn {
			rm, rv := tensor.RandN[float64](rng, shape[1]), tensor.RandU[float64](rng, 0.5, 2, shape[1])
			return func(x, g, b *autograd.Var[float64]) *autograd.Var[float64] {
				return functional.BatchNormFull(x, rm, rv, g, b, false, 0.1, 1e-3)
			}
		}},
	}
}

// The fused and the composed batch norm, and F.batch_norm's form in
// training and in evaluation mode, pass the gradient check with every
// combination of γ and β given or nil, affine=False (both nil) included.
func TestBatchNormOptionalAffineGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	fns := bnPaths(rng)
	for _, fn := range fns {
		for _, a := range bnAffines {
			for _, shape := range bnShapes {
				t.Run(fmt.Sprintf("%s/%s/%v", fn.name, a.name, shape), func(t *testing.T) {
					f := fn.f(shape)
					check := func(x vars) *autograd.Var[float64] {
						xv, g, b := bnArgs(x, a.gamma, a.beta)
						return f(xv, g, b)
					}
					if err := gradtest.Check(check, bnInputs(rng, shape, a.gamma, a.beta), nil); err != nil {
						t.Error(err)
					}
				})
			}
		}
	}
}

// With γ or β nil the fused and the composed batch norm agree on the
// output, every gradient and the batch statistics, and a nil γ or β means
// γ = 1 or β = 0: the same numbers as passing those constants.
func TestBatchNormOptionalAffineMatchesUnit(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 22))
	for _, a := range bnAffines[1:] {
		for _, shape := range bnShapes {
			c := shape[1]
			in := bnInputs(rng, shape, true, true)
			seed := tensor.RandN[float64](rng, shape...)
			if !a.gamma {
				in[1] = tensor.Ones[float64](c)
			}
			if !a.beta {
				in[2] = tensor.New[float64](c)
			}
			// The reference: the fused op with γ and β both given.
			want := bnRun(functional.BatchNorm[float64], in[0], in[1], in[2], seed)
			for _, f := range []struct {
				name string
				fn   bnFunc
			}{{"fused", functional.BatchNorm[float64]}, {"composed", functional.BatchNormComposed[float64]}} {
				tape := autograd.NewTape[float64]()
				x, g, b := tape.Param(in[0]), tape.Param(in[1]), tape.Param(in[2])
				gArg, bArg := g, b
				if !a.gamma {
					gArg = nil
				}
				if !a.beta {
					bArg = nil
				}
				y, mean, variance := f.fn(x, gArg, bArg, 1e-5)
				tape.BackwardWithGrad(y, seed)
				got := []*tensor.Tensor[float64]{y.Value(), x.Grad(), g.Grad(), b.Grad(), mean, variance}
				for i, name := range []string{"y", "dx", "dγ", "dβ", "mean", "variance"} {
					if (i == 2 && !a.gamma) || (i == 3 && !a.beta) {
						if got[i] != nil {
							t.Errorf("%s %s %v: the unused %s got a gradient", f.name, a.name, shape, name)
						}
						continue
					}
					if got[i] == nil {
						t.Errorf("%s %s %v: no %s", f.name, a.name, shape, name)
						continue
					}
					if d := tensor.MaxAbsDiff(got[i], want[i]); !tensor.SameShape(got[i], want[i]) || d > 1e-12 {
						t.Errorf("%s %s %v: %s differs from γ = 1, β = 0 by %.3g", f.name, a.name, shape, name, d)
					}
				}
			}
		}
	}
}

// Without γ and β the fused op keeps only its output x̂ and 1/σ.
func TestBatchNormNoAffineSavedBytes(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Param(tensor.RandN[float64](rand.New(rand.NewPCG(23, 23)), 8, 3, 2, 2))
	functional.BatchNorm(x, nil, nil, 1e-5)
	if got, want := tape.SavedBytes(), (8*3*2*2+3)*8; got != want {
		t.Errorf("SavedBytes = %d, want %d", got, want)
	}
}

// F.batch_norm by hand: channel 0 holds 1, 2, 6 (mean 3, biased variance
// 14/3, unbiased 7), channel 1 ten times that.
func TestBatchNormFullByHand(t *testing.T) {
	approx := cmpopts.EquateApprox(1e-14, 0)
	x := tensor.FromSlice([]float64{1, 10, 2, 20, 6, 60}, 3, 2)
	sd := []float64{math.Sqrt(14.0/3 + 1e-5), math.Sqrt(1400.0/3 + 1e-5)}
	wantY := make([]float64, 6)
	for i, v := range x.Data() {
		c := i % 2
		wantY[i] = (v - 3*math.Pow(10, float64(c))) / sd[c]
	}

	// Training with running statistics and momentum 0.1.
	rm, rv := tensor.FromSlice([]float64{1, -1}, 2), tensor.FromSlice([]float64{2, 3}, 2)
	y := functional.BatchNormFull(autograd.NewConst(x), rm, rv, nil, nil, true, 0.1, 1e-5)
	if d := cmp.Diff(wantY, y.Value().Data(), approx); d != "" {
		t.Errorf("training output (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]float64{0.9*1 + 0.1*3, 0.9*-1 + 0.1*30}, rm.Data(), approx); d != "" {
		t.Errorf("running mean (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]float64{0.9*2 + 0.1*7, 0.9*3 + 0.1*700}, rv.Data(), approx); d != "" {
		t.Errorf("running variance (-want +got):\n%s", d)
	}

	// Momentum 0 leaves them exactly where they are; momentum 1 replaces
	// them; a running statistic that is not given is not needed.
	rm, rv = tensor.FromSlice([]float64{1, -1}, 2), tensor.FromSlice([]float64{2, 3}, 2)
	functional.BatchNormFull(autograd.NewConst(x), rm, rv, nil, nil, true, 0, 1e-5)
	if d := cmp.Diff([]float64{1, -1, 2, 3}, append(rm.Data(), rv.Data()...)); d != "" {
		t.Errorf("momentum 0 moved the running statistics (-want +got):\n%s", d)
	}
	functional.BatchNormFull(autograd.NewConst(x), nil, rv, nil, nil, true, 1, 1e-5)
	if d := cmp.Diff([]float64{7, 700}, rv.Data(), approx); d != "" {
		t.Errorf("momentum 1, running variance alone (-want +got):\n%s", d)
	}

	// Evaluation uses the running statistics and leaves them alone, with γ
	// and β, and works on one value per channel.
	rm, rv = tensor.FromSlice([]float64{1, -1}, 2), tensor.FromSlice([]float64{2, 3}, 2)
	gamma, beta := tensor.FromSlice([]float64{2, -0.5}, 2), tensor.FromSlice([]float64{0.25, 4}, 2)
	tape := autograd.NewTape[float64]()
	g, b := tape.Param(gamma), tape.Param(beta)
	xe := tape.Param(tensor.FromSlice([]float64{3, 5}, 1, 2))
	y = functional.BatchNormFull(xe, rm, rv, g, b, false, 0.1, 1e-5)
	s0, s1 := 1/math.Sqrt(2+1e-5), 1/math.Sqrt(3+1e-5)
	if d := cmp.Diff([]float64{2*(3-1)*s0 + 0.25, -0.5*(5+1)*s1 + 4}, y.Value().Data(), approx); d != "" {
		t.Errorf("evaluation output (-want +got):\n%s", d)
	}
	tape.BackwardWithGrad(y, tensor.FromSlice([]float64{1.5, -2}, 1, 2))
	for _, q := range []struct {
		name      string
		want, got []float64
	}{
		{"dx", []float64{1.5 * 2 * s0, -2 * -0.5 * s1}, xe.Grad().Data()},
		{"dγ", []float64{1.5 * (3 - 1) * s0, -2 * (5 + 1) * s1}, g.Grad().Data()},
		{"dβ", []float64{1.5, -2}, b.Grad().Data()},
		{"running statistics", []float64{1, -1, 2, 3}, append(rm.Data(), rv.Data()...)},
	} {
		if d := cmp.Diff(q.want, q.got, approx); d != "" {
			t.Errorf("evaluation %s (-want +got):\n%s", q.name, d)
		}
	}
}

// UpdateRunningStats is the cumulative average when given momentum 1/k at
// the k-th batch: after three batches the running mean is their mean.
func TestUpdateRunningStatsCumulative(t *testing.T) {
	rm, rv := tensor.New[float64](1), tensor.Ones[float64](1)
	means, vars := []float64{2, -4, 11}, []float64{1, 3, 0.5}
	for k := range 3 {
		functional.UpdateRunningStats(rm, rv, tensor.FromSlice(means[k:k+1], 1), tensor.FromSlice(vars[k:k+1], 1), 5, 1/float64(k+1))
	}
	if got, want := rm.Data()[0], (2-4+11)/3.0; math.Abs(got-want) > 1e-15 {
		t.Errorf("running mean %v, want %v", got, want)
	}
	if got, want := rv.Data()[0], (1+3+0.5)/3.0*5/4; math.Abs(got-want) > 1e-15 {
		t.Errorf("running variance %v, want %v", got, want)
	}
}

func TestBatchNormOptionsPanics(t *testing.T) {
	c := func(v *tensor.Tensor[float64]) *autograd.Var[float64] { return autograd.NewConst(v) }
	x := c(tensor.New[float64](4, 3))
	three, two := tensor.Ones[float64](3), tensor.Ones[float64](2)
	for _, p := range []struct {
		want string
		f    func()
	}{
		{"functional: BatchNormFull: running_mean must be given in evaluation mode (training false)", func() {
			functional.BatchNormFull(x, nil, three, nil, nil, false, 0.1, 1e-5)
		}},
		{"functional: BatchNormFull: running_var must be given in evaluation mode (training false)", func() {
			functional.BatchNormFull(x, three, nil, nil, nil, false, 0.1, 1e-5)
		}},
		{"functional: BatchNormFull: running_mean of shape [2] does not match input [4 3] with 3 channels", func() {
			functional.BatchNormFull(x, two, three, nil, nil, true, 0.1, 1e-5)
		}},
		{"functional: BatchNormFull: running_var of shape [2] does not match input [4 3] with 3 channels", func() {
			functional.BatchNormFull(x, three, two, nil, nil, false, 0.1, 1e-5)
		}},
		{"functional: BatchNormFull: weight (γ) of shape [2] does not match input [4 3] with 3 channels", func() {
			functional.BatchNormFull(x, nil, nil, c(two), nil, true, 0.1, 1e-5)
		}},
		{"functional: BatchNormFull: expected more than 1 value per channel when training, got input shape [1 3]", func() {
			functional.BatchNormFull(c(tensor.New[float64](1, 3)), three, three, nil, nil, true, 0.1, 1e-5)
		}},
		{"functional: BatchNormFull needs an input of shape N×C or N×C×…, got [3]", func() {
			functional.BatchNormFull(c(three), three, three, nil, nil, false, 0.1, 1e-5)
		}},
		{"functional: BatchNorm: bias (β) of shape [2] does not match input [4 3] with 3 channels", func() {
			functional.BatchNorm(x, nil, c(two), 1e-5)
		}},
		{"functional: BatchNormComposed: weight (γ) of shape [2] does not match input [4 3] with 3 channels", func() {
			functional.BatchNormComposed(x, c(two), nil, 1e-5)
		}},
		{"functional: UpdateRunningStats: 1 value(s) per channel, need at least 2 for the unbiased variance", func() {
			functional.UpdateRunningStats(three, three, three, three, 1, 0.1)
		}},
		{"functional: UpdateRunningStats: running variance of shape [2] does not match the batch statistic of shape [3]", func() {
			functional.UpdateRunningStats(three, two, three, three, 4, 0.1)
		}},
	} {
		testutil.MustPanic(t, p.f, p.want)
	}
}
