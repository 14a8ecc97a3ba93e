package functional_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/autograd/gradtest"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestMatMulVectorGradCheck checks MatMul and MatMulT with torch.matmul's
// vector and broadcast cases against central differences through the
// functional wrappers (ops/matmul_test.go covers every case of the op).
func TestMatMulVectorGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 1))
	matmul := func(x vars) *autograd.Var[float64] { return functional.MatMul(x[0], x[1]) }
	for _, c := range []struct{ a, b []int }{
		{[]int{4}, []int{4}}, {[]int{3, 4}, []int{4}}, {[]int{4}, []int{4, 2}},
		{[]int{2, 3, 4}, []int{4}}, {[]int{4}, []int{2, 1, 4, 3}}, {[]int{2, 1, 3, 4}, []int{5, 4, 2}},
	} {
		a, b := tensor.RandN[float64](rng, c.a...), tensor.RandN[float64](rng, c.b...)
		if err := gradtest.Check(matmul, []*tensor.Tensor[float64]{a, b}, nil); err != nil {
			t.Errorf("MatMul %v·%v: %v", c.a, c.b, err)
		}
	}
	// x·Wᵀ for a single sample x.
	linear := func(x vars) *autograd.Var[float64] { return functional.MatMulT(x[0], false, x[1], true) }
	x, w := tensor.RandN[float64](rng, 3), tensor.RandN[float64](rng, 2, 3)
	if err := gradtest.Check(linear, []*tensor.Tensor[float64]{x, w}, nil); err != nil {
		t.Errorf("MatMulT(x, false, W, true) for a vector x: %v", err)
	}
}

// TestLinearOneSample: a linear layer on a single sample of shape in, as
// PyTorch's F.linear allows, gives the row of the same layer on the batch
// of that one sample, with the same gradients.
func TestLinearOneSample(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2))
	x := tensor.RandN[float64](rng, 3)
	w, b := tensor.RandN[float64](rng, 2, 3), tensor.RandN[float64](rng, 2)
	dy := tensor.FromSlice([]float64{0.5, -2})
	run := func(x *tensor.Tensor[float64], bias bool) (y, dx, dw, db *tensor.Tensor[float64]) {
		tape := autograd.NewTape[float64]()
		xv, wv, bv := tape.Param(x), tape.Param(w.Clone()), tape.Param(b.Clone())
		if !bias {
			bv = nil
		}
		yv := functional.Linear(xv, wv, bv)
		tape.BackwardWithGrad(yv, dy.Reshape(yv.Shape()...))
		if bias {
			db = bv.Grad()
		}
		return yv.Value(), xv.Grad(), wv.Grad(), db
	}
	for _, bias := range []bool{true, false} {
		name := fmt.Sprintf("bias=%t", bias)
		y, dx, dw, db := run(x.Clone(), bias)
		y1, dx1, dw1, db1 := run(x.Reshape(1, 3).Clone(), bias)
		for _, c := range []struct {
			what      string
			got, want *tensor.Tensor[float64]
			shape     []int
		}{
			{"y", y, y1, []int{2}}, {"dx", dx, dx1, []int{3}}, {"dW", dw, dw1, []int{2, 3}}, {"db", db, db1, []int{2}},
		} {
			if c.want == nil { // no bias
				continue
			}
			if !tensor.EqualShapes(c.got.Shape(), c.shape) {
				t.Errorf("%s %s: shape %v, want %v", name, c.what, c.got.Shape(), c.shape)
				continue
			}
			if d := cmp.Diff(c.want.Data(), c.got.Data(), cmpopts.EquateApprox(0, 1e-15)); d != "" {
				t.Errorf("%s %s: one sample differs from a batch of it (-batch +one):\n%s", name, c.what, d)
			}
		}
		// y = W·x + b, worked out: the test does not rest on the batch path alone.
		want := tensor.MatMul(w, x.Reshape(3, 1)).Reshape(2)
		if bias {
			want = tensor.Add(want, b)
		}
		if d := cmp.Diff(want.Data(), y.Data(), cmpopts.EquateApprox(0, 1e-15)); d != "" {
			t.Errorf("%s: y differs from W·x + b:\n%s", name, d)
		}
	}
}
