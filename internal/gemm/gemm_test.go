package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/tapegrad/tapegrad/internal/testutil"
)

// call is one product's shape and scalars; pad > 0 makes every operand a
// submatrix of a wider array.
type call struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float64
	pad            int
}

func (c call) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d alpha=%g beta=%g pad=%d", c.transA, c.transB, c.m, c.n, c.k, c.alpha, c.beta, c.pad)
}

// operands draws A, B and C for c from rng, with NaNs in C when beta is 0
// and NaNs in the padding of every operand: none may leak into the result.
func operands[T Float](rng *rand.Rand, c call) (a []T, lda int, b []T, ldb int, cm []T, ldc int) {
	ar, ac := c.m, c.k
	if c.transA {
		ar, ac = c.k, c.m
	}
	br, bc := c.k, c.n
	if c.transB {
		br, bc = c.n, c.k
	}
	lda, ldb, ldc = max(ac+c.pad, 1), max(bc+c.pad, 1), max(c.n+c.pad, 1)
	fill := func(rows, cols, ld int, nan bool) []T {
		s := make([]T, max(rows*ld, 1))
		for i := range s {
			if nan || i%ld >= cols {
				s[i] = T(math.NaN())
			} else {
				s[i] = T(rng.NormFloat64())
			}
		}
		return s
	}
	return fill(ar, ac, lda, false), lda, fill(br, bc, ldb, false), ldb, fill(c.m, c.n, ldc, c.beta == 0), ldc
}

// reference computes c's product as a triple loop in float64 and returns it
// with, per element, the bound its error is checked against: a few units of
// T's rounding times k·(|alpha|·Σ|a||b|) + |beta·c|.
func reference[T Float](c call, a []T, lda int, b []T, ldb int, cm []T, ldc int) (want, bound []float64) {
	eps := 0x1p-52
	if _, ok := any(T(0)).(float32); ok {
		eps = 0x1p-23
	}
	want, bound = make([]float64, c.m*c.n), make([]float64, c.m*c.n)
	for i := range c.m {
		for j := range c.n {
			var s, abs float64
			for p := range c.k {
				ai, bi := i*lda+p, p*ldb+j
				if c.transA {
					ai = p*lda + i
				}
				if c.transB {
					bi = j*ldb + p
				}
				x := float64(a[ai]) * float64(b[bi])
				s += x
				abs += math.Abs(x)
			}
			v, e := c.alpha*s, math.Abs(c.alpha)*abs
			if c.beta != 0 {
				old := float64(cm[i*ldc+j])
				v += c.beta * old
				e += math.Abs(c.beta * old)
			}
			want[i*c.n+j] = v
			bound[i*c.n+j] = 2*float64(c.k+2)*eps*e + 1e-300
		}
	}
	return want, bound
}

// check runs c through run (Gemm, or one path of it) and compares the
// result with the reference, and the padding columns of C with what they
// held.
func check[T Float](t *testing.T, rng *rand.Rand, c call, run func(p *problem[T])) {
	t.Helper()
	a, lda, b, ldb, cm, ldc := operands[T](rng, c)
	want, bound := reference(c, a, lda, b, ldb, cm, ldc)
	before := append([]T(nil), cm...)
	p := problem[T]{transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k,
		alpha: T(c.alpha), beta: T(c.beta), a: a, lda: lda, b: b, ldb: ldb, c: cm, ldc: ldc}
	run(&p)
	bad := 0
	for i := range c.m {
		for j := range ldc {
			got := float64(cm[i*ldc+j])
			if j >= c.n {
				if g, w := cm[i*ldc+j], before[i*ldc+j]; g != w && !(g != g && w != w) {
					t.Errorf("%T %v: padding C[%d,%d] changed from %v to %v", a, c, i, j, w, g)
					return
				}
				continue
			}
			w, e := want[i*c.n+j], bound[i*c.n+j]
			if !(math.Abs(got-w) <= e) {
				if bad++; bad <= 3 {
					t.Errorf("%T %v: C[%d,%d] = %v, want %v ± %.3g", a, c, i, j, got, w, e)
				}
			}
		}
	}
}

// gemmRun is the entry point as a run function.
func gemmRun[T Float](p *problem[T]) {
	Gemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc)
}

