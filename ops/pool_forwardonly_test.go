package ops_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestMaxPoolForwardOnly: after ForwardOnly(true) MaxPool2d gives the same
// values, bit for bit, in float64 and float32, for every case of
// poolCases, on the heap and from an arena; without dilation it keeps no
// argmax (Indices is nil, nothing is counted), and Backward and
// BackwardVar panic. ForwardOnly(false) brings the argmax back.
func TestMaxPoolForwardOnly(t *testing.T) {
	r := rng(95)
	for _, c := range poolCases {
		x := randn(r, c.shape...)
		want := forward(c.maxPool(), x)
		for _, ar := range []*tensor.Arena[float64]{nil, tensor.NewArena[float64]()} {
			op := c.maxPool()
			op.ForwardOnly(true)
			if ar != nil {
				op.UseArena(ar)
			}
			got := op.Forward([]*tensor.Tensor[float64]{x})
			assertLike(t, "forward-only MaxPool2d "+c.name, got, want, 0)
			dilated := c.dilation[0] > 1 || c.dilation[1] > 1
			if idx := op.Indices(); !dilated && (idx != nil || op.ExtraSavedBytes() != 0) {
				t.Errorf("%s: forward-only keeps %d indices, %d bytes, want none", c.name, len(idx), op.ExtraSavedBytes())
			}
			testutil.MustPanic(t, func() { op.Backward(tensor.Ones[float64](want.Shape()...), []bool{true}) },
				"ops: MaxPool2d: Backward after a forward-only pass (ForwardOnly), which kept nothing for it")
			dy := autograd.NewConst(tensor.Ones[float64](want.Shape()...))
			testutil.MustPanic(t, func() { op.BackwardVar([]*autograd.Var[float64]{autograd.NewConst(x)}, dy, dy, []bool{true}) },
				"ops: MaxPool2d: BackwardVar after a forward-only pass")
			op.ForwardOnly(false)
			op.Forward([]*tensor.Tensor[float64]{x})
			if idx := op.Indices(); len(idx) != want.Size() {
				t.Errorf("%s: after ForwardOnly(false), %d indices for %d outputs", c.name, len(idx), want.Size())
			}
		}
		x32 := to32(x)
		op := c.maxPool32()
		op.ForwardOnly(true)
		got := op.Forward([]*tensor.Tensor[float32]{x32})
		want32 := forward(c.maxPool32(), x32)
		for i, v := range got.Data() {
			if math.Float32bits(v) != math.Float32bits(want32.Data()[i]) {
				t.Fatalf("float32 %s: y[%d] = %v, want %v", c.name, i, v, want32.Data()[i])
			}
		}
	}
}

// TestMaxPoolForwardOnlyCourse: the course's 3×3 pooling with stride 2 and
// padding 1 on a batch of ReLU outputs (many zeros, all +0), large enough
// to split among goroutines: the same bits either way.
func TestMaxPoolForwardOnlyCourse(t *testing.T) {
	x := randn(rng(96), 16, 16, 32, 32)
	for i, v := range x.Data() {
		x.Data()[i] = max(v, 0)
	}
	mk := func() *ops.MaxPool2d[float64] {
		return &ops.MaxPool2d[float64]{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}
	}
	op := mk()
	op.ForwardOnly(true)
	assertLike(t, "forward-only course pooling", op.Forward([]*tensor.Tensor[float64]{x}), forward(mk(), x), 0)
}
