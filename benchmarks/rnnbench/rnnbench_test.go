package rnnbench_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/rnnbench"
	"github.com/tapegrad/tapegrad/nn"
)

// TestNetNames checks that the model's state_dict keys are the PyTorch
// twin's, in order.
func TestNetNames(t *testing.T) {
	want := []string{"lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.weight", "fc.bias"}
	ps := nn.NamedParams[float32](rnnbench.NewModel(rand.New(rand.NewPCG(1, 2))))
	if len(ps) != len(want) {
		t.Fatalf("%d parameters, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		if p.Name != want[i] {
			t.Errorf("parameter %d is %s, want %s", i, p.Name, want[i])
		}
	}
}

// TestTrainStep trains three steps with 1 and 2 goroutines allowed: the
// first loss must be near ln 10 (the initial logits are small), the loss
// must fall on the same batch, and the losses must be the same bits
// whatever GOMAXPROCS is.
func TestTrainStep(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	run := func(procs int) []float32 {
		runtime.GOMAXPROCS(procs)
		net := rnnbench.NewNet(rand.New(rand.NewPCG(3, 4)))
		var losses []float32
		for range 3 {
			losses = append(losses, net.TrainStep())
		}
		return losses
	}
	one := run(1)
	if math.Abs(float64(one[0])-math.Log(10)) > 0.1 || !(one[2] < one[0]) {
		t.Errorf("losses %v: want the first near ln 10 = 2.303 and a fall", one)
	}
	for i, l := range run(2) {
		if math.Float32bits(l) != math.Float32bits(one[i]) {
			t.Errorf("GOMAXPROCS=2: loss of step %d is %v, with 1 it is %v", i+1, l, one[i])
		}
	}
}