// withVariant runs f with every kernel variant this machine has forced in
// turn.
func withVariant(t *testing.T, f func(t *testing.T)) {
	for _, v := range variants() {
		t.Run(v, func(t *testing.T) {
			defer func(old string) { forced = old }(forced)
			forced = v
			f(t)
		})
	}
}

var transposes = [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}}

// TestSmallShapes checks every transpose, scalar and padding on small and
// odd shapes, through the entry point (which computes the smallest
// directly) and through the blocked path.
func TestSmallShapes(t *testing.T) {
	dims := []int{1, 2, 3, 5, 7, 13}
	scalars := [][2]float64{{1, 0}, {-0.5, 0}, {1, 1}, {2, -1.5}, {0, 0.5}, {0, 0}, {1.5, 1}}
	withVariant(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, m := range dims {
			for _, n := range dims {
				for _, k := range dims {
					for _, tr := range transposes {
						ab := scalars[(m+n+k)%len(scalars)]
						c := call{tr[0], tr[1], m, n, k, ab[0], ab[1], (m + k) % 3}
						check(t, rng, c, gemmRun[float32])
						check(t, rng, c, gemmRun[float64])
						if ab[0] != 0 {
							check(t, rng, c, func(p *problem[float32]) { p.blocked(kernelFor[float32]()) })
							check(t, rng, c, func(p *problem[float64]) { p.blocked(kernelFor[float64]()) })
						}
					}
				}
			}
		}
	})
}

// edges returns sizes just below, at and above every multiple of unit up
// to three of them, and the block edge.
func edges(unit, block int) []int {
	s := []int{1, unit - 1, unit, unit + 1, 2*unit + 1, 3*unit - 1}
	if block > 0 {
		s = append(s, block-1, block, block+1)
	}
	return s
}

// TestBlockEdges puts each dimension in turn just below, at and above the
// tile's and the blocks' edges, with the others small, for each variant.
func TestBlockEdges(t *testing.T) {
	withVariant(t, func(t *testing.T) {
		k32, k64 := kernelFor[float32](), kernelFor[float64]()
		testEdges(t, k32)
		testEdges(t, k64)
	})
}

func testEdges[T Float](t *testing.T, kern *kernel[T]) {
	rng := rand.New(rand.NewPCG(3, 4))
	run := func(c call) {
		check(t, rng, c, gemmRun[T])
	}
	i := 0
	next := func() (bool, bool, float64, float64, int) {
		i++
		tr := transposes[i%4]
		betas := []float64{0, 1, -0.5}
		return tr[0], tr[1], []float64{1, -1.25}[i%2], betas[i%3], i % 2 * 3
	}
	for _, m := range edges(kern.mr, kern.mc) {
		tA, tB, al, be, pad := next()
		run(call{tA, tB, m, kern.nr + 3, 11, al, be, pad})
	}
	for _, n := range edges(kern.nr, kern.nc) {
		tA, tB, al, be, pad := next()
		run(call{tA, tB, kern.mr + 1, n, 9, al, be, pad})
	}
	// A panel of B wider than one packing task's slivers (with 8 steps a
	// task) whose last sliver is part of one: only that sliver is packed
	// narrower. Small k keeps all the columns in one block.
	for i, tB := range []bool{false, true} {
		n := (packWork/(8*kern.nr)+1)*kern.nr + 1 + i*kern.nr/2
		run(call{false, tB, kern.mr + 1, n, 9, 1, 0, 0})
	}
	// The last column of tiles at the quarter and just past it, with a
	// last row of tiles of one row: the quarter, half and full kernels and
	// their half-height corners.
	for _, n := range []int{kern.nr/4 + 1, kern.nr + kern.nr/4, kern.nr + kern.nr/4 + 1} {
		tA, tB, al, be, pad := next()
		run(call{tA, tB, kern.mr + 1, n, 13, al, be, pad})
	}
	// The last column of tiles at the eighth (a linear layer of 100
	// outputs: 3·32 + 4) and narrower, whole tiles (written in C with
	// alpha and beta) and edge tiles, full and half height.
	for _, n := range []int{kern.nr / 8, kern.nr + kern.nr/8, kern.nr + 1, 3*kern.nr + kern.nr/8} {
		for _, m := range []int{kern.mr + 1, 2 * kern.mr, 2*kern.mr - 2} {
			tA, tB, al, be, pad := next()
			run(call{tA, tB, m, n, 13, al, be, pad})
		}
	}
	for _, k := range edges(4, kern.kc) { // the kernel's unrolling is 4
		tA, tB, al, be, pad := next()
		run(call{tA, tB, kern.mr - 1, kern.nr + 1, k, al, be, pad})
	}
	for _, k := range []int{2*kern.kc - 1, 2*kern.kc + 1} {
		tA, tB, al, be, pad := next()
		run(call{tA, tB, 2*kern.mr + 1, kern.nr - 1, k, al, be, pad})
	}
	for _, tr := range transposes {
		run(call{tr[0], tr[1], 97, 131, 61, 0.75, 0.5, 1})
	}
}

