package ops_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers of ScaledDotProductAttention come from PyTorch
// 1.13's torch.nn.functional._scaled_dot_product_attention in float64 and
// in float32, values and the gradients of q, k, v and a float mask;
// regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_attention.py
//
// The tests only read the JSON: they never need Python. functional's
// tests run the same cases through functional.ScaledDotProductAttention
// (which turns a boolean mask into the additive one, as here) and its
// composed twin.
const attnRefPath = "testdata/torch_attention.json"

// TestScaledDotProductAttentionMatchesPyTorch runs every case through the
// op on a tape, in float64 and float32, and compares y and the gradients
// with PyTorch's, NaNs (a query with every key masked) at the same places.
func TestScaledDotProductAttentionMatchesPyTorch(t *testing.T) {
	var ref struct {
		reftest.Header
		DTypes []string                `json:"dtypes"`
		Cases  []reftest.AttentionCase `json:"cases"`
	}
	reftest.Load(t, attnRefPath, "/usr/bin/python3 ops/testdata/gen_torch_attention.py", &ref)
	unique := reftest.Unique(t, attnRefPath)
	if len(ref.Cases) < 12 {
		t.Fatalf("%s: %d cases, want at least 12", attnRefPath, len(ref.Cases))
	}
	for _, c := range ref.Cases {
		unique(c.Name)
		t.Run(c.Name+"/float64", func(t *testing.T) { checkAttnRef[float64](t, c, c.Float64, 1e-10) })
		t.Run(c.Name+"/float32", func(t *testing.T) { checkAttnRef[float32](t, c, c.Float32, 2e-5) })
	}
}

func checkAttnRef[T tensor.Float](t *testing.T, c reftest.AttentionCase, want reftest.AttentionResult, tol float64) {
	tape := autograd.NewTape[T]()
	in := []*autograd.Var[T]{
		tape.Param(tensor.FromSlice(reftest.Floats[T](c.Q), c.QShape...)),
		tape.Param(tensor.FromSlice(reftest.Floats[T](c.K), c.KShape...)),
		tape.Param(tensor.FromSlice(reftest.Floats[T](c.V), c.VShape...)),
	}
	switch {
	case c.Mask != nil:
		in = append(in, tape.Param(tensor.FromSlice(reftest.Floats[T](c.Mask), c.MaskShape...)))
	case c.BoolMask != nil: // true = attend: 0, false: −Inf
		m := tensor.New[T](c.BoolMaskShape...)
		for i, ok := range c.BoolMask {
			if !ok {
				m.Data()[i] = T(math.Inf(-1))
			}
		}
		in = append(in, autograd.NewConst(m))
	}
	y := autograd.Apply[T](&ops.ScaledDotProductAttention[T]{IsCausal: c.IsCausal, Scale: c.Scale}, in...)
	tape.BackwardWithGrad(y, tensor.FromSlice(reftest.Floats[T](c.G), y.Shape()...))
	got := []*tensor.Tensor[T]{y.Value(), in[0].Grad(), in[1].Grad(), in[2].Grad()}
	wants := [][]reftest.Float{want.Y, want.DQ, want.DK, want.DV}
	if c.Mask != nil {
		got, wants = append(got, in[3].Grad()), append(wants, want.DMask)
	}
	for i, what := range []string{"y", "dq", "dk", "dv", "dmask"}[:len(got)] {
		w := reftest.Floats[float64](wants[i])
		g := asFloat64(got[i]).Data()
		if len(g) != len(w) {
			t.Fatalf("%s: %d values, PyTorch has %d", what, len(g), len(w))
		}
		s := 1e-3
		for _, x := range w {
			if !math.IsNaN(x) {
				s = max(s, math.Abs(x))
			}
		}
		for j, x := range w {
			if math.IsNaN(x) != math.IsNaN(g[j]) || math.Abs(g[j]-x) > tol*(math.Abs(x)+s) {
				t.Errorf("%s[%d] = %v, PyTorch's is %v", what, j, g[j], x)
			}
		}
	}
}
