package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// torchReference is written by testdata/gen_torch_resnet.py (see there):
// examples/pytorch/resnet.py's ResNet-8 of width 4, its state, a batch,
// and what PyTorch computes from them.
const torchReference = "testdata/torch_resnet.safetensors"

// TestResNetMatchesPyTorch loads the PyTorch twin's state_dict into
// NewResNet (strictly: every name and shape must match) and checks, in
// float64 and float32, the logits in evaluation mode, the logits, loss and
// every parameter's gradient of a training step, the running statistics
// after it, and the parameters after two steps of the trainer's SGD
// (momentum and weight decay) against PyTorch's.
func TestResNetMatchesPyTorch(t *testing.T) {
	f, err := safetensors.OpenFile(torchReference)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Tolerances relative to max(1, |PyTorch's value|). Every number agrees
	// to 1e-14 in float64 and 1e-6 in float32 here; the two sides sum in
	// different orders, and nine batch norms over as few as 4·3·3 values a
	// channel amplify the rounding, so the margins allow other BLAS builds
	// and thread counts. A wrong stride, padding, shortcut or gradient
	// moves values by 1e-2 or more (a ReLU before the residual addition
	// rather than after changes the first logit from −0.45 to −1.76).
	t.Run("float64", func(t *testing.T) { matchTorch[float64](t, f, "f64.", 1e-12) })
	t.Run("float32", func(t *testing.T) { matchTorch[float32](t, f, "f32.", 1e-5) })
}

func matchTorch[T tensor.Float](t *testing.T, f *safetensors.File, prefix string, tol float64) {
	m := NewResNet[T](8, 4, 3, 10, rand.New(rand.NewPCG(1, 2)))
	if err := nn.ReadState(f, prefix+"state.", m); err != nil {
		t.Fatal(err)
	}
	x := read[T](t, f, prefix+"x")
	_, l64, err := f.ReadInt64(prefix + "labels")
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, len(l64))
	for i, l := range l64 {
		labels[i] = int(l)
	}
	check := func(what string, got *tensor.Tensor[T], name string) {
		t.Helper()
		want := read[T](t, f, prefix+name)
		if !slices.Equal(got.Shape(), want.Shape()) {
			t.Fatalf("%s: shape %v, PyTorch's %v", what, got.Shape(), want.Shape())
		}
		for i, w := range want.Data() {
			if g := got.Data()[i]; !(math.Abs(float64(g-w)) <= tol*max(1, math.Abs(float64(w)))) {
				t.Errorf("%s[%d] = %v, PyTorch %v (tolerance %g)", what, i, g, w, tol)
				return
			}
		}
	}

	nn.SetTraining[T](m, false)
	tape := autograd.NewTape[T]()
	check("evaluation logits", m.Forward(tape.Input(x)).Value(), "eval_logits")

	nn.SetTraining[T](m, true)
	opt := optim.NewSGD(nn.Params[T](m), optim.LR(0.1), optim.Momentum(0.9), optim.WeightDecay(5e-4))
	for step := range 2 {
		tape := autograd.NewTape[T]()
		opt.ZeroGrad()
		logits := m.Forward(tape.Input(x))
		loss := functional.CrossEntropy(logits, labels)
		tape.Backward(loss)
		if step == 0 {
			check("logits", logits.Value(), "logits")
			check("loss", loss.Value().Reshape(1), "loss")
			for _, p := range nn.NamedParams[T](m) {
				check("gradient of "+p.Name, p.Var.Grad(), "grad."+p.Name)
			}
			for _, b := range nn.NamedBuffers[T](m) {
				check(b.Name+" after the step", b.Value, "after."+b.Name)
			}
		}
		opt.Step()
	}
	for _, p := range nn.NamedParams[T](m) {
		check(p.Name+" after two SGD steps", p.Var.Value(), "final."+p.Name)
	}
}

// read reads a tensor of the reference, the num_batches_tracked counters
// (int64) converted to T.
func read[T tensor.Float](t *testing.T, f *safetensors.File, name string) *tensor.Tensor[T] {
	t.Helper()
	if dtype, _, _ := f.Info(name); dtype == safetensors.I64 {
		shape, v, err := f.ReadInt64(name)
		if err != nil {
			t.Fatal(err)
		}
		out := tensor.New[T](shape...)
		for i, n := range v {
			out.Data()[i] = T(n)
		}
		return out
	}
	v, err := safetensors.Read[T](f, name)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestStateNames checks the state_dict names and shapes of a ResNet-14
// (two blocks a stage) against torchvision's scheme, which the PyTorch
// twin shares, and the parameter count.
func TestStateNames(t *testing.T) {
	m := NewResNet[float32](14, 16, 3, 10, rand.New(rand.NewPCG(1, 2)))
	var names []string
	params := 0
	for _, p := range nn.NamedParams[float32](m) {
		names = append(names, p.Name)
		params += p.Var.Value().Size()
	}
	want := []string{"conv1.weight", "bn1.weight", "bn1.bias"}
	for i, proj := range []bool{false, true, true} {
		for j := range 2 {
			b := "layer" + string(rune('1'+i)) + "." + string(rune('0'+j)) + "."
			want = append(want, b+"conv1.weight", b+"bn1.weight", b+"bn1.bias", b+"conv2.weight", b+"bn2.weight", b+"bn2.bias")
			if proj && j == 0 {
				want = append(want, b+"downsample.0.weight", b+"downsample.1.weight", b+"downsample.1.bias")
			}
		}
	}
	want = append(want, "fc.weight", "fc.bias")
	if !slices.Equal(names, want) {
		t.Errorf("parameter names\n%q\nwant\n%q", names, want)
	}
	// sum(p.numel() for p in ResNet(14, 16, 3, 10).parameters()) in PyTorch
	if params != 175258 {
		t.Errorf("%d parameters, want 175258", params)
	}
	if got := m.Layers[1].Layers[0].(*BasicBlock[float32]).Downsample.Layers[0].(*nn.Conv2d[float32]).Options.Stride; got != [2]int{2, 2} {
		t.Errorf("layer2.0.downsample.0 has stride %v, want 2", got)
	}
}

// TestInitStd checks that the convolutions are drawn as kaiming_normal_
// with fan_out and ReLU's gain: std √(2/(out·kh·kw)).
func TestInitStd(t *testing.T) {
	m := NewResNet[float64](8, 64, 3, 10, rand.New(rand.NewPCG(3, 4)))
	w := m.Layers[2].Layers[0].(*BasicBlock[float64]).Conv2.Weight.Value() // 256×256×3×3
	var ss float64
	for _, v := range w.Data() {
		ss += v * v
	}
	std, want := math.Sqrt(ss/float64(w.Size())), math.Sqrt(2.0/(256*9))
	// 589,824 draws: the sample std is within 0.5% of the true one with
	// overwhelming probability (its relative sd is 1/√(2n) ≈ 0.09%), and the
	// seed is fixed.
	if math.Abs(std/want-1) > 0.005 {
		t.Errorf("layer3.0.conv2 weight std %.5g, want %.5g", std, want)
	}
}

func TestNewResNetPanics(t *testing.T) {
	for _, depth := range []int{2, 7, 10} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewResNet(depth %d) did not panic", depth)
				}
			}()
			NewResNet[float32](depth, 4, 3, 10, rand.New(rand.NewPCG(1, 2)))
		}()
	}
}