// TestDeterministic checks that the result's bits do not depend on
// GOMAXPROCS, on shapes large enough to split among workers.
func TestDeterministic(t *testing.T) {
	splitSmall(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(old int) { maxWorkers = old }(maxWorkers)
	maxWorkers = 8
	shapes := []call{
		{false, false, 301, 257, 530, 1, 0, 0},
		{true, true, 200, 100, 700, 1, 0.5, 0},
		{false, true, 64, 1100, 200, 1, 1, 0},
	}
	for _, c := range shapes {
		rng := rand.New(rand.NewPCG(5, 6))
		a, lda, b, ldb, cm, ldc := operands[float32](rng, c)
		var first []float32
		for _, procs := range []int{1, 2, 3, 8} {
			runtime.GOMAXPROCS(procs)
			out := append([]float32(nil), cm...)
			Sgemm(c.transA, c.transB, c.m, c.n, c.k, float32(c.alpha), a, lda, b, ldb, float32(c.beta), out, ldc)
			if first == nil {
				first = out
				continue
			}
			for i := range out {
				if math.Float32bits(out[i]) != math.Float32bits(first[i]) && !(out[i] != out[i] && first[i] != first[i]) {
					t.Fatalf("%v: GOMAXPROCS=%d gives C[%d] = %v, GOMAXPROCS=1 gives %v", c, procs, i, out[i], first[i])
				}
			}
		}
	}
}

func TestPanics(t *testing.T) {
	s := make([]float64, 12)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"negative m", func() { Dgemm(false, false, -1, 2, 2, 1, s, 2, s, 2, 0, s, 2) }, "gemm: negative size m=-1 n=2 k=2"},
		{"lda", func() { Dgemm(false, false, 2, 2, 3, 1, s, 2, s, 2, 0, s, 2) }, "gemm: lda=2 is less than the 3 columns it steps over"},
		{"ldb transposed", func() { Dgemm(false, true, 2, 2, 3, 1, s, 3, s, 2, 0, s, 2) }, "gemm: ldb=2 is less than the 3 columns it steps over"},
		{"ldc", func() { Dgemm(false, false, 2, 3, 2, 1, s, 2, s, 3, 0, s, 2) }, "gemm: ldc=2 is less than the 3 columns it steps over"},
		{"short a", func() { Dgemm(false, false, 4, 2, 3, 1, s[:11], 3, s, 2, 0, s, 2) }, "gemm: len(a)=11 is too short for 4×3 with row stride 3"},
		{"short c", func() { Dgemm(false, false, 2, 2, 2, 1, s, 2, s, 2, 0, s[:3], 2) }, "gemm: len(c)=3 is too short for 2×2 with row stride 2"},
	} {
		t.Run(tc.name, func(t *testing.T) { testutil.MustPanic(t, tc.f, tc.want) })
	}
}

// TestThin checks products with one or two rows or columns of C, which are
// computed with dot products and axpys, and the same shapes through the
// blocked path.
func TestThin(t *testing.T) {
	withVariant(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		i := 0
		for _, mn := range [][2]int{{1, 70}, {2, 45}, {70, 1}, {45, 2}, {1, 1}, {2, 2}, {300, 2}, {2, 300}, {257, 1}} {
			for _, k := range []int{1, 31, 300} {
				for _, tr := range transposes {
					i++
					ab := [][2]float64{{1, 0}, {-0.5, 1}, {2, 0.25}}[i%3]
					c := call{tr[0], tr[1], mn[0], mn[1], k, ab[0], ab[1], i % 3}
					check(t, rng, c, gemmRun[float32])
					check(t, rng, c, gemmRun[float64])
					check(t, rng, c, func(p *problem[float32]) { p.blocked(kernelFor[float32]()) })
					check(t, rng, c, func(p *problem[float64]) { p.blocked(kernelFor[float64]()) })
				}
			}
		}
	})
}

