package tensor_test

// Cross-checks of tapegrad's matrix product against gonum's BLAS
// (gonum.org/v1/gonum/blas/gonum), an implementation written independently
// of ours, with its own blocking and summation order. The two need not
// agree to the bit, so each element of C is compared within the rounding
// error that any summation order may commit: for
//
//	c = alpha·Σₚ a_ip·b_pj + beta·c_ij
//
// computed in floating point with unit roundoff u (ε/2: 2⁻⁵³ in float64,
// 2⁻²⁴ in float32), the error is at most γ_{k+2}·(|alpha|·Σₚ|a_ip·b_pj| +
// |beta|·|c_ij|), with γ_n = n·u/(1 − n·u) (Higham, Accuracy and Stability
// of Numerical Algorithms, §3.1: k products and k−1 additions, then one
// scaling and one addition, the beta scaling folded in the last term). Two
// results within that bound of the exact one differ by at most twice it,
// the tolerance used here. It is about k·ε relative to the sum of the
// magnitudes: dropping a term, adding one twice or reading a neighbour's
// element is orders of magnitude beyond it (TestGonumGemmToleranceCatches
// checks that).

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/tapegrad/tapegrad/tensor"
)

// blasTrans returns gonum's name for op(X).
func blasTrans(trans bool) blas.Transpose {
	if trans {
		return blas.Trans
	}
	return blas.NoTrans
}

// gonumGemm is tensor.Gemm computed by gonum's Dgemm or Sgemm. Both take
// row-major matrices, as tensor.Gemm does.
func gonumGemm[T tensor.Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	tA, tB := blasTrans(transA), blasTrans(transB)
	switch a := any(a).(type) {
	case []float64:
		gonum.Implementation{}.Dgemm(tA, tB, m, n, k, float64(alpha), a, lda, any(b).([]float64), ldb, float64(beta), any(c).([]float64), ldc)
	case []float32:
		gonum.Implementation{}.Sgemm(tA, tB, m, n, k, float32(alpha), a, lda, any(b).([]float32), ldb, float32(beta), any(c).([]float32), ldc)
	}
}

// unitRoundoff returns u = ε/2 of T.
func unitRoundoff[T tensor.Float]() float64 {
	var z T
	if _, ok := any(z).(float32); ok {
		return 0x1p-24
	}
	return 0x1p-53
}

// gemmProblem is one call of Gemm: sizes, flags, scalars and operands, C
// as it is before the call, padding columns included.
type gemmProblem[T tensor.Float] struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    T
	a, b, c        []T
	lda, ldb, ldc  int
}

func (p *gemmProblem[T]) String() string {
	return fmt.Sprintf("%T m=%d n=%d k=%d transA=%t transB=%t alpha=%v beta=%v lda=%d ldb=%d ldc=%d",
		p.a, p.m, p.n, p.k, p.transA, p.transB, p.alpha, p.beta, p.lda, p.ldb, p.ldc)
}

// newGemmProblem draws random operands of the given sizes, stored with pad
// extra columns (row stride = columns + pad: submatrices of wider arrays).
// With beta 0, C holds NaNs, which Gemm must not read. C's padding holds
// NaNs too, which Gemm must not touch.
func newGemmProblem[T tensor.Float](rng *rand.Rand, transA, transB bool, m, n, k int, alpha, beta T, pad int) *gemmProblem[T] {
	ar, ac := m, k // A as stored
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	p := &gemmProblem[T]{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		lda: max(ac+pad, 1), ldb: max(bc+pad, 1), ldc: max(n+pad, 1)}
	p.a = tensor.RandN[T](rng, ar*p.lda).Data()
	p.b = tensor.RandN[T](rng, br*p.ldb).Data()
	p.c = tensor.RandN[T](rng, m*p.ldc).Data()
	for i := range m {
		for j := range p.ldc {
			if beta == 0 || j >= n {
				p.c[i*p.ldc+j] = T(math.NaN())
			}
		}
	}
	return p
}

// run returns C after Gemm computed by gemm.
func (p *gemmProblem[T]) run(gemm func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)) []T {
	c := append([]T(nil), p.c...)
	gemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc)
	return c
}

// magnitudes returns, for each element of C (row stride ldc), the sum of
// the magnitudes of the terms that make it,
//
//	|alpha|·Σₚ|op(A)_ip|·|op(B)_pj| + |beta|·|C_ij|
//
// computed in float64.
func (p *gemmProblem[T]) magnitudes() []float64 {
	mag := make([]float64, len(p.c))
	for i := range p.m {
		for j := range p.n {
			s := 0.0
			for q := range p.k {
				ai, bi := i*p.lda+q, q*p.ldb+j
				if p.transA {
					ai = q*p.lda + i
				}
				if p.transB {
					bi = j*p.ldb + q
				}
				s += math.Abs(float64(p.a[ai]) * float64(p.b[bi]))
			}
			s *= math.Abs(float64(p.alpha))
			if p.beta != 0 {
				s += math.Abs(float64(p.beta) * float64(p.c[i*p.ldc+j]))
			}
			mag[i*p.ldc+j] = s
		}
	}
	return mag
}

