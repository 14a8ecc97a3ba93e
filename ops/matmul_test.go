package ops_test

import (
	"fmt"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// matmulCase is op(A)·op(B) with op(A) of shape aBatch×m×k and op(B) of
// shape bBatch×k×n.
type matmulCase struct {
	aBatch, bBatch []int
	m, k, n        int
}

var matmulCases = []matmulCase{
	{nil, nil, 3, 4, 2},
	{nil, nil, 1, 4, 1},              // m = n = 1
	{nil, nil, 3, 1, 2},              // k = 1
	{[]int{2}, []int{2}, 3, 4, 5},    // equal batches
	{[]int{2, 1}, []int{5}, 3, 4, 2}, // broadcast batches, both ways
	{nil, []int{2}, 3, 4, 5},         // one matrix times a stack
	{[]int{2}, nil, 3, 4, 5},         // a stack times one matrix (stacked fast path)
	{[]int{1}, nil, 3, 4, 5},         // batch 1
	{[]int{2, 3}, nil, 1, 2, 1},      // stacked, m = n = 1
	{[]int{1}, []int{3}, 2, 1, 3},    // k = 1, batch 1 against 3
}

// shapes returns the stored shapes of A and B: the last two axes of an
// operand are swapped when it is transposed.
func (c matmulCase) shapes(tA, tB bool) (as, bs []int) {
	as = append(append([]int(nil), c.aBatch...), c.m, c.k)
	if tA {
		as = append(append([]int(nil), c.aBatch...), c.k, c.m)
	}
	bs = append(append([]int(nil), c.bBatch...), c.k, c.n)
	if tB {
		bs = append(append([]int(nil), c.bBatch...), c.n, c.k)
	}
	return as, bs
}

// refMatMul is op(a)·op(b) by the definition: transposed and broadcast
// copies, then a triple loop per batch element.
func refMatMul(a t64, tA bool, b t64, tB bool) t64 {
	if tA {
		a = tensor.Transpose(a, -1, -2)
	}
	if tB {
		b = tensor.Transpose(b, -1, -2)
	}
	m, k, n := a.Dim(-2), a.Dim(-1), b.Dim(-1)
	batch, ok := tensor.BroadcastShapes(a.Shape()[:a.NDim()-2], b.Shape()[:b.NDim()-2])
	if !ok {
		panic("refMatMul: batch shapes do not broadcast")
	}
	a = tensor.BroadcastTo(a, append(append([]int(nil), batch...), m, k)...)
	b = tensor.BroadcastTo(b, append(append([]int(nil), batch...), k, n)...)
	c := tensor.New[float64](append(append([]int(nil), batch...), m, n)...)
	ad, bd, cd := a.Data(), b.Data(), c.Data()
	for q := range tensor.NumElems(batch) {
		for i := range m {
			for j := range n {
				s := 0.0
				for p := range k {
					s += ad[(q*m+i)*k+p] * bd[(q*k+p)*n+j]
				}
				cd[(q*m+i)*n+j] = s
			}
		}
	}
	return c
}

func TestMatMulGradCheck(t *testing.T) {
	r := rng(50)
	for _, c := range matmulCases {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			tA, tB := tr[0], tr[1]
			as, bs := c.shapes(tA, tB)
			name := fmt.Sprintf("MatMul %s tA=%t tB=%t", shapeName(as, bs), tA, tB)
			a, b := randn(r, as...), randn(r, bs...)
			mk := func() autograd.Op[float64] { return &ops.MatMul[float64]{TransA: tA, TransB: tB} }
			y, _ := backward(t, mk(), randn(r, refMatMul(a, tA, b, tB).Shape()...), a, b) // gradient shapes
			assertLike(t, name, y, refMatMul(a, tA, b, tB), 1e-12)
			checkGrad(t, name, binary(mk), a, b)
		}
	}
}

func TestMatMulValues(t *testing.T) {
	a := vec([]float64{1, 2, 3, 4}, 2, 2)
	b := vec([]float64{5, 6, 7, 8}, 2, 2)
	cases := []struct {
		tA, tB bool
		y      []float64
	}{
		{false, false, []float64{19, 22, 43, 50}},
		{true, false, []float64{26, 30, 38, 44}},
		{false, true, []float64{17, 23, 39, 53}},
		{true, true, []float64{23, 31, 34, 46}},
	}
	for _, c := range cases {
		assertTensor(t, fmt.Sprintf("tA=%t tB=%t", c.tA, c.tB),
			forward(&ops.MatMul[float64]{TransA: c.tA, TransB: c.tB}, a, b), []int{2, 2}, c.y, 0)
	}
	// Y = A·B with dY = ones: dA = 1·Bᵀ (row sums of B), dB = Aᵀ·1 (column
	// sums of A).
	_, g := backward(t, &ops.MatMul[float64]{}, nil, a, b)
	assertTensor(t, "dA", g[0], []int{2, 2}, []float64{11, 15, 11, 15}, 0)
	assertTensor(t, "dB", g[1], []int{2, 2}, []float64{4, 4, 6, 6}, 0)
}