// FuzzGemm checks the entry point on shapes, transposes, scalars, strides
// and kernel variants the fuzzer picks, against the triple loop.
func FuzzGemm(f *testing.F) {
	f.Add(uint16(13), uint16(33), uint16(7), uint8(0), uint8(0))
	f.Add(uint16(1), uint16(100), uint16(300), uint8(0x5), uint8(1))
	f.Add(uint16(25), uint16(17), uint16(513), uint8(0x1e), uint8(2))
	f.Fuzz(func(t *testing.T, m, n, k uint16, flags, pad uint8) {
		// Sizes up to 160 (and 600 in k) keep the reference loop quick.
		c := call{
			transA: flags&1 != 0, transB: flags&2 != 0,
			m: int(m % 161), n: int(n % 161), k: int(k % 601),
			pad: int(pad % 4),
		}
		scalars := [][2]float64{{1, 0}, {1, 1}, {-0.75, 0.5}, {0, 2}}
		ab := scalars[flags>>2&3]
		c.alpha, c.beta = ab[0], ab[1]
		vs := variants()
		defer func(old string) { forced = old }(forced)
		forced = vs[int(flags>>4)%len(vs)]
		rng := rand.New(rand.NewPCG(uint64(m), uint64(n)))
		if flags&0x40 != 0 {
			check(t, rng, c, gemmRun[float64])
		} else {
			check(t, rng, c, gemmRun[float32])
		}
	})
}

// TestNoAllocs checks that products allocate nothing once products of the
// same size have run: jobs, buffers and scratch vectors are kept. With
// helpers, a helper that leaves a job late makes the next call take another
// one (and allocate it, the first times), so there the check is that the
// calls allocate less than once per product. (Not testing.AllocsPerRun: it
// sets GOMAXPROCS to 1.)
func TestNoAllocs(t *testing.T) {
	splitSmall(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rng := rand.New(rand.NewPCG(9, 10))
	for _, c := range []call{
		{false, false, 150, 70, 300, 1, 0, 0}, // blocked, fusedA
		{true, false, 40, 1400, 300, 1, 1, 0}, // blocked, fusedB
		{true, false, 1, 300, 200, 1, 0, 0},   // thin
		{false, false, 7, 5, 3, 1, 0, 0},      // small
	} {
		a, lda, b, ldb, cm, ldc := operands[float32](rng, c)
		run := func() {
			Sgemm(c.transA, c.transB, c.m, c.n, c.k, float32(c.alpha), a, lda, b, ldb, float32(c.beta), cm, ldc)
		}
		for _, procs := range []int{1, 2} {
			if raceEnabled && procs > 1 {
				continue
			}
			runtime.GOMAXPROCS(procs)
			for range 30 { // every kept job grows to this size
				run()
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range 50 {
				run()
			}
			runtime.ReadMemStats(&after)
			n := after.Mallocs - before.Mallocs
			if procs == 1 && n != 0 || n >= 25 {
				t.Errorf("GOMAXPROCS=%d %v: %d allocations in 50 products", procs, c, n)
			}
		}
	}
}

// TestConcurrentCalls runs products from several goroutines at once: one
// holds the crew of helpers, the others start helpers of their own.
func TestConcurrentCalls(t *testing.T) {
	splitSmall(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(11, uint64(g)))
			for i := range 6 {
				c := call{i%2 == 0, g%2 == 0, 90 + 7*g, 120 + 5*i, 200, 1, 0.5, g % 2}
				check(t, rng, c, gemmRun[float32])
			}
		}()
	}
	wg.Wait()
}

// splitSmall lowers minWorkPerWorker for the rest of the test to 1<<19
// multiply-adds, so that the test's products, small to keep it quick, still
// run on several goroutines.
func splitSmall(t *testing.T) {
	old := minWorkPerWorker
	minWorkPerWorker = 1 << 19
	t.Cleanup(func() { minWorkPerWorker = old })
}
