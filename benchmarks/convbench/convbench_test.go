package convbench_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/benchmarks/convbench"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestConvsMatchConvNet derives the convolutions and their input sizes from
// nn.NewConvNet itself, by running a 32×32×3 image through its layers one by
// one, so that Convs cannot drift from the model it stands for.
func TestConvsMatchConvNet(t *testing.T) {
	m := nn.NewConvNet[float32](convbench.Channels, convbench.Classes, rand.New(rand.NewPCG(1, 2)))
	nn.SetTraining[float32](m, false)
	x := autograd.NewConst(tensor.New[float32](1, convbench.Channels, convbench.ImageSize, convbench.ImageSize))
	var got []convbench.Conv
	for _, l := range m.Layers {
		if c, ok := l.(*nn.Conv2d[float32]); ok {
			s := x.Shape()
			ws := c.Weight.Shape()
			o := c.Options
			if ws[2] != 3 || ws[3] != 3 || o.Padding != [2]int{1, 1} || max(o.Stride[0], 1) != 1 || max(o.Stride[1], 1) != 1 ||
				max(o.Dilation[0], 1) != 1 || max(o.Dilation[1], 1) != 1 || max(o.Groups, 1) != 1 || c.Bias == nil {
				t.Fatalf("conv %d is not 3×3/stride 1/pad 1 with a bias: weights %v, options %+v", len(got), ws, o)
			}
			if s[2] != s[3] {
				t.Fatalf("conv %d sees a %d×%d plane, want a square", len(got), s[2], s[3])
			}
			got = append(got, convbench.Conv{In: s[1], Out: c.Out, Size: s[2]})
		}
		x = l.Forward(x)
	}
	if diff := cmp.Diff(convbench.Convs, got); diff != "" {
		t.Errorf("Convs (-want +got):\n%s", diff)
	}
}

func TestConvFLOPs(t *testing.T) {
	c := convbench.Conv{In: 3, Out: 64, Size: 32}
	if got, want := c.FLOPs(32), 2.0*32*64*32*32*3*3*3; got != want {
		t.Errorf("FLOPs(32) = %v, want %v", got, want)
	}
	if got := c.Name(); got != "3x32x32-64" {
		t.Errorf("Name() = %q", got)
	}
}

// TestConvBackwardRepeats checks what the backward benchmark relies on: the
// op's Backward can run again and again after one Forward and gives the
// same gradients, of the inputs' shapes.
func TestConvBackwardRepeats(t *testing.T) {
	w := convbench.NewConvWorkload[float32](rand.New(rand.NewPCG(3, 4)), convbench.Conv{In: 4, Out: 5, Size: 6}, 2)
	if y := w.Forward(); !tensor.EqualShapes(y.Shape(), []int{2, 5, 6, 6}) {
		t.Fatalf("y has shape %v, want [2 5 6 6]", y.Shape())
	}
	dx1, dw1, db1 := w.Backward()
	dx2, dw2, db2 := w.Backward()
	for _, s := range []struct {
		name string
		a, b *tensor.Tensor[float32]
		want []int
	}{{"dx", dx1, dx2, []int{2, 4, 6, 6}}, {"dW", dw1, dw2, []int{5, 4, 3, 3}}, {"db", db1, db2, []int{5}}} {
		if !tensor.EqualShapes(s.a.Shape(), s.want) {
			t.Errorf("%s has shape %v, want %v", s.name, s.a.Shape(), s.want)
		}
		if d := tensor.MaxAbsDiff(s.a, s.b); d != 0 {
			t.Errorf("%s differs by %g between two Backward calls", s.name, d)
		}
	}
}

// TestNet runs the workloads at batch 2, to stay fast: training steps give
// finite losses and move the parameters, and inference in evaluation mode
// gives N×Classes logits and the same ones twice.
func TestNet(t *testing.T) {
	net := convbench.NewNet(rand.New(rand.NewPCG(5, 6)), 2)
	w := net.Model.Layers[0].(*nn.Conv2d[float32]).Weight
	before := w.Value().Clone()
	for i := range 2 {
		if loss := net.TrainStep(); math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) || loss <= 0 {
			t.Fatalf("step %d: loss %v", i, loss)
		}
	}
	if tensor.MaxAbsDiff(before, w.Value()) == 0 {
		t.Error("two training steps left the first conv's weights unchanged")
	}
	net.SetTraining(false)
	a, b := net.Infer(), net.Infer()
	if !tensor.EqualShapes(a.Shape(), []int{2, convbench.Classes}) {
		t.Fatalf("logits have shape %v, want [2 %d]", a.Shape(), convbench.Classes)
	}
	if d := tensor.MaxAbsDiff(a, b); d != 0 {
		t.Errorf("two evaluations differ by %g", d)
	}
}

func ExampleConv() {
	for _, c := range convbench.Convs[:3] {
		fmt.Printf("%s: %.3f GFLOP forward at batch %d\n", c.Name(), c.FLOPs(convbench.Batch)/1e9, convbench.Batch)
	}
	// Output:
	// 3x32x32-64: 0.113 GFLOP forward at batch 32
	// 64x16x16-128: 1.208 GFLOP forward at batch 32
	// 128x8x8-256: 1.208 GFLOP forward at batch 32
}
