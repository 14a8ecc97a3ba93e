package functional_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

type bnFunc = func(x, g, b *autograd.Var[float64], eps float64) (*autograd.Var[float64], *tensor.Tensor[float64], *tensor.Tensor[float64])

// bnRun runs one batch norm forward and backward with seed as the upstream
// gradient and returns y, dx, dγ, dβ, the batch mean and variance.
func bnRun(f bnFunc, x, g, b, seed *tensor.Tensor[float64]) []*tensor.Tensor[float64] {
	tape := autograd.NewTape[float64]()
	xv, gv, bv := tape.Param(x), tape.Param(g), tape.Param(b)
	y, mean, variance := f(xv, gv, bv, 1e-5)
	tape.BackwardWithGrad(y, seed)
	return []*tensor.Tensor[float64]{y.Value(), xv.Grad(), gv.Grad(), bv.Grad(), mean, variance}
}

// The composed and the fused batch norm agree on the output, all three
// gradients and the batch statistics to 1e-10, on random shapes with a
// random upstream gradient.
func TestBatchNormComposedMatchesFused(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	names := []string{"y", "dx", "dγ", "dβ", "mean", "variance"}
	for trial := range 20 {
		shape := []int{1 + rng.IntN(8), 1 + rng.IntN(6)}
		if trial%2 == 1 {
			shape = append(shape, 1+rng.IntN(5), 1+rng.IntN(5))
		}
		if tensor.NumElems(shape)/shape[1] < 2 {
			shape[0] = 2
		}
		c := shape[1]
		x := tensor.Add(tensor.Scale(tensor.RandN[float64](rng, shape...), 5), tensor.Scalar(3.0))
		g, b := tensor.RandN[float64](rng, c), tensor.RandN[float64](rng, c)
		seed := tensor.RandN[float64](rng, shape...)
		fused := bnRun(functional.BatchNorm[float64], x, g, b, seed)
		composed := bnRun(functional.BatchNormComposed[float64], x, g, b, seed)
		for i, name := range names {
			if !tensor.SameShape(fused[i], composed[i]) {
				t.Fatalf("%v %s: shapes %v and %v", shape, name, fused[i].Shape(), composed[i].Shape())
			}
			if d := tensor.MaxAbsDiff(fused[i], composed[i]); d > 1e-10 {
				t.Errorf("%v %s: fused and composed differ by %.3g", shape, name, d)
			}
		}
	}
}

// With an all-ones upstream gradient dx vanishes whatever the backward
// computes right or wrong (Σ dy − x̂·Σ dy x̂ cancels M·dy exactly), which is
// why the cross-check above uses a random one.
func TestBatchNormAllOnesUpstreamHidesDx(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	x, g, b := tensor.RandN[float64](rng, 8, 3), tensor.RandN[float64](rng, 3), tensor.RandN[float64](rng, 3)
	dx := bnRun(functional.BatchNorm[float64], x, g, b, tensor.Ones[float64](8, 3))[1]
	if m := tensor.MaxAbsDiff(dx, tensor.New[float64](8, 3)); m > 1e-12 {
		t.Errorf("dx with all-ones upstream is %.3g from zero", m)
	}
}

func TestBatchNormOneValuePerChannelPanics(t *testing.T) {
	for _, f := range []bnFunc{functional.BatchNorm[float64], functional.BatchNormComposed[float64]} {
		testutil.MustPanic(t, func() {
			x := autograd.NewConst(tensor.New[float64](1, 3))
			f(x, autograd.NewConst(tensor.Ones[float64](3)), autograd.NewConst(tensor.New[float64](3)), 1e-5)
		}, "expected more than 1 value per channel when training, got input shape [1 3]")
	}
}
