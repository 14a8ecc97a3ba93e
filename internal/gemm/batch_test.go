package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// TestBatchMatchesGemm checks Batch against Gemm called on each product in
// turn, bit for bit, at several GOMAXPROCS (more goroutines than CPUs
// included), for batches that are handed out whole (16 products of a
// Winograd pass) and batches too short for that, with gaps between the
// products that Batch must leave alone.
func TestBatchMatchesGemm(t *testing.T) {
	splitSmall(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(old int) { maxWorkers = old }(maxWorkers)
	maxWorkers = 8
	for _, c := range []struct {
		count          int
		transA, transB bool
		m, n, k        int
		alpha, beta    float32
	}{
		{16, false, false, 64, 96, 70, 1, 0},     // M_ξ = U_ξ·V_ξ
		{16, false, true, 64, 70, 96, 1, 0},      // dU_ξ = dM_ξ·V_ξᵀ
		{16, true, false, 70, 96, 64, 0.5, 1},    // dV_ξ = U_ξᵀ·dM_ξ
		{3, false, false, 100, 120, 90, 1, 0},    // too few to hand out
		{9, true, true, 2, 300, 40, 1, 0.25},     // thin products
		{20, false, false, 5, 6, 7, 1, 0},        // small products
		{16, false, false, 40, 30, 0, 1, 0.5},    // k = 0: C scaled
		{1, false, false, 130, 140, 150, 2, 0.5}, // one product
	} {
		name := fmt.Sprintf("%d×(%v,%v,%d,%d,%d)", c.count, c.transA, c.transB, c.m, c.n, c.k)
		rng := rand.New(rand.NewPCG(9, uint64(c.count)))
		ar, ac, br, bc := c.m, c.k, c.k, c.n
		if c.transA {
			ar, ac = ac, ar
		}
		if c.transB {
			br, bc = bc, br
		}
		lda, ldb, ldc := ac+1, bc+2, c.n+3
		sa, sb, sc := ar*lda+5, br*ldb+7, c.m*ldc+11
		fill := func(n int) []float32 {
			s := make([]float32, n)
			for i := range s {
				s[i] = float32(rng.NormFloat64())
			}
			return s
		}
		a, b, c0 := fill(c.count*sa), fill(c.count*sb), fill(c.count*sc)
		want := append([]float32(nil), c0...)
		for i := range c.count {
			Gemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a[i*sa:], lda, b[i*sb:], ldb, c.beta, want[i*sc:], ldc)
		}
		for _, procs := range []int{1, 2, 3, 8} {
			runtime.GOMAXPROCS(procs)
			got := append([]float32(nil), c0...)
			Batch(c.count, c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, sa, b, ldb, sb, c.beta, got, ldc, sc)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s, GOMAXPROCS=%d: C[%d] = %v, Gemm one by one gives %v", name, procs, i, got[i], want[i])
				}
			}
		}
	}
}

// TestBatchWhileCrewBusy runs Batch from two goroutines at once, so that
// one of them finds the crew taken and starts helpers of its own.
func TestBatchWhileCrewBusy(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const count, m, n, k = 16, 48, 64, 80
	rng := rand.New(rand.NewPCG(3, 4))
	a, b := make([]float64, count*m*k), make([]float64, count*k*n)
	for i := range a {
		a[i] = rng.Float64()
	}
	for i := range b {
		b[i] = rng.Float64()
	}
	want := make([]float64, count*m*n)
	for i := range count {
		Gemm(false, false, m, n, k, 1, a[i*m*k:], k, b[i*k*n:], n, 0, want[i*m*n:], n)
	}
	done := make(chan []float64)
	for range 2 {
		go func() {
			var got []float64
			for range 20 {
				got = make([]float64, count*m*n)
				Batch(count, false, false, m, n, k, 1, a, k, m*k, b, n, k*n, 0, got, n, m*n)
			}
			done <- got
		}()
	}
	for range 2 {
		got := <-done
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("C[%d] = %v, want %v", i, got[i], want[i])
			}
		}
	}
}

func TestBatchPanics(t *testing.T) {
	s := make([]float64, 12)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"negative count", func() { Batch(-1, false, false, 2, 2, 2, 1, s, 2, 4, s, 2, 4, 0, s, 2, 4) },
			"gemm: Batch: negative count -1 or stride (strideA=4 strideB=4 strideC=4)"},
		{"negative stride", func() { Batch(2, false, false, 2, 2, 2, 1, s, 2, -4, s, 2, 4, 0, s, 2, 4) },
			"gemm: Batch: negative count 2 or stride (strideA=-4 strideB=4 strideC=4)"},
		{"last product past a", func() { Batch(4, false, false, 2, 2, 2, 1, s, 2, 5, s, 2, 0, 0, s, 2, 0) },
			"gemm: Batch: len(a)=12 is too short for the last product, which starts at 15"},
		{"last product short c", func() { Batch(3, false, false, 2, 2, 2, 1, s, 2, 0, s, 2, 0, 0, s, 2, 5) },
			"gemm: len(c)=2 is too short for 2×2 with row stride 2"},
	} {
		t.Run(tc.name, func(t *testing.T) { testutil.MustPanic(t, tc.f, tc.want) })
	}
}
