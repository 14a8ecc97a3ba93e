package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/internal/testutil"
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
		testutil.MustPanic(t, func() { c.bn.Forward(autograd.NewConst(tensor.New[float64](c.shape...))) }, c.want)
	}
}

// The constructors start from PyTorch's defaults, and every option sets
// exactly what it names, zero included; later options win.
func TestBatchNormOptionsDefaults(t *testing.T) {
	bn := NewBatchNorm2d[float64](3)
	if bn.Eps != 1e-5 || bn.Momentum != 0.1 || bn.CumulativeAverage || bn.Weight == nil || bn.Bias == nil ||
		bn.RunningMean == nil || bn.RunningVar == nil || bn.NumBatchesTracked == nil {
		t.Errorf("defaults: eps %v, momentum %v, cumulative %t, weight %v, bias %v, running %v %v %v",
			bn.Eps, bn.Momentum, bn.CumulativeAverage, bn.Weight, bn.Bias, bn.RunningMean, bn.RunningVar, bn.NumBatchesTracked)
	}
	bn = NewBatchNorm1d[float64](3, BatchNormEps(0), BatchNormMomentum(0), BatchNormAffine(false), BatchNormTrackRunningStats(false))
	if bn.Eps != 0 || bn.Momentum != 0 || bn.CumulativeAverage || bn.Weight != nil || bn.Bias != nil ||
		bn.RunningMean != nil || bn.RunningVar != nil || bn.NumBatchesTracked != nil {
		t.Errorf("zeros: eps %v, momentum %v, cumulative %t, weight %v, bias %v, running %v %v %v",
			bn.Eps, bn.Momentum, bn.CumulativeAverage, bn.Weight, bn.Bias, bn.RunningMean, bn.RunningVar, bn.NumBatchesTracked)
	}
	if bn := NewBatchNorm1d[float64](3, BatchNormMomentum(0.3), BatchNormCumulativeAverage()); !bn.CumulativeAverage {
		t.Error("BatchNormCumulativeAverage after BatchNormMomentum: not cumulative")
	}
	if bn := NewBatchNorm1d[float64](3, BatchNormCumulativeAverage(), BatchNormMomentum(0.3)); bn.CumulativeAverage || bn.Momentum != 0.3 {
		t.Errorf("BatchNormMomentum(0.3) after BatchNormCumulativeAverage: cumulative %t, momentum %v", bn.CumulativeAverage, bn.Momentum)
	}
	if bn := NewBatchNorm1d[float64](3, BatchNormAffine(false), BatchNormAffine(true)); bn.Weight == nil {
		t.Error("BatchNormAffine(true) after BatchNormAffine(false): no weight")
	}
}

// Momentum 0 is a real zero: the running statistics never move, while
// num_batches_tracked counts; a cumulative average is the plain mean of the
// batches' statistics.
func TestBatchNormMomentumZeroAndCumulative(t *testing.T) {
	batches := [][]float64{{1, 10, 2, 20, 6, 60}, {0, 0, 4, 1, 5, 2}, {-3, 7, 3, 7, 3, 1}}
	frozen := NewBatchNorm1d[float64](2, BatchNormMomentum(0))
	avg := NewBatchNorm1d[float64](2, BatchNormCumulativeAverage())
	var sumMean, sumVar [2]float64
	for _, b := range batches {
		x := autograd.NewConst(tensor.FromSlice(b, 3, 2))
		frozen.Forward(x)
		avg.Forward(x)
		for c := range 2 {
			col := []float64{b[c], b[2+c], b[4+c]}
			m := (col[0] + col[1] + col[2]) / 3
			sumMean[c] += m
			sumVar[c] += ((col[0]-m)*(col[0]-m) + (col[1]-m)*(col[1]-m) + (col[2]-m)*(col[2]-m)) / 2
		}
	}
	if diff := cmp.Diff([]float64{0, 0, 1, 1, 3}, append(append(slices.Clone(frozen.RunningMean.Data()), frozen.RunningVar.Data()...), frozen.NumBatchesTracked.Item())); diff != "" {
		t.Errorf("momentum 0: running mean, variance and count (-want +got):\n%s", diff)
	}
	want := []float64{sumMean[0] / 3, sumMean[1] / 3, sumVar[0] / 3, sumVar[1] / 3, 3}
	got := append(append(slices.Clone(avg.RunningMean.Data()), avg.RunningVar.Data()...), avg.NumBatchesTracked.Item())
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-14, 1e-14)); diff != "" {
		t.Errorf("cumulative average: running mean, variance and count (-want +got):\n%s", diff)
	}
}

// Without running statistics evaluation normalizes with the batch
// statistics, exactly as training does, and the state has no buffers;
// without affine it has no parameters, and the output has mean 0 and
// variance about 1 per channel.
func TestBatchNormNoRunningStatsNoAffine(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	x := tensor.Add(tensor.Scale(tensor.RandN[float64](rng, 4, 3, 2, 2), 3), tensor.Scalar(5.0))
	for _, composed := range []bool{false, true} {
		bn := NewBatchNorm2d[float64](3, BatchNormAffine(false), BatchNormTrackRunningStats(false))
		bn.Composed = composed
		if s := bn.State(); len(s.Params)+len(s.Buffers)+len(s.Children) != 0 {
			t.Errorf("composed %t: state %+v, want empty", composed, s)
		}
		train := bn.Forward(autograd.NewConst(x)).Value()
		SetTraining[float64](bn, false)
		eval := bn.Forward(autograd.NewConst(x)).Value()
		if d := tensor.MaxAbsDiff(train, eval); d != 0 {
			t.Errorf("composed %t: evaluation differs from training by %g", composed, d)
		}
		mean := tensor.Mean(train, false, 0, 2, 3)
		v := tensor.Mean(tensor.Mul(train, train), false, 0, 2, 3)
		for c := range 3 {
			if math.Abs(mean.Data()[c]) > 1e-14 || math.Abs(v.Data()[c]-1) > 1e-5 {
				t.Errorf("composed %t, channel %d: mean %g, variance %g", composed, c, mean.Data()[c], v.Data()[c])
			}
		}
	}
}

func TestBatchNormOptionsPanics(t *testing.T) {
	for _, c := range []struct {
		f    func()
		want string
	}{
		{func() {
			bn := NewBatchNorm1d[float64](3)
			bn.RunningVar = nil
			bn.Forward(autograd.NewConst(tensor.New[float64](4, 3)))
		}, "nn: batch norm: RunningMean, RunningVar and NumBatchesTracked must be all set (track_running_stats) or all nil, got set: true, false, true"},
		{func() {
			bn := NewBatchNorm1d[float64](3, BatchNormTrackRunningStats(false))
			SetTraining[float64](bn, false)
			bn.Forward(autograd.NewConst(tensor.New[float64](1, 3)))
		}, "expected more than 1 value per channel when training, got input shape [1 3]"},
		{func() { NewBatchNorm2d[float64](0, BatchNormAffine(false)) }, "nn: batch norm needs a positive number of channels, got 0"},
	} {
		testutil.MustPanic(t, c.f, c.want)
	}
	// Evaluation with running statistics takes one value per channel, as
	// PyTorch's does.
	bn := NewBatchNorm1d[float64](3)
	SetTraining[float64](bn, false)
	if y := bn.Forward(autograd.NewConst(tensor.Ones[float64](1, 3))); y.Value().Data()[0] != 1/math.Sqrt(1+1e-5) {
		t.Errorf("evaluation on one sample: %v", y.Value().Data())
	}
}
