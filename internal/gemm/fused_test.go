package gemm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestFusedDepth checks the depth blocks of fused products: about
// fusedDepth steps deep (614 for k = 3072, as splitDepth cuts) when the kernel's kc is shallower and B̃'s block stays within
// a quarter of kc·nc values (W1's forward product, 200×3072·(100×3072)ᵀ),
// the kernel's kc otherwise (a wide one, 200×3072·(512×3072)ᵀ); and that
// products cut so, with edge tiles on both sides, a last depth block and
// every transpose, compute what the reference does.
func TestFusedDepth(t *testing.T) {
	withVariant(t, func(t *testing.T) {
		testFusedDepth[float32](t)
		testFusedDepth[float64](t)
	})
}

func testFusedDepth[T Float](t *testing.T) {
	kern := kernelFor[T]()
	depth := func(n int) (blockDepth int, fused bool) {
		j := new(job[T])
		j.p = problem[T]{transB: true, m: 200, n: n, k: 3072}
		j.kern = kern
		j.ws = new(workspace[T])
		j.plan(2)
		return j.deps[1] - j.deps[0], j.blocks[0].fusedA
	}
	deep := kern.kc < fusedDepth && fusedDepth*((100+kern.nr-1)/kern.nr*kern.nr) <= kern.kc*kern.nc/4
	got, fused := depth(100)
	switch {
	case !fused:
		t.Errorf("%s %T: 200×3072·(100×3072)ᵀ is not fused", kern.name, T(0))
	case deep && !(got > kern.kc+kern.kc/4 && got <= fusedDepth+fusedDepth/4):
		t.Errorf("%s %T: 200×3072·(100×3072)ᵀ in depth blocks of %d, want about %d", kern.name, T(0), got, fusedDepth)
	case !deep && got > kern.kc+kern.kc/4:
		t.Errorf("%s %T: 200×3072·(100×3072)ᵀ in depth blocks of %d, want at most %d", kern.name, T(0), got, kern.kc+kern.kc/4)
	}
	if got, _ := depth(512); got > kern.kc+kern.kc/4 {
		t.Errorf("%s %T: 200×3072·(512×3072)ᵀ in depth blocks of %d, want at most %d", kern.name, T(0), got, kern.kc+kern.kc/4)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i, tr := range transposes {
		beta := []float64{0, -0.5}[i%2]
		c := call{tr[0], tr[1], 2*kern.mr + 1, kern.nr + kern.nr/4 + 1, 2*fusedDepth + 77, 1.25, beta, i % 2}
		check(t, rng, c, gemmRun[T])
	}
}

// TestBlockModes checks products in each way the blocked path cuts them:
// plain (Ã and B̃ packed by packing tasks), fusedA (one block of columns:
// compute tasks pack their A slivers, each goroutine its B̃) and fusedB
// (one block of rows, or of each with fewer rows than columns: compute
// tasks pack their B slivers, several when the depth blocks are shallower
// than kc, each goroutine its Ã). A kernel with small blocks makes every mode appear
// on small shapes, with edge tiles, several depth blocks and every
// transpose; each product runs on one, two and three goroutines (two
// pack fused products' panels per goroutine, three share them: see
// ownPanels), which must agree to the bit.
func TestBlockModes(t *testing.T) {
	withVariant(t, func(t *testing.T) {
		testBlockModes[float32](t)
		testBlockModes[float64](t)
	})
}

func testBlockModes[T Float](t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(w, m int) { maxWorkers, minWorkPerWorker = w, m }(maxWorkers, minWorkPerWorker)
	maxWorkers, minWorkPerWorker = 3, 1
	kern := *kernelFor[T]()
	kern.kc, kern.mc, kern.nc = 16, 2*kern.mr, 2*kern.nr
	mr, nr := kern.mr, kern.nr
	mode := func(c call) string {
		j := new(job[T])
		j.p = problem[T]{transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k}
		j.kern, j.ws = &kern, new(workspace[T])
		j.plan(2)
		switch bk := j.blocks[0]; {
		case bk.fusedA:
			return "fusedA"
		case bk.fusedB:
			return fmt.Sprintf("fusedB/%d", bk.run)
		}
		return "plain"
	}
	for _, tc := range []struct {
		m, n, k int
		want    string
	}{
		{3*mr + 1, 3*nr + nr/4 + 1, 37, "plain"},
		{3*mr + 2, 2*nr - 3, 48, "fusedA"},
		{2*mr - 1, 3*nr + 5, 48, "fusedB/1"},     // three depth blocks
		{2*mr + 1, 7*nr + nr/8, 5, "fusedB/3"},   // three slivers a task, the last an eighth
		{mr + 1, 6*nr + nr/2 + 1, 7, "fusedB/2"}, // a last task of one sliver
		{mr + 1, 2*nr - 1, 33, "fusedB/1"},       // one block of each: the smaller operand is packed per goroutine
	} {
		for i, tr := range transposes {
			beta := []float64{0, 1, -0.5}[i%3]
			c := call{tr[0], tr[1], tc.m, tc.n, tc.k, 1.25, beta, i % 2}
			if got := mode(c); got != tc.want {
				t.Fatalf("%s %T %v: cut as %s, want %s", kern.name, T(0), c, got, tc.want)
			}
			var outs [3][]T
			for q, procs := range []int{1, 2, 3} {
				runtime.GOMAXPROCS(procs)
				check(t, rand.New(rand.NewPCG(uint64(i), 9)), c, func(p *problem[T]) {
					p.blocked(&kern)
					outs[q] = append([]T(nil), p.c...)
				})
			}
			for g := 1; g < len(outs); g++ {
				for q := range outs[0] {
					if a, b := outs[0][q], outs[g][q]; a != b && !(a != a && b != b) {
						t.Fatalf("%s %T %v: C[%d] is %v on one goroutine, %v on %d", kern.name, T(0), c, q, a, b, g+1)
					}
				}
			}
		}
	}
}

// TestOwnPanels checks when fused products pack per goroutine: always on
// two goroutines, on more only while the panel serves enough rows or
// columns of C (W1's forward, 200 rows, on four goroutines shares B̃; a
// 1024-row product on twelve packs it per goroutine).
func TestOwnPanels(t *testing.T) {
	for _, tc := range []struct {
		workers, serves int
		want            bool
	}{
		{1, 1, true}, {2, 1, true}, {2, 200, true}, {3, 200, false}, {4, 200, false},
		{12, 1024, true}, {13, 1024, false}, {64, 1024, false},
	} {
		if got := ownPanels(tc.workers, tc.serves); got != tc.want {
			t.Errorf("ownPanels(%d, %d) = %v, want %v", tc.workers, tc.serves, got, tc.want)
		}
	}
}
