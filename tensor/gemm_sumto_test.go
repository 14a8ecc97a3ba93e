package tensor

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

func TestMatMulTSumTo(t *testing.T) {
	testMatMulTSumTo[float32](t, 1e-4)
	testMatMulTSumTo[float64](t, 1e-12)
}

// testMatMulTSumTo checks MatMulTSumTo against its definition, SumTo of
// MatMulT, on products whose batch axes broadcast in every way the gradients
// of a broadcast product sum them: over leading axes, over size-1 axes, over
// everything, and not at all.
func testMatMulTSumTo[T Float](t *testing.T, tol float64) {
	rng := newRNG(33)
	const m, k, n = 3, 5, 4
	for _, tc := range []struct{ aBatch, bBatch, to []int }{
		{nil, nil, nil},                         // 2-d: the plain product
		{[]int{4}, []int{4}, []int{4}},          // nothing to sum
		{[]int{4}, []int{4}, nil},               // the whole batch: one GEMM when aᵀ·b
		{[]int{2, 3}, []int{2, 3}, []int{1}},    // the whole batch, kept as 1
		{[]int{2, 3}, []int{1, 3}, nil},         // b broadcast: the loop
		{[]int{4}, nil, nil},                    // a stack times one matrix
		{nil, []int{4}, nil},                    // one matrix times a stack
		{[]int{2, 1}, []int{3}, []int{3}},       // over a leading axis
		{[]int{2, 1}, []int{3}, []int{2, 1}},    // over a size-1 axis
		{[]int{2, 1}, []int{1, 3}, []int{1, 3}}, // over the other
		{[]int{2, 3}, []int{2, 3}, []int{2, 1}}, // over the last batch axis
		{[]int{1, 2, 3}, []int{2, 3}, []int{3}}, // leading 1s in a
		{[]int{0}, nil, nil},                    // an empty sum: zeros
		{[]int{2, 0}, []int{1}, []int{1}},       // an empty sum, batch kept
		{[]int{3}, []int{1}, []int{1}},          // batch 1 against 3
		{[]int{1}, []int{1}, nil},               // batch 1 on both sides
	} {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			as := append(append([]int{}, tc.aBatch...), m, k)
			if tr[0] {
				as[len(as)-2], as[len(as)-1] = k, m
			}
			bs := append(append([]int{}, tc.bBatch...), k, n)
			if tr[1] {
				bs[len(bs)-2], bs[len(bs)-1] = n, k
			}
			a, b := RandN[T](rng, as...), RandN[T](rng, bs...)
			want := SumTo(refMatMul(a, tr[0], b, tr[1]), append(append([]int{}, tc.to...), m, n)...)
			got := MatMulTSumTo(a, tr[0], b, tr[1], tc.to...)
			name := fmt.Sprintf("%T MatMulTSumTo(%v, %t, %v, %t, %v)", a, as, tr[0], bs, tr[1], tc.to)
			if !EqualShapes(got.Shape(), want.Shape()) {
				t.Errorf("%s: shape %v, want %v", name, got.Shape(), want.Shape())
				continue
			}
			if diff := cmp.Diff(want.Data(), got.Data(), cmpopts.EquateApprox(0, tol), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", name, diff)
			}
		}
	}
}

// The matrices MatMulTSumTo writes come from an arena's recycled storage:
// NaNs left there must not reach the sums, on the folded path or the loop.
func TestMatMulTSumToIgnoresRecycledStorage(t *testing.T) {
	rng := newRNG(34)
	ar := NewArena[float64]()
	for _, c := range []struct {
		a, b, to []int
		tA       bool
	}{
		{[]int{4, 5, 3}, []int{4, 5, 2}, nil, true},       // one GEMM
		{[]int{4, 3, 5}, []int{1, 5, 2}, []int{1}, false}, // the loop
		{[]int{0, 3, 5}, []int{5, 2}, nil, false},         // an empty sum
	} {
		a, b := RandN[float64](rng, c.a...), RandN[float64](rng, c.b...)
		want := MatMulTSumTo(a, c.tA, b, false, c.to...)
		ar.NewUninit(want.Shape()...).Fill(math.NaN())
		ar.Recycle()
		got := ar.MatMulTSumTo(a, c.tA, b, false, c.to...)
		if diff := cmp.Diff(want.Data(), got.Data()); diff != "" {
			t.Errorf("%v·%v summed to %v in an arena (-heap +arena):\n%s", c.a, c.b, c.to, diff)
		}
	}
}

func TestMatMulTSumToPanics(t *testing.T) {
	testutil.MustPanic(t, func() {
		MatMulTSumTo(New[float64](2, 3, 5), false, New[float64](5, 4), false, 3)
	}, "tensor: cannot sum shape [2 3 4] down to [3 3 4]: [3 3 4] does not broadcast to [2 3 4]")
	testutil.MustPanic(t, func() {
		MatMulTSumTo(New[float64](3, 5), false, New[float64](5, 4), false, 1)
	}, "tensor: cannot sum shape [3 4] down to [1 3 4]")
	testutil.MustPanic(t, func() {
		MatMulTSumTo(New[float64](2, 3), false, New[float64](4, 2), false)
	}, "tensor: MatMul of [2 3] and [4 2]: inner dimensions 3 and 4 differ")
	testutil.MustPanic(t, func() {
		MatMulTSumTo(New[float64](3), false, New[float64](3, 2), false)
	}, "tensor: MatMul needs operands with at least 2 dimensions, got [3] and [3 2]")
}