// tolerances returns twice the error bound of the file's comment for
// sums of terms of magnitudes mag, each made of k products:
// 2·γ_{k+2}·mag.
func tolerances[T tensor.Float](k int, mag []float64) []float64 {
	u := unitRoundoff[T]()
	gamma := float64(k+2) * u / (1 - float64(k+2)*u)
	tol := make([]float64, len(mag))
	for i, v := range mag {
		tol[i] = 2 * gamma * v
	}
	return tol
}

// compare returns a description of the elements where got and want differ
// by more than tol, and of the padding columns that either changed; "" if
// none do. With a bound of 0 (k = 0 and beta = 0, say) the two must be equal.
func (p *gemmProblem[T]) compare(want, got []T, tol []float64) string {
	var s string
	bad := 0
	for i := range p.m {
		for j := range p.ldc {
			x := i*p.ldc + j
			w, g := float64(want[x]), float64(got[x])
			var ok bool
			if j >= p.n { // padding: untouched by both
				ok = math.IsNaN(w) && math.IsNaN(g)
			} else {
				ok = math.Abs(w-g) <= tol[x]
			}
			if !ok {
				if bad < 5 {
					s += fmt.Sprintf("\n\tC[%d,%d] = %v, gonum's %v: difference %.3g, tolerance %.3g", i, j, g, w, math.Abs(w-g), tol[x])
				}
				bad++
			}
		}
	}
	if bad > 5 {
		s += fmt.Sprintf("\n\t… %d elements in all", bad)
	}
	return s
}

// check runs p by tensor.Gemm and by gonum and fails t where they differ.
func (p *gemmProblem[T]) check(t *testing.T) {
	t.Helper()
	want := p.run(gonumGemm[T])
	got := p.run(tensor.Gemm[T])
	if d := p.compare(want, got, tolerances[T](p.k, p.magnitudes())); d != "" {
		t.Errorf("%v: tensor.Gemm and gonum differ:%s", p, d)
	}
}

// gonumScalars are the (alpha, beta) pairs tried: the plain product, scaled,
// accumulated, general, alpha 0 (A and B not read) and both 0.
var gonumScalars = [][2]float64{{1, 0}, {-0.5, 0}, {1, 1}, {2, -1.5}, {0, 0.5}, {0, 0}}

// gonumShapes are the m, n, k tried in every combination of transposes:
// empty and tiny; primes; one or two rows or columns of C (the thin paths);
// products small enough for the plain loops (m·n·k ≤ 512); and products
// that cross the kernels' tiles (up to 12×32) and blocks (kc 256 or 512,
// nc 256) on every variant, 257×129×65 among them.
var gonumShapes = [][3]int{
	{0, 0, 0}, {0, 3, 4}, {3, 0, 4}, {3, 4, 0}, {1, 1, 1}, {1, 1, 0}, {2, 2, 2}, {1, 2, 3},
	{7, 11, 13}, {13, 17, 19}, {31, 37, 41}, {61, 67, 71}, {97, 3, 101}, {3, 97, 5},
	{1, 300, 257}, {300, 1, 257}, {2, 129, 65}, {129, 2, 65}, {1, 1, 1000}, {2, 2, 600},
	{8, 8, 8}, {5, 7, 9},
	{257, 129, 65}, {65, 257, 129}, {129, 65, 513}, {13, 33, 257}, {25, 17, 300}, {12, 32, 256},
}

func TestGonumGemm(t *testing.T) {
	testGonumGemm[float64](t)
	testGonumGemm[float32](t)
}

func testGonumGemm[T tensor.Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 1))
	try := 0
	for si, d := range gonumShapes {
		m, n, k := d[0], d[1], d[2]
		big := m*n*k > 50000
		if big && testing.Short() {
			continue
		}
		for ti, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, pad := range []int{0, 3} {
				scalars := gonumScalars
				if big { // one pair and one padding per call, in turn, to keep the test quick
					if pad != 3*((si+ti)%2) {
						continue
					}
					scalars = gonumScalars[try%len(gonumScalars):][:1]
					try++
				}
				for _, ab := range scalars {
					newGemmProblem(rng, tr[0], tr[1], m, n, k, T(ab[0]), T(ab[1]), pad).check(t)
				}
			}
		}
	}

	// And random shapes, flags, scalars and paddings.
	for range 60 {
		m, n, k := rng.IntN(80), rng.IntN(80), rng.IntN(150)
		ab := gonumScalars[rng.IntN(len(gonumScalars))]
		newGemmProblem(rng, rng.IntN(2) == 1, rng.IntN(2) == 1, m, n, k, T(ab[0]), T(ab[1]), rng.IntN(4)).check(t)
	}
}

// The tolerance catches what a wrong kernel does: a product term dropped
// from one element, and a row's element read from the next column.
func TestGonumGemmToleranceCatches(t *testing.T) {
	testGonumGemmToleranceCatches[float64](t)
	testGonumGemmToleranceCatches[float32](t)
}

