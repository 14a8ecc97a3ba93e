package ops_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// matmulCase is op(A)·op(B) with op(A) of shape aBatch×m×k and op(B) of
// shape bBatch×k×n, or, with vecA, A the vector k (no batch, m = 1 dropped)
// and, with vecB, B the vector k (no batch, n = 1 dropped).
type matmulCase struct {
	aBatch, bBatch []int
	m, k, n        int
	vecA, vecB     bool
}

var matmulCases = []matmulCase{
	{nil, nil, 3, 4, 2, false, false},
	{nil, nil, 1, 4, 1, false, false},              // m = n = 1
	{nil, nil, 3, 1, 2, false, false},              // k = 1
	{[]int{2}, []int{2}, 3, 4, 5, false, false},    // equal batches
	{[]int{2, 1}, []int{5}, 3, 4, 2, false, false}, // broadcast batches, both ways
	{nil, []int{2}, 3, 4, 5, false, false},         // one matrix times a stack
	{[]int{2}, nil, 3, 4, 5, false, false},         // a stack times one matrix (stacked fast path)
	{[]int{1}, nil, 3, 4, 5, false, false},         // batch 1
	{[]int{2, 3}, nil, 1, 2, 1, false, false},      // stacked, m = n = 1
	{[]int{1}, []int{3}, 2, 1, 3, false, false},    // k = 1, batch 1 against 3
}

// matmulVectorCases are torch.matmul's cases with 1-d operands, and
// broadcast batches that sum into both gradients.
var matmulVectorCases = []matmulCase{
	{nil, nil, 1, 4, 1, true, true},                   // dot: (4)·(4) → ()
	{nil, nil, 1, 1, 1, true, true},                   // dot of size 1
	{nil, nil, 3, 4, 1, false, true},                  // matrix·vector: (3×4)·(4) → (3)
	{nil, nil, 1, 4, 1, false, true},                  // (1×4)·(4) → (1)
	{nil, nil, 3, 1, 1, false, true},                  // k = 1
	{nil, nil, 1, 4, 2, true, false},                  // vector·matrix: (4)·(4×2) → (2)
	{nil, nil, 1, 4, 1, true, false},                  // (4)·(4×1) → (1)
	{[]int{2}, nil, 3, 4, 1, false, true},             // (2×3×4)·(4) → (2×3)
	{[]int{2, 1}, nil, 3, 4, 1, false, true},          // (2×1×3×4)·(4) → (2×1×3)
	{[]int{1}, nil, 1, 4, 1, false, true},             // batch 1, m = 1
	{nil, []int{2}, 1, 4, 3, true, false},             // (4)·(2×4×3) → (2×3)
	{nil, []int{2, 1}, 1, 4, 3, true, false},          // (4)·(2×1×4×3) → (2×1×3)
	{nil, []int{1}, 1, 2, 1, true, false},             // batch 1, n = 1
	{[]int{2, 1}, []int{3}, 3, 4, 2, false, false},    // (j×1×n×m)·(k×m×p) → (j×k×n×p)
	{[]int{1}, []int{2, 3}, 2, 3, 2, false, false},    // batch 1 against 2×3
	{[]int{3, 1}, []int{1, 2}, 2, 2, 3, false, false}, // each side broadcast along one axis
	{[]int{2, 3}, []int{3}, 2, 1, 2, false, false},    // k = 1, b broadcast over the leading axis
	{nil, []int{2, 2}, 3, 2, 1, false, false},         // a 2-d, b batched, n = 1
	{[]int{2, 2}, nil, 1, 3, 2, false, false},         // a batched, b 2-d, m = 1
}

// shapes returns the stored shapes of A and B: the last two axes of an
// operand are swapped when it is transposed; a vector is k whatever its flag.
func (c matmulCase) shapes(tA, tB bool) (as, bs []int) {
	as = append(append([]int(nil), c.aBatch...), c.m, c.k)
	if tA {
		as = append(append([]int(nil), c.aBatch...), c.k, c.m)
	}
	if c.vecA {
		as = []int{c.k}
	}
	bs = append(append([]int(nil), c.bBatch...), c.k, c.n)
	if tB {
		bs = append(append([]int(nil), c.bBatch...), c.n, c.k)
	}
	if c.vecB {
		bs = []int{c.k}
	}
	return as, bs
}

