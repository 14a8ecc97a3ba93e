package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// refGemm is Gemm as a triple loop accumulated in float64.
func refGemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	for i := range m {
		for j := range n {
			s := 0.0
			for p := range k {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += float64(av) * float64(bv)
			}
			v := float64(alpha) * s
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
			}
			c[i*ldc+j] = T(v)
		}
	}
}

func randSlice[T Float](rng *rand.Rand, n int) []T { return RandN[T](rng, n).Data() }

func TestGemm(t *testing.T) {
	testGemm[float32](t, 1e-4)
	testGemm[float64](t, 1e-12)
}

func testGemm[T Float](t *testing.T, tol float64) {
	rng := newRNG(30)
	dims := [][3]int{{1, 1, 1}, {3, 4, 5}, {7, 2, 9}, {17, 13, 1}, {1, 8, 19}, {0, 3, 4}, {3, 0, 4}, {3, 4, 0}}
	for _, d := range dims {
		m, n, k := d[0], d[1], d[2]
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, ab := range [][2]T{{1, 0}, {-0.5, 0}, {1, 1}, {2, -1.5}, {0, 0.5}, {0, 0}} {
				for _, pad := range []int{0, 3} { // pad > 0: submatrices of wider arrays
					ar, ac := m, k // A as stored
					if tr[0] {
						ar, ac = k, m
					}
					br, bc := k, n
					if tr[1] {
						br, bc = n, k
					}
					lda, ldb, ldc := max(ac+pad, 1), max(bc+pad, 1), max(n+pad, 1)
					a := randSlice[T](rng, max(ar*lda, 1))
					b := randSlice[T](rng, max(br*ldb, 1))
					c := randSlice[T](rng, max(m*ldc, 1))
					if ab[1] == 0 {
						for i := range c { // beta 0 must ignore whatever C held
							c[i] = T(math.NaN())
						}
					}
					want := append([]T(nil), c...)
					refGemm(tr[0], tr[1], m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
					Gemm(tr[0], tr[1], m, n, k, ab[0], a, lda, b, ldb, ab[1], c, ldc)
					name := fmt.Sprintf("%T m=%d n=%d k=%d trans=%v alpha=%v beta=%v pad=%d", a, m, n, k, tr, ab[0], ab[1], pad)
					// The padding columns of C, NaN or not, must be left alone.
					if diff := cmp.Diff(want, c, cmpopts.EquateApprox(0, tol), cmpopts.EquateNaNs()); diff != "" {
						t.Errorf("%s (-want +got):\n%s", name, diff)
					}
				}
			}
		}
	}
}

func TestGemmKnownValues(t *testing.T) {
	a := []float64{1, 2, 3, 4, 5, 6}    // 2×3
	b := []float64{7, 8, 9, 10, 11, 12} // 3×2
	c := []float64{1, 1, 1, 1}
	Gemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 10, c, 2)
	if want := []float64{68, 74, 149, 164}; !cmp.Equal(c, want) {
		t.Errorf("A·B + 10·C = %v, want %v", c, want)
	}
	// The top-left 2×2 block of a 3×3 matrix, times its transpose.
	m := []float32{1, 2, -1, 3, 4, -1, -1, -1, -1}
	out := []float32{-1, -1, -1, -1}
	Gemm(false, true, 2, 2, 2, 1, m, 3, m, 3, 0, out, 2)
	if want := []float32{5, 11, 11, 25}; !cmp.Equal(out, want) {
		t.Errorf("S·Sᵀ of a submatrix = %v, want %v", out, want)
	}
}

// refMatMul computes op(a)·op(b) with batch broadcasting, one element at a time.
func refMatMul[T Float](a *Tensor[T], transA bool, b *Tensor[T], transB bool) *Tensor[T] {
	if transA {
		a = Transpose(a, -1, -2)
	}
	if transB {
		b = Transpose(b, -1, -2)
	}
	na, nb := a.NDim(), b.NDim()
	m, k, n := a.Dim(-2), a.Dim(-1), b.Dim(-1)
	batch, err := BroadcastShapes(a.Shape()[:na-2], b.Shape()[:nb-2])
	if err != nil {
		panic(err)
	}
	out := New[T](append(append([]int{}, batch...), m, n)...)
	for o := range out.Data() {
		idx := unravel(o, out.Shape())
		bi := idx[:len(batch)]
		ia := append(pick(bi, a.Shape()[:na-2]), idx[len(batch)], 0)
		ib := append(pick(bi, b.Shape()[:nb-2]), 0, idx[len(batch)+1])
		s := 0.0
		for p := range k {
			ia[na-1], ib[nb-2] = p, p
			s += float64(a.At(ia...)) * float64(b.At(ib...))
		}
		out.Data()[o] = T(s)
	}
	return out
}

