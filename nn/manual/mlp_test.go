package manual

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

func TestPanics(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	testutil.MustPanic(t, func() {
		NewLinear[float64](3, 2, 1, rng).Backward(tensor.New[float64](1, 2))
	}, "manual: Linear.Backward called before Forward")
	testutil.MustPanic(t, func() {
		NewLinear[float64](3, 2, 1, rng).Forward(tensor.New[float64](2, 4))
	}, "manual: Linear.Forward: input of shape [2 4], want B×3")
	testutil.MustPanic(t, func() {
		(&CrossEntropy[float64]{}).Forward(tensor.Full(1.0/3, 2, 3), []int{0, 3})
	}, "manual: label 3 of example 1 is out of range for 3 classes")
	testutil.MustPanic(t, func() {
		SoftmaxCrossEntropyGrad(tensor.Full(1.0/3, 2, 3), []int{0})
	}, "manual: 1 labels for a batch of 2")
	testutil.MustPanic(t, func() {
		NewMLP[float64](Config{Inputs: 4, Hidden: []int{0}, Classes: 2}, rng)
	}, "manual: an MLP needs positive sizes")
}

func TestMLPShapeAndInit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := NewMLP[float32](Config{Inputs: 3072, Hidden: []int{100}, Classes: 10}, rng)
	ls := m.Linears()
	if len(ls) != 2 || !tensor.EqualShapes(ls[0].W.Shape(), []int{100, 3072}) || !tensor.EqualShapes(ls[1].W.Shape(), []int{10, 100}) {
		t.Fatalf("layers: %d, shapes %v %v", len(ls), ls[0].W.Shape(), ls[1].W.Shape())
	}
	// The course's initialization: N(0, 1e-4²) weights, zero biases.
	w := ls[0].W.Data()
	var ss float64
	for _, v := range w {
		ss += float64(v) * float64(v)
	}
	if std := (ss / float64(len(w))); std < 0.95e-8 || std > 1.05e-8 {
		t.Errorf("weight variance %.3g, want ≈ 1e-8", std)
	}
	for i, l := range ls {
		if !tensor.AllClose(l.B, tensor.New[float32](l.B.Shape()...), 0, 0) {
			t.Errorf("layer %d: biases do not start at 0", i)
		}
	}
}

func TestMLPTrainsInFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := tensor.RandN[float32](rng, 64, 10)
	labels := make([]int, 64)
	for i := range labels {
		if x.At(i, 0)+x.At(i, 1) > 0 { // a linearly separable rule
			labels[i] = 1
		}
	}
	m := NewMLP[float32](Config{Inputs: 10, Hidden: []int{8}, Classes: 2, Std: 0.1}, rng)
	first := m.TrainStep(x, labels, 0.5)
	var last float32
	for range 100 {
		last = m.TrainStep(x, labels, 0.5)
	}
	if !(last < 0.3*first) {
		t.Errorf("loss went from %.4f to %.4f; want it below 30%% of the start", first, last)
	}
}
