package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

func TestBatchNormRunningStatistics(t *testing.T) {
	for _, composed := range []bool{false, true} {
		bn := NewBatchNorm1d[float64](2)
		bn.Composed = composed
		// Channel 0 holds 1, 2, 6: mean 3, biased variance 14/3, unbiased 7.
		x := tensor.FromSlice([]float64{1, 10, 2, 20, 6, 60}, 3, 2)
		bn.Forward(autograd.NewConst(x))
		bn.Forward(autograd.NewConst(x))
		// After two updates with momentum 0.1: 0.19·stat (mean) and
		// 0.81·1 + 0.19·unbiased (variance).
		wantMean := []float64{0.19 * 3, 0.19 * 30}
		wantVar := []float64{0.81 + 0.19*7, 0.81 + 0.19*700}
		approx := cmpopts.EquateApprox(1e-14, 1e-14)
		if diff := cmp.Diff(wantMean, bn.RunningMean.Data(), approx); diff != "" {
			t.Errorf("composed %t: running mean (-want +got):\n%s", composed, diff)
		}
		if diff := cmp.Diff(wantVar, bn.RunningVar.Data(), approx); diff != "" {
			t.Errorf("composed %t: running variance (-want +got):\n%s", composed, diff)
		}
		if got := bn.NumBatchesTracked.Item(); got != 2 {
			t.Errorf("composed %t: num_batches_tracked %v, want 2", composed, got)
		}
	}
}

func TestBatchNormEvalUsesRunningStatistics(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	bn := NewBatchNorm2d[float64](3)
	for i := range 3 {
		bn.RunningMean.Data()[i] = float64(i)
		bn.RunningVar.Data()[i] = float64(i + 1)
		bn.Weight.Value().Data()[i] = 2
		bn.Bias.Value().Data()[i] = -1
	}
	SetTraining[float64](bn, false)
	x := tensor.RandN[float64](rng, 2, 3, 2, 2)
	tape := autograd.NewTape[float64]()
	y := bn.Forward(tape.Input(x))
	for i, v := range x.Data() {
		c := (i / 4) % 3
		want := 2*(v-float64(c))/math.Sqrt(float64(c+1)+1e-5) - 1
		if got := y.Value().Data()[i]; math.Abs(got-want) > 1e-14 {
			t.Fatalf("element %d: %v, want %v", i, got, want)
		}
	}
	if bn.NumBatchesTracked.Item() != 0 || bn.RunningMean.Data()[1] != 1 {
		t.Error("evaluation changed the running statistics")
	}
	// γ and β still get gradients in evaluation mode.
	tape.Backward(functional.Sum(y))
	if bn.Bias.Grad() == nil || bn.Bias.Grad().Data()[0] != 8 {
		t.Errorf("dβ = %v, want 8 per channel (2·2·2 values)", bn.Bias.Grad())
	}
}

func TestBatchNormNamesAndPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	m := NewMLP[float32](MLPConfig[float32]{Inputs: 8, Hidden: []int{4}, Classes: 2, BatchNorm: true}, rng)
	want := []string{"0.weight[4 8]", "0.bias[4]", "1.weight[4]", "1.bias[4]", "3.weight[2 4]", "3.bias[2]"}
	if diff := cmp.Diff(want, names(NamedParams[float32](m))); diff != "" {
		t.Errorf("params (-want +got):\n%s", diff)
	}
	var bufs []string
	for _, b := range NamedBuffers[float32](m) {
		bufs = append(bufs, fmt.Sprintf("%s%v int=%t", b.Name, b.Value.Shape(), b.Int))
	}
	wantBufs := []string{"1.running_mean[4] int=false", "1.running_var[4] int=false", "1.num_batches_tracked[] int=true"}
	if diff := cmp.Diff(wantBufs, bufs); diff != "" {
		t.Errorf("buffers (-want +got):\n%s", diff)
	}

	for _, c := range []struct {
		bn    *BatchNorm[float64]
		shape []int
		want  string
	}{
		{NewBatchNorm2d[float64](3), []int{2, 3, 4}, "nn: batch norm expects a 4-d input with 3 channels on axis 1, got shape [2 3 4]"},
		{NewBatchNorm1d[float64](3), []int{2, 4}, "nn: batch norm expects a 2-d or 3-d input with 3 channels on axis 1, got shape [2 4]"},
		{NewBatchNorm1d[float64](3), []int{1, 3}, "expected more than 1 value per channel when training"},
	} {
		func() {
			defer func() {
				if r := fmt.Sprint(recover()); !strings.Contains(r, c.want) {
					t.Errorf("panic %q, want %q", r, c.want)
				}
			}()
			c.bn.Forward(autograd.NewConst(tensor.New[float64](c.shape...)))
		}()
	}
}
