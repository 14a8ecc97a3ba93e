package ops_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for ChannelAffine come from PyTorch's
// x * s.view(1, C, 1, …) + t.view(1, C, 1, …), run in float64 and in
// float32; regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_channel_affine.py
//
// The tests only read the JSON.
const channelAffineRefPath = "testdata/torch_channel_affine.json"

type channelAffineRef struct {
	reftest.Header
	ChannelAffine []channelAffineCase `json:"channel_affine"`
}

type channelAffineCase struct {
	Name     string              `json:"name"`
	Shape    []int               `json:"shape"`
	X        []reftest.Float     `json:"x"`
	S        []reftest.Float     `json:"s"`
	T        []reftest.Float     `json:"t"`
	Upstream []reftest.Float     `json:"upstream"`
	Float64  channelAffineResult `json:"float64"`
	Float32  channelAffineResult `json:"float32"`
}

type channelAffineResult struct {
	Output []reftest.Float `json:"output"`
	GradX  []reftest.Float `json:"grad_x"`
	GradS  []reftest.Float `json:"grad_s"`
	GradT  []reftest.Float `json:"grad_t"`
}

// TestChannelAffineMatchesPyTorch pins the output and the three gradients
// of ChannelAffine to PyTorch's broadcast product and sum, in float64 at
// 1e-10 and in float32 at 1e-5, on N×C and N×C×… inputs and on the
// evaluation-mode batch norm of a few channels.
func TestChannelAffineMatchesPyTorch(t *testing.T) {
	var ref channelAffineRef
	reftest.Load(t, channelAffineRefPath, "/usr/bin/python3 ops/testdata/gen_torch_channel_affine.py", &ref)
	unique := reftest.Unique(t, channelAffineRefPath)
	if len(ref.ChannelAffine) < 8 {
		t.Fatalf("%s: %d cases, want at least 8", channelAffineRefPath, len(ref.ChannelAffine))
	}
	for _, c := range ref.ChannelAffine {
		unique(c.Name)
		t.Run(c.Name, func(t *testing.T) {
			t.Run("float64", func(t *testing.T) { runChannelAffineCase[float64](t, c, c.Float64, 1e-10) })
			t.Run("float32", func(t *testing.T) { runChannelAffineCase[float32](t, c, c.Float32, 1e-5) })
		})
	}
}

func runChannelAffineCase[T tensor.Float](t *testing.T, c channelAffineCase, want channelAffineResult, tol float64) {
	tape := autograd.NewTape[T]()
	ch := c.Shape[1]
	x := tape.Param(tensor.FromSlice(reftest.Floats[T](c.X), c.Shape...))
	s := tape.Param(tensor.FromSlice(reftest.Floats[T](c.S), ch))
	sh := tape.Param(tensor.FromSlice(reftest.Floats[T](c.T), ch))
	y := autograd.Apply[T](&ops.ChannelAffine[T]{}, x, s, sh)
	tape.BackwardWithGrad(y, tensor.FromSlice(reftest.Floats[T](c.Upstream), c.Shape...))
	compareResizeRef(t, "output", y.Value().Data(), want.Output, tol)
	compareResizeRef(t, "gradient of x", x.Grad().Data(), want.GradX, tol)
	compareResizeRef(t, "gradient of s", s.Grad().Data(), want.GradS, tol)
	compareResizeRef(t, "gradient of t", sh.Grad().Data(), want.GradT, tol)
}