func testGonumGemmToleranceCatches[T tensor.Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 2))
	p := newGemmProblem[T](rng, false, true, 65, 129, 257, 1, 0, 0)
	want := p.run(gonumGemm[T])
	tol := tolerances[T](p.k, p.magnitudes())

	// The product of median magnitude among those that make C[3,7],
	// dropped.
	terms := make([]float64, p.k)
	for q := range p.k {
		terms[q] = float64(p.a[3*p.lda+q]) * float64(p.b[7*p.ldb+q])
	}
	median := slices.SortedFunc(slices.Values(terms), func(x, y float64) int { return cmp.Compare(math.Abs(x), math.Abs(y)) })[p.k/2]
	got := append([]T(nil), want...)
	got[3*p.ldc+7] -= T(median)
	if p.compare(want, got, tol) == "" {
		t.Errorf("%v: dropping the term %v (of %d) from C[3,7] passes the tolerance %v", p, median, p.k, tol[3*p.ldc+7])
	}

	// Row 5 shifted by one column.
	got = append([]T(nil), want...)
	for j := range p.n - 1 {
		got[5*p.ldc+j] = want[5*p.ldc+j+1]
	}
	if p.compare(want, got, tol) == "" {
		t.Errorf("%v: a row shifted by one column passes the tolerance", p)
	}
}

// MatMul, MatMulT and MatMulTSumTo against one gonum GEMM per matrix of the
// batch: the tall single-GEMM path, broadcast batch axes, transposes and a
// sum over the batch.
func TestGonumMatMul(t *testing.T) {
	testGonumMatMul[float64](t)
	testGonumMatMul[float32](t)
}

func testGonumMatMul[T tensor.Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(18, 3))
	const m, n, k = 13, 11, 17
	for _, tc := range []struct{ aBatch, bBatch []int }{
		{nil, nil},
		{[]int{2, 3}, nil}, // one tall GEMM
		{[]int{3, 1}, []int{4}},
		{[]int{1}, []int{2, 2}},
		{[]int{2, 3}, []int{2, 3}},
		{[]int{0}, nil},
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
			a, b := tensor.RandN[T](rng, as...), tensor.RandN[T](rng, bs...)
			name := fmt.Sprintf("%T MatMulT(%v, %t, %v, %t)", a.Data(), as, tr[0], bs, tr[1])
			batch, err := tensor.BroadcastShapes(tc.aBatch, tc.bBatch)
			if err != nil {
				t.Fatal(err)
			}
			got := tensor.MatMulT(a, tr[0], b, tr[1])
			if want := append(append([]int{}, batch...), m, n); !tensor.EqualShapes(got.Shape(), want) {
				t.Errorf("%s: shape %v, want %v", name, got.Shape(), want)
				continue
			}

			// Each matrix of the result by gonum, and the sum of them all:
			// count·k products and 2·count scalings and additions, the
			// bound of the file's comment with k·count for k.
			sum, sumMag := make([]T, m*n), make([]float64, m*n)
			count := 1
			for _, d := range batch {
				count *= d
			}
			for o := range count {
				ao, bo := batchOffset(o, batch, tc.aBatch), batchOffset(o, batch, tc.bBatch)
				p := &gemmProblem[T]{transA: tr[0], transB: tr[1], m: m, n: n, k: k, alpha: 1,
					a: a.Data()[ao*m*k : (ao+1)*m*k], lda: as[len(as)-1],
					b: b.Data()[bo*k*n : (bo+1)*k*n], ldb: bs[len(bs)-1],
					c: make([]T, m*n), ldc: n}
				want, mag := p.run(gonumGemm[T]), p.magnitudes()
				if d := p.compare(want, got.Data()[o*m*n:(o+1)*m*n], tolerances[T](k, mag)); d != "" {
					t.Errorf("%s: matrix %d of the batch differs from gonum's:%s", name, o, d)
				}
				p.c, p.beta = sum, 1
				sum = p.run(gonumGemm[T])
				for i, v := range mag {
					sumMag[i] += v
				}
			}
			sumTo := tensor.MatMulTSumTo(a, tr[0], b, tr[1])
			p := &gemmProblem[T]{m: m, n: n, ldc: n}
			if d := p.compare(sum, sumTo.Data(), tolerances[T](count*(k+2), sumMag)); d != "" {
				t.Errorf("%s: MatMulTSumTo to (%d, %d) differs from gonum's sum of the batch:%s", name, m, n, d)
			}
			if count == 0 && !allZero(sumTo.Data()) {
				t.Errorf("%s: MatMulTSumTo over an empty batch = %v, want zeros", name, sumTo.Data())
			}
		}
	}
}

// batchOffset returns the index of the matrix of an operand of batch shape
// own that the o-th matrix of the broadcast batch shape full reads.
func batchOffset(o int, full, own []int) int {
	idx, off, stride := o, 0, 1
	for ax := len(full) - 1; ax >= 0; ax-- {
		i := idx % full[ax]
		idx /= full[ax]
		if oa := ax - (len(full) - len(own)); oa >= 0 {
			if own[oa] != 1 {
				off += i * stride
			}
			stride *= own[oa]
		}
	}
	return off
}

func allZero[T tensor.Float](s []T) bool {
	for _, v := range s {
		if v != 0 {
			return false
		}
	}
	return true
}
