package ops_test

import (
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/reftest"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// The reference numbers for MatMul come from torch.matmul in float64 and in
// float32, values and both operands' gradients from torch.autograd;
// regenerate them with
//
//	/usr/bin/python3 ops/testdata/gen_torch_matmul.py
//
// The tests only read the JSON: they never need Python.
const matmulRefPath = "testdata/torch_matmul.json"

// The tolerances, relative with an absolute floor, of tapegrad's results
// against PyTorch's: both sides compute the same sums of products in
// different orders, which costs a few ulps of the dtype, and the file
// rounds PyTorch's float64 numbers to 12 significant digits.
const (
	matmulTol64 = 1e-10
	matmulTol32 = 1e-5
)

// matmulRef is the layout of torch_matmul.json.
type matmulRef struct {
	reftest.Header
	Cases []matmulRefCase `json:"cases"`
}

// matmulRefCase is torch.matmul(op(a), op(b)), op transposing the last two
// axes of an operand with 2 or more when its flag is set, with its upstream
// gradient g and what PyTorch computed in each dtype.
type matmulRefCase struct {
	Name        string          `json:"name"`
	AShape      []int           `json:"a_shape"`
	BShape      []int           `json:"b_shape"`
	TransA      bool            `json:"trans_a"`
	TransB      bool            `json:"trans_b"`
	A           []float64       `json:"a"`
	B           []float64       `json:"b"`
	Upstream    []float64       `json:"upstream"`
	OutputShape []int           `json:"output_shape"`
	Float64     matmulRefResult `json:"float64"`
	Float32     matmulRefResult `json:"float32"`
}

// matmulRefResult is y and the gradients of Σ g ⊙ y with respect to a and b.
type matmulRefResult struct {
	Output []float64 `json:"output"`
	GradA  []float64 `json:"grad_a"`
	GradB  []float64 `json:"grad_b"`
}

// loadMatMulRef reads and sanity-checks the reference file, so that a
// truncated or hand-edited file, or one that lost the cases of one of
// torch.matmul's rules, fails loudly instead of testing less.
func loadMatMulRef(t *testing.T) matmulRef {
	t.Helper()
	var ref matmulRef
	reftest.Load(t, matmulRefPath, "/usr/bin/python3 ops/testdata/gen_torch_matmul.py", &ref)
	unique := reftest.Unique(t, matmulRefPath)
	covered := map[string]bool{}
	cover := func(rule string, ok bool) { covered[rule] = covered[rule] || ok }
	for _, c := range ref.Cases {
		unique(c.Name)
		na, nb, ny := tensor.NumElems(c.AShape), tensor.NumElems(c.BShape), tensor.NumElems(c.OutputShape)
		for _, r := range []matmulRefResult{c.Float64, c.Float32} {
			if len(c.A) != na || len(c.B) != nb || len(c.Upstream) != ny ||
				len(r.Output) != ny || len(r.GradA) != na || len(r.GradB) != nb {
				t.Fatalf("%s: case %q: a%v with %d values and %d gradients, b%v with %d and %d, y%v with %d values and %d upstream",
					matmulRefPath, c.Name, c.AShape, len(c.A), len(r.GradA), c.BShape, len(c.B), len(r.GradB),
					c.OutputShape, len(r.Output), len(c.Upstream))
			}
		}
		if ny > 0 && isAllOnes(c.Upstream) {
			t.Fatalf("%s: case %q: the upstream gradient is all ones", matmulRefPath, c.Name)
		}
		da, db := len(c.AShape), len(c.BShape)
		cover("vector·vector", da == 1 && db == 1)
		cover("matrix·vector", da == 2 && db == 1)
		cover("vector·matrix", da == 1 && db == 2)
		cover("stack·vector", da > 2 && db == 1)
		cover("vector·stack", da == 1 && db > 2)
		cover("matrix·matrix", da == 2 && db == 2)
		cover("stack·matrix", da > 2 && db == 2)
		cover("matrix·stack", da == 2 && db > 2)
		cover("stack·stack", da > 2 && db > 2)
		cover("TransA on a matrix", c.TransA && da > 1)
		cover("TransB on a matrix", c.TransB && db > 1)
		cover("a flag on a vector", (c.TransA && da == 1) || (c.TransB && db == 1))
		if da > 2 && db > 2 {
			aBatch, bBatch := c.AShape[:da-2], c.BShape[:db-2]
			full, err := tensor.BroadcastShapes(aBatch, bBatch)
			if err != nil {
				t.Fatalf("case %v·%v: %v", c.AShape, c.BShape, err)
			}
			cover("both operands broadcast", tensor.NumElems(aBatch) < tensor.NumElems(full) && tensor.NumElems(bBatch) < tensor.NumElems(full))
			cover("batches of different ranks", da != db)
		}
		cover("batch 1", (da > 2 && c.AShape[0] == 1) || (db > 2 && c.BShape[0] == 1))
		cover("empty", na == 0 || nb == 0)
	}
	for _, want := range []string{
		"vector·vector", "matrix·vector", "vector·matrix", "stack·vector", "vector·stack",
		"matrix·matrix", "stack·matrix", "matrix·stack", "stack·stack",
		"TransA on a matrix", "TransB on a matrix", "a flag on a vector",
		"both operands broadcast", "batches of different ranks", "batch 1", "empty",
	} {
		if !covered[want] {
			t.Errorf("%s: no case covers %s", matmulRefPath, want)
		}
	}
	return ref
}

// refTensor returns a tensor of type T of the given shape (0-d included)
// holding data.
func refTensor[T tensor.Float](data []float64, shape []int) *tensor.Tensor[T] {
	x := tensor.New[T](shape...)
	for i, v := range data {
		x.Data()[i] = T(v)
	}
	return x
}

// asFloat64 returns x's values as float64.
func asFloat64[T tensor.Float](x *tensor.Tensor[T]) t64 {
	if x == nil {
		return nil
	}
	y := tensor.New[float64](x.Shape()...)
	for i, v := range x.Data() {
		y.Data()[i] = float64(v)
	}
	return y
}

// runMatMulRef runs a case through ops.MatMul on a tape in T, with both
// operands as differentiable leaves and PyTorch's upstream gradient as the
// seed, and returns the output and both gradients as float64.
func runMatMulRef[T tensor.Float](c matmulRefCase) (y, ga, gb t64) {
	tape := autograd.NewTape[T]()
	a := tape.Param(refTensor[T](c.A, c.AShape))
	b := tape.Param(refTensor[T](c.B, c.BShape))
	yv := autograd.Apply[T](&ops.MatMul[T]{TransA: c.TransA, TransB: c.TransB}, a, b)
	if !slices.Equal(yv.Shape(), c.OutputShape) {
		return asFloat64(yv.Value()), nil, nil
	}
	tape.BackwardWithGrad(yv, refTensor[T](c.Upstream, c.OutputShape))
	return asFloat64(yv.Value()), asFloat64(a.Grad()), asFloat64(b.Grad())
}

// TestMatMulMatchesPyTorch runs every case in float64 and in float32 and
// compares the output and both gradients with torch.matmul's in the same
// dtype.
func TestMatMulMatchesPyTorch(t *testing.T) {
	ref := loadMatMulRef(t)
	for _, dt := range []struct {
		name string
		tol  float64
		run  func(matmulRefCase) (y, ga, gb t64)
		want func(matmulRefCase) matmulRefResult
	}{
		{"float64", matmulTol64, runMatMulRef[float64], func(c matmulRefCase) matmulRefResult { return c.Float64 }},
		{"float32", matmulTol32, runMatMulRef[float32], func(c matmulRefCase) matmulRefResult { return c.Float32 }},
	} {
		var worst refWorst
		for _, c := range ref.Cases {
			t.Run(dt.name+"/"+c.Name, func(t *testing.T) {
				want := dt.want(c)
				y, ga, gb := dt.run(c)
				worst.value = max(worst.value, compareRef(t, "output", y, c.OutputShape, want.Output, dt.tol))
				worst.grad = max(worst.grad, compareRef(t, "dL/da", ga, c.AShape, want.GradA, dt.tol))
				worst.grad = max(worst.grad, compareRef(t, "dL/db", gb, c.BShape, want.GradB, dt.tol))
			})
		}
		t.Logf("%s: %d cases from PyTorch %s; largest |tapegrad − torch|: %.3g in values, %.3g in gradients",
			dt.name, len(ref.Cases), ref.TorchVersion, worst.value, worst.grad)
	}
}
