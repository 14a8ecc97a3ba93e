package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestConvNetFusedInference: the ConvNet in evaluation mode under no-grad,
// where Sequential fuses each conv, batch norm and ReLU (and max pool,
// where one follows) into one op, gives
// bit for bit the logits of its layers run one by one, in float32 and
// float64, with running statistics that are not the defaults; and it
// fuses exactly there: not in training mode, not where the ops are
// recorded.
func TestConvNetFusedInference(t *testing.T) {
	testConvNetFusedInference[float32](t)
	testConvNetFusedInference[float64](t)
}

func testConvNetFusedInference[T tensor.Float](t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	m := NewConvNet[T](3, 10, r)
	for _, l := range m.Layers {
		if bn, ok := l.(*BatchNorm[T]); ok {
			copy(bn.RunningMean.Data(), tensor.RandN[T](r, bn.Channels).Data())
			copy(bn.RunningVar.Data(), tensor.RandU[T](r, 0.5, 2, bn.Channels).Data())
			copy(bn.Weight.Value().Data(), tensor.RandN[T](r, bn.Channels).Data())
			copy(bn.Bias.Value().Data(), tensor.RandN[T](r, bn.Channels).Data())
		}
	}
	SetTraining[T](m, false)
	x := tensor.RandN[T](r, 2, 3, 16, 16)
	// The layers one by one, on constants: nothing fuses.
	v := autograd.NewConst(x)
	for _, l := range m.Layers {
		v = l.Forward(v)
	}
	want := v.Value()
	tape := autograd.NewTape[T]()
	tape.ReuseBuffers(true)
	tape.SetGradEnabled(false)
	for pass := range 2 {
		tape.Reset()
		got := m.Forward(tape.Input(x)).Value()
		for i := range want.Data() {
			if math.Float64bits(float64(got.Data()[i])) != math.Float64bits(float64(want.Data()[i])) {
				t.Fatalf("%T pass %d: logit %d is %v, want %v", T(0), pass, i, got.Data()[i], want.Data()[i])
			}
		}
	}

	conv := m.Layers[0].(*Conv2d[T])
	in := tape.Input(x)
	if _, used := conv.fuseForward(in, m.Layers[1:]); used != 3 {
		t.Errorf("%T: eval under no-grad fuses %d layers after the conv, want 3 (batch norm, ReLU, max pool)", T(0), used)
	}
	if _, used := conv.fuseForward(in, m.Layers[1:3]); used != 2 {
		t.Errorf("%T: eval under no-grad without the pool fuses %d layers after the conv, want 2 (batch norm, ReLU)", T(0), used)
	}
	for _, p := range []*MaxPool2d[T]{
		{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{2, 2}},
		{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, ReturnIndices: true},
	} {
		if _, used := conv.fuseForward(in, []Module[T]{m.Layers[1], m.Layers[2], p}); used != 2 {
			t.Errorf("%T: a pool with dilation %v, indices %v fuses: %d layers after the conv, want 2",
				T(0), p.Dilation, p.ReturnIndices, used)
		}
	}
	if _, used := conv.fuseForward(in, m.Layers[1:2]); used != 1 {
		t.Errorf("%T: conv and batch norm alone fuse %d layers after the conv, want 1", T(0), used)
	}
	if _, used := conv.fuseForward(autograd.NewConst(x), m.Layers[1:]); used != 0 {
		t.Errorf("%T: recorded (pending) ops fuse %d layers, want 0", T(0), used)
	}
	if _, used := conv.fuseForward(in, m.Layers[2:]); used != 0 {
		t.Errorf("%T: a conv followed by a ReLU fuses %d layers, want 0", T(0), used)
	}
	SetTraining[T](m, true)
	if _, used := conv.fuseForward(in, m.Layers[1:]); used != 0 {
		t.Errorf("%T: training mode fuses %d layers, want 0", T(0), used)
	}
}