// refMatMul is torch.matmul(op(a), op(b)) by the definition: a vector
// becomes a row (a) or a column (b) and its flag is ignored, then
// transposed and broadcast copies, a triple loop per batch element, and the
// added axes removed.
func refMatMul(a t64, tA bool, b t64, tB bool) t64 {
	vecA, vecB := a.NDim() == 1, b.NDim() == 1
	if vecA {
		a, tA = a.Reshape(1, a.Size()), false
	}
	if vecB {
		b, tB = b.Reshape(b.Size(), 1), false
	}
	if tA {
		a = tensor.Transpose(a, -1, -2)
	}
	if tB {
		b = tensor.Transpose(b, -1, -2)
	}
	m, k, n := a.Dim(-2), a.Dim(-1), b.Dim(-1)
	batch, err := tensor.BroadcastShapes(a.Shape()[:a.NDim()-2], b.Shape()[:b.NDim()-2])
	if err != nil {
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
	out := append([]int(nil), batch...)
	if !vecA {
		out = append(out, m)
	}
	if !vecB {
		out = append(out, n)
	}
	return c.Reshape(out...)
}

// TestMatMulGradCheck runs every shape case with every pair of transpose
// flags (which vectors ignore): the value against refMatMul, the gradients
// against central differences, and the gradients' shapes as the op itself
// returns them — each operand's own, the broadcast batch axes summed by the
// op rather than left to the engine.
func TestMatMulGradCheck(t *testing.T) {
	r := rng(50)
	for _, c := range slices.Concat(matmulCases, matmulVectorCases) {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			tA, tB := tr[0], tr[1]
			as, bs := c.shapes(tA, tB)
			name := fmt.Sprintf("MatMul %s tA=%t tB=%t", shapeName(as, bs), tA, tB)
			a, b := randn(r, as...), randn(r, bs...)
			mk := func() autograd.Op[float64] { return &ops.MatMul[float64]{TransA: tA, TransB: tB} }
			want := refMatMul(a, tA, b, tB)
			y, _ := backward(t, mk(), randn(r, want.Shape()...), a, b)
			assertLike(t, name, y, want, 1e-12)
			checkGrad(t, name, binary(mk), a, b)

			op := mk()
			op.Forward([]t64{a, b})
			g := op.Backward(randn(r, want.Shape()...), []bool{true, true})
			if !tensor.EqualShapes(g[0].Shape(), as) || !tensor.EqualShapes(g[1].Shape(), bs) {
				t.Errorf("%s: Backward returns gradients of shapes %v and %v, want the operands' %v and %v",
					name, g[0].Shape(), g[1].Shape(), as, bs)
			}
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

// TestMatMulVectors pins torch.matmul's 1-d cases to numbers worked by
// hand, values and gradients, and checks that the transpose flags leave a
// vector as it is.
func TestMatMulVectors(t *testing.T) {
	v3, w3 := vec([]float64{1, 2, 3}), vec([]float64{4, 5, 6})
	// dot: v·w = 32, a 0-d tensor; with dY = 2, dv = 2w and dw = 2v.
	for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
		name := fmt.Sprintf("dot tA=%t tB=%t", tr[0], tr[1])
		y, g := backward(t, &ops.MatMul[float64]{TransA: tr[0], TransB: tr[1]}, tensor.Scalar(2.0), v3, w3)
		assertTensor(t, name, y, []int{}, []float64{32}, 0)
		assertTensor(t, name+" dv", g[0], []int{3}, []float64{8, 10, 12}, 0)
		assertTensor(t, name+" dw", g[1], []int{3}, []float64{2, 4, 6}, 0)
	}

	// matrix·vector: A (3×2) times v = (1, −1) is (−1, −1, −1); with
	// dY = (1, 2, 3), dA = dY vᵀ and dv = Aᵀ dY.
	a := vec([]float64{1, 2, 3, 4, 5, 6}, 3, 2)
	v2 := vec([]float64{1, -1})
	y, g := backward(t, &ops.MatMul[float64]{}, vec([]float64{1, 2, 3}), a, v2)
	assertTensor(t, "A·v", y, []int{3}, []float64{-1, -1, -1}, 0)
	assertTensor(t, "A·v dA", g[0], []int{3, 2}, []float64{1, -1, 2, -2, 3, -3}, 0)
	assertTensor(t, "A·v dv", g[1], []int{2}, []float64{22, 28}, 0)
	// The same with A stored transposed (2×3) and TransA.
	y, g = backward(t, &ops.MatMul[float64]{TransA: true, TransB: true}, vec([]float64{1, 2, 3}), tensor.Transpose(a, 0, 1), v2)
	assertTensor(t, "Aᵀᵀ·v", y, []int{3}, []float64{-1, -1, -1}, 0)
	assertTensor(t, "Aᵀᵀ·v dA", g[0], []int{2, 3}, []float64{1, 2, 3, -1, -2, -3}, 0)
	assertTensor(t, "Aᵀᵀ·v dv", g[1], []int{2}, []float64{22, 28}, 0)

	// vector·matrix: u = (1, −1, 2) times A (3×2) is (8, 10); with
	// dY = (1, 2), du = A dY and dA = u dYᵀ.
	u := vec([]float64{1, -1, 2})
	y, g = backward(t, &ops.MatMul[float64]{}, vec([]float64{1, 2}), u, a)
	assertTensor(t, "u·A", y, []int{2}, []float64{8, 10}, 0)
	assertTensor(t, "u·A du", g[0], []int{3}, []float64{5, 11, 17}, 0)
	assertTensor(t, "u·A dA", g[1], []int{3, 2}, []float64{1, 2, -1, -2, 2, 4}, 0)
	// The same with A stored transposed and TransB: a linear layer on one
	// sample, x·Wᵀ.
	y, g = backward(t, &ops.MatMul[float64]{TransA: true, TransB: true}, vec([]float64{1, 2}), u, tensor.Transpose(a, 0, 1))
	assertTensor(t, "u·Aᵀᵀ", y, []int{2}, []float64{8, 10}, 0)
	assertTensor(t, "u·Aᵀᵀ du", g[0], []int{3}, []float64{5, 11, 17}, 0)
	assertTensor(t, "u·Aᵀᵀ dA", g[1], []int{2, 3}, []float64{1, -1, 2, 2, -2, 4}, 0)

	// A stack of two vectors' worth: (2×1×3)·(3) is (2×1), and the gradient
	// of the shared vector sums over the stack: dv = Σ Aᵢᵀ dYᵢ.
	s := vec([]float64{1, 0, 2, -1, 1, 0}, 2, 1, 3)
	y, g = backward(t, &ops.MatMul[float64]{}, vec([]float64{1, 3}, 2, 1), s, w3)
	assertTensor(t, "S·w", y, []int{2, 1}, []float64{16, 1}, 0)
	assertTensor(t, "S·w dS", g[0], []int{2, 1, 3}, []float64{4, 5, 6, 12, 15, 18}, 0)
	assertTensor(t, "S·w dw", g[1], []int{3}, []float64{-2, 3, 2}, 0)
}

// TestMatMulShapes pins the output shapes of torch.matmul's cases, those of
// its documentation among them.
func TestMatMulShapes(t *testing.T) {
	for _, c := range []struct{ a, b, want []int }{
		{[]int{3}, []int{3}, []int{}},
		{[]int{3, 4}, []int{4}, []int{3}},
		{[]int{1, 4}, []int{4}, []int{1}},
		{[]int{4}, []int{4, 5}, []int{5}},
		{[]int{4}, []int{4, 1}, []int{1}},
		{[]int{10, 3, 4}, []int{4}, []int{10, 3}},
		{[]int{4}, []int{10, 4, 5}, []int{10, 5}},
		{[]int{2, 1, 3, 4}, []int{4}, []int{2, 1, 3}},
		{[]int{4}, []int{2, 1, 4, 5}, []int{2, 1, 5}},
		{[]int{10, 3, 4}, []int{10, 4, 5}, []int{10, 3, 5}},
		{[]int{10, 3, 4}, []int{4, 5}, []int{10, 3, 5}},
		{[]int{3, 4}, []int{10, 4, 5}, []int{10, 3, 5}},
		{[]int{7, 1, 3, 4}, []int{5, 4, 2}, []int{7, 5, 3, 2}},
		{[]int{3, 4}, []int{2, 1, 4, 5}, []int{2, 1, 3, 5}},
		{[]int{1, 1, 3, 4}, []int{4, 5}, []int{1, 1, 3, 5}},
	} {
		y := forward(&ops.MatMul[float64]{}, tensor.New[float64](c.a...), tensor.New[float64](c.b...))
		if !tensor.EqualShapes(y.Shape(), c.want) {
			t.Errorf("MatMul of %v and %v: shape %v, want %v", c.a, c.b, y.Shape(), c.want)
		}
	}
}

// TestMatMulEmpty: with k = 0 the product is all zeros; with m or n = 0 it
// is empty; with an empty batch the gradient of an operand broadcast over
// it is an empty sum, exactly zero. Either way the backward pass runs, the
// stacked path and vectors included.
func TestMatMulEmpty(t *testing.T) {
	cases := []matmulCase{
		{nil, nil, 3, 0, 2, false, false}, {[]int{2}, nil, 3, 0, 2, false, false}, {[]int{2}, []int{2}, 3, 0, 2, false, false},
		{[]int{2}, nil, 3, 2, 0, false, false}, {[]int{2}, nil, 0, 2, 3, false, false}, {[]int{0}, nil, 3, 2, 2, false, false},
		{nil, nil, 1, 0, 1, true, true}, {nil, nil, 3, 0, 1, false, true}, {nil, nil, 1, 0, 2, true, false},
		{[]int{0}, nil, 3, 2, 1, false, true}, {nil, []int{0}, 1, 2, 3, true, false},
		{[]int{1}, []int{0}, 3, 2, 2, false, false}, {[]int{0, 2}, []int{2}, 1, 2, 2, false, false},
		{nil, []int{2}, 3, 0, 2, false, false}, {nil, []int{2}, 1, 0, 3, true, false}, {[]int{2, 1}, []int{3}, 2, 0, 2, false, false},
	}
	for _, c := range cases {
		for _, tB := range []bool{false, true} {
			as, bs := c.shapes(false, tB)
			name := fmt.Sprintf("%s tB=%t", shapeName(as, bs), tB)
			a, b := tensor.Full(1.5, as...), tensor.Full(-2.0, bs...)
			y, g := backward(t, &ops.MatMul[float64]{TransB: tB}, nil, a, b) // checks the gradients' shapes
			assertLike(t, name, y, refMatMul(a, false, b, tB), 0)
			assertExactZero(t, name+" y", y.Data())
			assertExactZero(t, name+" dA", g[0].Data())
			assertExactZero(t, name+" dB", g[1].Data())
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
		{[]int{3, 4}, []int{5, 2}, false, false, "ops: MatMul: cannot multiply shapes [3 4] and [5 2]: inner dimensions 4 and 5 differ"},
		{[]int{3}, []int{4}, false, false, "ops: MatMul: cannot multiply shapes [3] and [4]: inner dimensions 3 and 4 differ"},
		{[]int{4}, []int{3, 2}, false, false, "ops: MatMul: cannot multiply shapes [4] and [3 2]: inner dimensions 4 and 3 differ"},
		{[]int{3, 4}, []int{5}, false, false, "ops: MatMul: cannot multiply shapes [3 4] and [5]: inner dimensions 4 and 5 differ"},
		{[]int{2, 3, 4}, []int{3}, false, false, "ops: MatMul: cannot multiply shapes [2 3 4] and [3]: inner dimensions 4 and 3 differ"},
		{[]int{4}, []int{2, 3, 5}, false, false, "ops: MatMul: cannot multiply shapes [4] and [2 3 5]: inner dimensions 4 and 3 differ"},
		{[]int{2, 3, 4}, []int{3, 4, 5}, false, false,
			"ops: MatMul: cannot multiply shapes [2 3 4] and [3 4 5]: batch dimensions [2] and [3] do not broadcast"},
		{[]int{2, 1, 3, 4}, []int{3, 2, 4, 5}, false, false,
			"ops: MatMul: cannot multiply shapes [2 1 3 4] and [3 2 4 5]: batch dimensions [2 1] and [3 2] do not broadcast"},
		{[]int{3, 4}, []int{4, 2}, true, false, "ops: MatMul: cannot multiply shapes [3 4] and [4 2] with TransA: inner dimensions 3 and 4 differ"},
		{[]int{3, 4}, []int{4, 2}, false, true, "ops: MatMul: cannot multiply shapes [3 4] and [4 2] with TransB: inner dimensions 4 and 2 differ"},
		{[]int{3, 4}, []int{4, 2}, true, true,
			"ops: MatMul: cannot multiply shapes [3 4] and [4 2] with TransA and TransB: inner dimensions 3 and 2 differ"},
		{[]int{2, 3, 4}, []int{3, 5, 3}, true, true,
			"ops: MatMul: cannot multiply shapes [2 3 4] and [3 5 3] with TransA and TransB: batch dimensions [2] and [3] do not broadcast"},
		// A vector ignores its flag, and the message does not name it.
		{[]int{4}, []int{4, 2}, true, true, "ops: MatMul: cannot multiply shapes [4] and [4 2] with TransB: inner dimensions 4 and 2 differ"},
		{[]int{}, []int{3}, false, false, "ops: MatMul: cannot multiply shapes [] and [3]: both operands need at least 1 dimension"},
		{[]int{3, 2}, []int{}, false, false, "ops: MatMul: cannot multiply shapes [3 2] and []: both operands need at least 1 dimension"},
	}
	for _, c := range cases {
		testutil.MustPanic(t, func() {
			forward(&ops.MatMul[float64]{TransA: c.tA, TransB: c.tB}, tensor.New[float64](c.a...), tensor.New[float64](c.b...))
		}, c.want)
	}
	testutil.MustPanic(t, func() { forward(&ops.MatMul[float64]{}, tensor.New[float64](2, 2)) },
		"ops: MatMul takes 2 input(s), got 1")
}

func TestMatMulSaved(t *testing.T) {
	a, b := tensor.New[float64](3, 4), tensor.New[float64](4, 2) // 96 and 64 bytes
	if got := savedBytes(&ops.MatMul[float64]{}, a, b); got != 160 {
		t.Errorf("MatMul keeps both operands: SavedBytes = %d, want 160", got)
	}
	if got := savedBytes(&ops.MatMul[float64]{TransB: true}, a, a); got != 96 {
		t.Errorf("MatMul(x, xᵀ) keeps x once: SavedBytes = %d, want 96", got)
	}
	v := tensor.New[float64](4) // 32 bytes
	if got := savedBytes(&ops.MatMul[float64]{}, a, v); got != 128 {
		t.Errorf("MatMul(A, v) keeps A and v, not a copy of v: SavedBytes = %d, want 128", got)
	}
	if got := savedBytes(&ops.MatMul[float64]{}, v, v); got != 32 {
		t.Errorf("MatMul(v, v) keeps v once: SavedBytes = %d, want 32", got)
	}
}

// TestMatMulFloat32 runs every shape case in float32, values and both
// gradients, against float64.
func TestMatMulFloat32(t *testing.T) {
	r := rng(51)
	for _, c := range slices.Concat(matmulCases, matmulVectorCases) {
		for _, tr := range [][2]bool{{false, false}, {true, true}} {
			as, bs := c.shapes(tr[0], tr[1])
			name := fmt.Sprintf("MatMul %s tA=%t tB=%t", shapeName(as, bs), tr[0], tr[1])
			a, b := randn(r, as...), randn(r, bs...)
			op64 := &ops.MatMul[float64]{TransA: tr[0], TransB: tr[1]}
			op32 := &ops.MatMul[float32]{TransA: tr[0], TransB: tr[1]}
			y := op64.Forward([]t64{a, b})
			assert32(t, name, op32.Forward([]*tensor.Tensor[float32]{to32(a), to32(b)}), y)
			dy := randn(r, y.Shape()...)
			g64 := op64.Backward(dy, []bool{true, true})
			g32 := op32.Backward(to32(dy), []bool{true, true})
			assert32(t, name+" dA", g32[0], g64[0])
			assert32(t, name+" dB", g32[1], g64[1])
		}
	}
}