func TestMatMul(t *testing.T) {
	testMatMul[float32](t, 1e-4)
	testMatMul[float64](t, 1e-12)
}

func testMatMul[T Float](t *testing.T, tol float64) {
	rng := newRNG(31)
	const m, k, n = 3, 5, 4
	for _, tc := range []struct{ aBatch, bBatch []int }{
		{nil, nil},
		{[]int{4}, nil},      // one tall GEMM
		{[]int{4}, []int{1}}, // one tall GEMM
		{[]int{2, 3}, nil},   // one tall GEMM
		{nil, []int{4}},      // b batched
		{[]int{2, 1}, []int{3}},
		{[]int{3}, []int{2, 1}},
		{[]int{2, 3}, []int{2, 3}},
		{[]int{1}, []int{1, 1}},
		{[]int{0}, nil},
		{[]int{2, 0}, []int{1}},
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
			got, want := MatMulT(a, tr[0], b, tr[1]), refMatMul(a, tr[0], b, tr[1])
			name := fmt.Sprintf("%T MatMulT(%v, %t, %v, %t)", a, as, tr[0], bs, tr[1])
			if !EqualShapes(got.Shape(), want.Shape()) {
				t.Errorf("%s: shape %v, want %v", name, got.Shape(), want.Shape())
				continue
			}
			if diff := cmp.Diff(want.Data(), got.Data(), cmpopts.EquateApprox(0, tol), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", name, diff)
			}
			if !tr[0] && !tr[1] && !cmp.Equal(MatMul(a, b).Data(), got.Data(), cmpopts.EquateEmpty()) {
				t.Errorf("%s: MatMul differs from MatMulT", name)
			}
		}
	}
	// k = 0: every product is an empty sum.
	if got := MatMul(New[T](2, 3, 0), New[T](0, 4)); !EqualShapes(got.Shape(), []int{2, 3, 4}) || Sum(got, false).Item() != 0 {
		t.Errorf("MatMul with k=0 = %v %v, want zeros of shape [2 3 4]", got.Shape(), got.Data())
	}
}

// A stack of matrices times one matrix runs as one tall GEMM; a transposed
// stack takes the general, batch-by-batch path. The two must agree.
func TestMatMulTallPathMatchesGeneral(t *testing.T) {
	rng := newRNG(32)
	a, b := RandN[float64](rng, 6, 7, 9), RandN[float64](rng, 9, 5)
	tall := MatMul(a, b)
	general := MatMulT(Transpose(a, -1, -2), true, b, false)
	if diff := cmp.Diff(general.Data(), tall.Data(), cmpopts.EquateApprox(0, 1e-13)); diff != "" {
		t.Errorf("tall GEMM vs general path (-general +tall):\n%s", diff)
	}
	for i := range 6 {
		ai := FromSlice(a.Data()[i*63:(i+1)*63], 7, 9)
		one := MatMul(ai, b)
		if diff := cmp.Diff(one.Data(), tall.Data()[i*35:(i+1)*35], cmpopts.EquateApprox(0, 1e-13)); diff != "" {
			t.Errorf("batch %d of the tall GEMM differs from a 2-d MatMul:\n%s", i, diff)
		}
	}
}

func TestMatMulPanics(t *testing.T) {
	testutil.MustPanic(t, func() { MatMul(New[float32](3), New[float32](3, 2)) },
		"at least 2 dimensions, got [3] and [3 2]")
	testutil.MustPanic(t, func() { MatMul(New[float32](2, 3), Scalar[float32](1)) },
		"at least 2 dimensions, got [2 3] and []")
	testutil.MustPanic(t, func() {
		MatMul(New[float64](2, 3), New[float64](4, 2))
	}, "MatMul of [2 3] and [4 2]: inner dimensions 3 and 4 differ")
	testutil.MustPanic(t, func() {
		MatMulT(New[float64](2, 3), true, New[float64](3, 2), false)
	}, "inner dimensions 2 and 3 differ")
	testutil.MustPanic(t, func() {
		MatMul(New[float32](2, 4, 5), New[float32](3, 5, 6))
	}, "tensor: MatMul of [2 4 5] and [3 5 6]: batch dimensions [2] and [3] do not broadcast")
}
