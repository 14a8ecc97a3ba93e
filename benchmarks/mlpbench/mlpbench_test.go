package mlpbench_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestTrainStep runs both MLPs at a small batch: the first loss is the
// cross-entropy of the untrained model on the batch, near ln 10, and
// repeated SGD steps on the same batch lower it.
func TestTrainStep(t *testing.T) {
	for _, hidden := range [][]int{mlpbench.W1Hidden, mlpbench.W1bHidden} {
		t.Run(mlpbench.Sizes(hidden), func(t *testing.T) {
			net := mlpbench.NewNet(rand.New(rand.NewPCG(1, 2)), hidden, 8)
			if got := net.X.Shape(); !tensor.EqualShapes(got, []int{8, mlpbench.Inputs}) || len(net.Labels) != 8 {
				t.Fatalf("batch of shape %v with %d labels, want [8 %d] and 8", got, len(net.Labels), mlpbench.Inputs)
			}
			want := functional.CrossEntropy(net.Model.Forward(autograd.NewConst(net.X)), net.Labels).Value().Item()
			first := net.TrainStep()
			if first != want {
				t.Errorf("first TrainStep loss %v, want the model's cross-entropy %v", first, want)
			}
			if math.Abs(float64(first)-math.Log(10)) > 0.5 {
				t.Errorf("first loss %v is far from ln 10", first)
			}
			if net.SavedBytes() <= 0 {
				t.Errorf("SavedBytes() = %d", net.SavedBytes())
			}
			prev := first
			for i := range 5 {
				loss := net.TrainStep()
				if !(loss < prev) {
					t.Fatalf("step %d: loss %v did not fall below %v", i+2, loss, prev)
				}
				prev = loss
			}
		})
	}
}

// TestModelIsPyTorchSequential checks the parameter names a PyTorch
// nn.Sequential of Linear and ReLU layers has, which the compare command's
// checkpoint relies on.
func TestModelIsPyTorchSequential(t *testing.T) {
	net := mlpbench.NewNet(rand.New(rand.NewPCG(1, 2)), mlpbench.W1bHidden, 1)
	var got []string
	for _, p := range nn.NamedParams[float32](net.Model) {
		got = append(got, fmt.Sprint(p.Name, p.Var.Shape()))
	}
	want := []string{"0.weight[512 3072]", "0.bias[512]", "2.weight[256 512]", "2.bias[256]",
		"4.weight[128 256]", "4.bias[128]", "6.weight[10 128]", "6.bias[10]"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parameters %v, want %v", got, want)
	}
}

func ExampleFLOPs() {
	for _, h := range [][]int{mlpbench.W1Hidden, mlpbench.W1bHidden} {
		fmt.Printf("%s: %.1f MFLOP of matrix products per step at batch %d\n",
			mlpbench.Sizes(h), mlpbench.FLOPs(h, mlpbench.Batch)/1e6, mlpbench.Batch)
	}
	// Output:
	// 3072-100-10: 247.0 MFLOP of matrix products per step at batch 200
	// 3072-512-256-128-10: 1456.4 MFLOP of matrix products per step at batch 200
}

// TestNewNetIn builds the Fashion-MNIST-sized MLP of benchmark W1s: a batch
// of n×SmallInputs, a first layer taking SmallInputs, and FLOPsIn counting
// 2·(2·200·784·100) for the first layer (forward and dW) and
// 3·(2·200·100·10) for the last (forward, dW and dX).
func TestNewNetIn(t *testing.T) {
	net := mlpbench.NewNetIn(rand.New(rand.NewPCG(1, 2)), mlpbench.SmallInputs, mlpbench.W1Hidden, 4)
	if got := net.X.Shape(); !tensor.EqualShapes(got, []int{4, 784}) {
		t.Errorf("batch of shape %v, want [4 784]", got)
	}
	if got := nn.NamedParams[float32](net.Model)[0].Var.Shape(); !tensor.EqualShapes(got, []int{100, 784}) {
		t.Errorf("first weight of shape %v, want [100 784]", got)
	}
	if got, want := mlpbench.FLOPsIn(mlpbench.SmallInputs, mlpbench.W1Hidden, 200), 63_920_000.0; got != want {
		t.Errorf("FLOPsIn = %v, want %v", got, want)
	}
	if got, want := mlpbench.FLOPs(mlpbench.W1Hidden, 200), mlpbench.FLOPsIn(mlpbench.Inputs, mlpbench.W1Hidden, 200); got != want {
		t.Errorf("FLOPs = %v, FLOPsIn at Inputs = %v", got, want)
	}
	if loss := net.TrainStep(); math.Abs(float64(loss)-math.Log(10)) > 0.5 {
		t.Errorf("first loss %v is far from ln 10", loss)
	}
}
