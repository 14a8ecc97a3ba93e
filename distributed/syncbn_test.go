package distributed

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestSyncBatchNormGradient checks SyncBatchNorm's backward (its
// statistics op and the composite around it) against central differences
// on one rank, for an N×C×H×W and an N×C input, with respect to x, γ, β.
func TestSyncBatchNormGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 9))
	for _, shape := range [][]int{{3, 2, 2, 3}, {5, 3}} {
		c := shape[1]
		x := tensor.RandN[float64](rng, shape...)
		g, b := tensor.RandN[float64](rng, c), tensor.RandN[float64](rng, c)
		comm := NewLocal(1)[0]
		err := gradtest.Check(func(v []*autograd.Var[float64]) *autograd.Var[float64] {
			bn := nn.NewBatchNorm2d[float64](c)
			bn.Weight, bn.Bias = v[1], v[2]
			return NewSyncBatchNorm(bn, comm).Forward(v[0])
		}, []*tensor.Tensor[float64]{x, g, b}, nil)
		if err != nil {
			t.Errorf("%v: %v", shape, err)
		}
	}
}

// TestSyncBatchNormOneRankIsBatchNorm checks that on one rank SyncBatchNorm
// is nn.BatchNorm: outputs, gradients and running statistics, over two
// training steps and in evaluation mode, and that ConvertSyncBatchNorm
// finds the batch norms of nested Sequentials.
func TestSyncBatchNormOneRankIsBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	want := nn.NewBatchNorm2d[float64](3)
	got := nn.NewSequential[float64](nn.NewSequential[float64](nn.NewBatchNorm2d[float64](3)))
	if n := ConvertSyncBatchNorm(nn.Module[float64](got), NewLocal(1)[0]); n != 1 {
		t.Fatalf("ConvertSyncBatchNorm replaced %d batch norms, want 1", n)
	}
	sbn, ok := got.Layers[0].(*nn.Sequential[float64]).Layers[0].(*SyncBatchNorm[float64])
	if !ok {
		t.Fatalf("layer 0.0 is %T, want a SyncBatchNorm", got.Layers[0].(*nn.Sequential[float64]).Layers[0])
	}
	for step := range 3 {
		if step == 2 {
			nn.SetTraining[float64](want, false)
			nn.SetTraining[float64](got, false)
		}
		x := tensor.RandN[float64](rng, 4, 3, 2, 2)
		dy := tensor.RandN[float64](rng, 4, 3, 2, 2)
		run := func(m nn.Module[float64]) (y, dx *tensor.Tensor[float64]) {
			tape := autograd.NewTape[float64]()
			xv := tape.Param(x)
			out := m.Forward(xv)
			tape.BackwardWithGrad(out, dy)
			return out.Value(), xv.Grad()
		}
		wy, wdx := run(want)
		gy, gdx := run(got)
		for _, c := range []struct {
			what      string
			got, want *tensor.Tensor[float64]
		}{
			{"output", gy, wy}, {"x's gradient", gdx, wdx},
			{"γ's gradient", sbn.Weight.Grad(), want.Weight.Grad()}, {"β's gradient", sbn.Bias.Grad(), want.Bias.Grad()},
			{"running mean", sbn.RunningMean, want.RunningMean}, {"running variance", sbn.RunningVar, want.RunningVar},
			{"batches tracked", sbn.NumBatchesTracked, want.NumBatchesTracked},
		} {
			if d := tensor.MaxAbsDiff(c.got, c.want); !(d < 1e-12) {
				t.Errorf("step %d: %s differs from nn.BatchNorm's by %g", step, c.what, d)
			}
		}
		want.Weight.ZeroGrad()
		want.Bias.ZeroGrad()
		sbn.Weight.ZeroGrad()
		sbn.Bias.ZeroGrad()
	}
}

// TestSyncBatchNormPanics checks the input checks' messages.
func TestSyncBatchNormPanics(t *testing.T) {
	s := NewSyncBatchNorm(nn.NewBatchNorm2d[float64](3), NewLocal(1)[0])
	tape := autograd.NewTape[float64]()
	testutil.MustPanic(t, func() { s.Forward(tape.Input(tensor.New[float64](2, 4, 2, 2))) },
		"distributed: SyncBatchNorm: input [2 4 2 2]: want an input of 2 or more dimensions with 3 channels")
	testutil.MustPanic(t, func() { s.Forward(tape.Input(tensor.New[float64](1, 3))) },
		"distributed: SyncBatchNorm: input [1 3]: a channel has only 1 value over all ranks")
}
