package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// The ConvNet's names are the state_dict keys of the same net written as a
// PyTorch nn.Sequential: conv, bn, relu triples, pools, flatten, linear.
func TestConvNetNames(t *testing.T) {
	m := NewConvNet[float32](3, 10, rand.New(rand.NewPCG(1, 1)))
	got := names(NamedParams[float32](m))
	want := []string{
		"0.weight[64 3 3 3]", "0.bias[64]", "1.weight[64]", "1.bias[64]",
		"4.weight[128 64 3 3]", "4.bias[128]", "5.weight[128]", "5.bias[128]",
		"8.weight[256 128 3 3]", "8.bias[256]", "9.weight[256]", "9.bias[256]",
		"11.weight[256 256 3 3]", "11.bias[256]", "12.weight[256]", "12.bias[256]",
		"15.weight[512 256 3 3]", "15.bias[512]", "16.weight[512]", "16.bias[512]",
		"18.weight[512 512 3 3]", "18.bias[512]", "19.weight[512]", "19.bias[512]",
		"22.weight[512 512 3 3]", "22.bias[512]", "23.weight[512]", "23.bias[512]",
		"25.weight[512 512 3 3]", "25.bias[512]", "26.weight[512]", "26.bias[512]",
		"30.weight[10 512]", "30.bias[10]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if n := len(NamedBuffers[float32](m)); n != 24 {
		t.Errorf("%d buffers, want 24 (3 for each of 8 batch norms)", n)
	}
}

// Five stride-2 pools bring 32×32 and 28×28 inputs alike down to 1×1×512.
func TestConvNetInputSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, c := range []struct{ channels, size int }{{3, 32}, {1, 28}} {
		m := NewConvNet[float32](c.channels, 10, rng)
		SetTraining[float32](m, false)
		y := m.Forward(autograd.NewConst(tensor.RandN[float32](rng, 2, c.channels, c.size, c.size)))
		if !tensor.EqualShapes(y.Shape(), []int{2, 10}) {
			t.Errorf("%d×%d×%d input: output shape %v, want [2 10]", c.channels, c.size, c.size, y.Shape())
		}
	}
}

// Conv2d is initialized as PyTorch's: U(±1/√fan_in) with fan_in = in/groups·kh·kw.
func TestConv2dInitialization(t *testing.T) {
	c := NewConv2d[float64](8, 16, [2]int{3, 3}, convOpts(2), true, rand.New(rand.NewPCG(3, 3)))
	if !tensor.EqualShapes(c.Weight.Shape(), []int{16, 4, 3, 3}) {
		t.Fatalf("weight shape %v", c.Weight.Shape())
	}
	bound := 1 / 6.0 // 1/√(4·3·3)
	for _, v := range append(append([]float64{}, c.Weight.Value().Data()...), c.Bias.Value().Data()...) {
		if v < -bound || v > bound {
			t.Fatalf("value %v outside ±%v", v, bound)
		}
	}
}

func convOpts(groups int) functional.Conv2dOptions {
	return functional.Conv2dOptions{Padding: [2]int{1, 1}, Groups: groups}
}
