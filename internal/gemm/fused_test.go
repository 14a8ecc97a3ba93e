package gemm

import (
	"math/rand/v2"
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
		j.plan()
		return j.deps[1] - j.deps[0], j.blocks[0].fused
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
