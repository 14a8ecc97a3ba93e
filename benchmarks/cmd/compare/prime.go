package main

import (
	"math/rand/v2"
	"runtime"

	"github.com/tapegrad/tapegrad/benchmarks/bnbench"
	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
)

// prime runs tapegrad a few times on small inputs before any row is
// measured, as workloads.py's prime does for PyTorch: the Go runtime's lazy
// initialization — the collector's workers and work buffers, its metadata
// for the first spans of the heap, the stacks of the goroutines that
// parallel work starts — is then paid before the first row's baseline
// rather than counted as that row's memory. Without it a small row's peak
// depended on whether it ran first: W3/fused/200x100 alone measured about
// 270 KiB more than after another row.
func prime() {
	rng := rand.New(rand.NewPCG(seed[0], seed[1]))
	net := mlpbench.NewNetIn(rng, 16, []int{8}, 4) // a tape, a GEMM, SGD
	bn := bnbench.NewWorkload[float32](rng, 8, 4)
	for range 3 {
		net.TrainStep()
		bn.Step(bnbench.Fused)
		bn.Step(bnbench.Composed)
		runtime.GC()
	}
}