// TestMatMulEmpty: with k = 0 the product is all zeros; with m or n = 0 it
// is empty; either way the backward pass runs, the stacked path included.
func TestMatMulEmpty(t *testing.T) {
	cases := []matmulCase{
		{nil, nil, 3, 0, 2}, {[]int{2}, nil, 3, 0, 2}, {[]int{2}, []int{2}, 3, 0, 2},
		{[]int{2}, nil, 3, 2, 0}, {[]int{2}, nil, 0, 2, 3}, {[]int{0}, nil, 3, 2, 2},
	}
	for _, c := range cases {
		for _, tB := range []bool{false, true} {
			as, bs := c.shapes(false, tB)
			a, b := tensor.New[float64](as...), tensor.New[float64](bs...)
			y, _ := backward(t, &ops.MatMul[float64]{TransB: tB}, nil, a, b) // checks the gradients' shapes
			assertLike(t, fmt.Sprintf("%s tB=%t", shapeName(as, bs), tB), y, refMatMul(a, false, b, tB), 0)
		}
	}
}

func TestMatMulOneInputNeedsGrad(t *testing.T) {
	tape := autograd.NewTape[float64]()
	x := tape.Input(vec([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	w := tape.Param(vec([]float64{1, 0, -1, 2, 0.5, 0}, 2, 3)) // a linear layer's (out, in) weight
	y := autograd.Apply(&ops.MatMul[float64]{TransB: true}, x, w)
	tape.BackwardWithGrad(y, vec([]float64{1, 0, 0, 2}, 2, 2))
	if x.Grad() != nil {
		t.Errorf("x got gradient %v, want none", x.Grad())
	}
	// dW = dYᵀ·X = [[1, 2, 3], [8, 10, 12]].
	assertTensor(t, "dW", w.Grad(), []int{2, 3}, []float64{1, 2, 3, 8, 10, 12}, 0)
}

func TestMatMulPanics(t *testing.T) {
	cases := []struct {
		a, b   []int
		tA, tB bool
		want   string
	}{
		{[]int{3, 4}, []int{5, 2}, false, false, "ops: MatMul: cannot multiply shapes [3 4] and [5 2]"},
		{[]int{4}, []int{4, 2}, false, false, "ops: MatMul: cannot multiply shapes [4] and [4 2]"},
		{[]int{3, 4}, []int{4}, false, false, "ops: MatMul: cannot multiply shapes [3 4] and [4]"},
		{[]int{2, 3, 4}, []int{3, 4, 5}, false, false, "ops: MatMul: cannot multiply shapes [2 3 4] and [3 4 5]"},
		{[]int{3, 4}, []int{4, 2}, true, false, "ops: MatMul: cannot multiply shapes [3 4] and [4 2]"},
		{[]int{3, 4}, []int{4, 2}, false, true, "ops: MatMul: cannot multiply shapes [3 4] and [4 2]"},
	}
	for _, c := range cases {
		mustPanic(t, c.want, func() {
			forward(&ops.MatMul[float64]{TransA: c.tA, TransB: c.tB}, tensor.New[float64](c.a...), tensor.New[float64](c.b...))
		})
	}
	mustPanic(t, "ops: MatMul takes 2 input(s), got 1", func() { forward(&ops.MatMul[float64]{}, tensor.New[float64](2, 2)) })
}

func TestMatMulSaved(t *testing.T) {
	a, b := tensor.New[float64](3, 4), tensor.New[float64](4, 2) // 96 and 64 bytes
	if got := savedBytes(&ops.MatMul[float64]{}, a, b); got != 160 {
		t.Errorf("MatMul keeps both operands: SavedBytes = %d, want 160", got)
	}
	if got := savedBytes(&ops.MatMul[float64]{TransB: true}, a, a); got != 96 {
		t.Errorf("MatMul(x, xᵀ) keeps x once: SavedBytes = %d, want 96", got)
	}
}

func TestMatMulFloat32(t *testing.T) {
	r := rng(51)
	for _, c := range []matmulCase{{nil, nil, 3, 4, 2}, {[]int{2}, nil, 3, 4, 5}, {[]int{2, 1}, []int{5}, 3, 4, 2}} {
		for _, tr := range [][2]bool{{false, false}, {true, true}} {
			as, bs := c.shapes(tr[0], tr[1])
			a, b := randn(r, as...), randn(r, bs...)
			assert32(t, "MatMul "+shapeName(as, bs),
				forward(&ops.MatMul[float32]{TransA: tr[0], TransB: tr[1]}, to32(a), to32(b)),
				forward(&ops.MatMul[float64]{TransA: tr[0], TransB: tr[1]}, a, b))
		}
	}
}
