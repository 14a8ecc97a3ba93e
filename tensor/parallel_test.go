package tensor

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// Large tensors are split among goroutines; the results must be the same
// bits as on one goroutine, whatever GOMAXPROCS is.
func TestParallelKernelsDoNotDependOnGOMAXPROCS(t *testing.T) {
	rng := rand.New(rand.NewPCG(77, 77))
	a := RandN[float32](rng, 600, 800) // above 2·parallel.Grain values
	row := RandN[float32](rng, 800)
	col := RandN[float32](rng, 600, 1)
	big := RandN[float32](rng, 3, 400, 600)
	run := func() []*Tensor[float32] {
		return []*Tensor[float32]{
			Add(a, a), Mul(a, row), Sub(col, a), Div(a, Add(Mul(row, row), Scalar[float32](1))),
			Exp(Scale(a, 0.1)), Sigmoid(a), Tanh(a), AddScalar(a, 2), Pow(a, 3),
			Sum(a, false, 0), Sum(a, false, 1), Sum(big, true, 1), Sum(big, false, 0, 2), Mean(big, false, 0),
		}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	want := run()
	for _, procs := range []int{2, 4} {
		runtime.GOMAXPROCS(procs)
		for i, got := range run() {
			if !AllClose(got, want[i], 0, 0) {
				t.Errorf("GOMAXPROCS=%d: result %d differs from GOMAXPROCS=1 by %g", procs, i, MaxAbsDiff(got, want[i]))
			}
		}
	}
	// And they are right: a broadcast product and a column sum by hand.
	prod, sums := want[1], want[9]
	for i := 0; i < 600; i += 37 {
		for j := 0; j < 800; j += 41 {
			if prod.At(i, j) != a.At(i, j)*row.At(j) {
				t.Fatalf("a⊙row at (%d, %d) = %v, want %v", i, j, prod.At(i, j), a.At(i, j)*row.At(j))
			}
		}
	}
	for j := 0; j < 800; j += 53 {
		var s float32
		for i := range 600 {
			s += a.At(i, j)
		}
		if d := sums.At(j) - s; d > 1e-4 || d < -1e-4 {
			t.Errorf("column sum %d = %v, want %v", j, sums.At(j), s)
		}
	}
}
