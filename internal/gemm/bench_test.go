package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchShape is one product benchmarked: op(A) m×k, op(B) k×n.
type benchShape struct {
	name           string
	transA, transB bool
	m, k, n        int
}

// benchShapes are WORKLOADS.md's W4 products and the products of two of the
// ConvNet's convolutions at batch 32 (forward Cout×K·K×(N·L); backward
// dW = dY·colsᵀ and dcols = Wᵀ·dY).
var benchShapes = []benchShape{
	{"W4/1024x1024x1024", false, false, 1024, 1024, 1024},
	{"W4/200x3072x100", false, false, 200, 3072, 100},
	{"W4/2048x576x64", false, false, 2048, 576, 64},
	{"W4/256x4608x512", false, false, 256, 4608, 512},
	{"Conv/3x32x32-64/forward", false, false, 64, 27, 32768},
	{"Conv/3x32x32-64/dW", false, true, 64, 32768, 27},
	{"Conv/3x32x32-64/dcols", true, false, 27, 64, 32768},
	{"Conv/512x4x4-512/forward", false, false, 512, 4608, 512},
	{"Conv/512x2x2-512/forward", false, false, 512, 4608, 128},
	{"Conv/512x2x2-512/dW", false, true, 512, 128, 4608},
	{"Conv/512x2x2-512/dcols", true, false, 4608, 512, 128},
	{"Linear/200x3072x100/forward", false, true, 200, 3072, 100},
	{"Linear/200x3072x100/dW", true, false, 100, 200, 3072},
	// The products of workloads W1b (3072→512→256→128→10) and W1s
	// (784→100→10) at batch 200: forward X·Wᵀ, dW = dYᵀ·X and dX = dY·W.
	{"Linear/200x3072x512/forward", false, true, 200, 3072, 512},
	{"Linear/200x3072x512/dW", true, false, 512, 200, 3072},
	{"Linear/200x512x256/forward", false, true, 200, 512, 256},
	{"Linear/200x512x256/dW", true, false, 256, 200, 512},
	{"Linear/200x512x256/dX", false, false, 200, 256, 512},
	{"Linear/200x784x100/forward", false, true, 200, 784, 100},
	{"Linear/200x784x100/dW", true, false, 100, 200, 784},
}

// BenchmarkWorkers times float32 products of sizes around minWorkPerWorker
// with the fastest kernel: run it with -cpu 1 and with -cpu 2 in separate
// processes (one process given -cpu 1,2 ran the sub-benchmarks' -cpu 1
// case on two CPUs here), alternately on a busy machine, and compare. A product of m·n·k
// multiply-adds gets m·n·k/minWorkPerWorker goroutines, at most GOMAXPROCS;
// the sizes are 1/2, 1, 2, 4 and 8 times the threshold, in the shapes of a
// linear layer's forward (X·Wᵀ) and weight gradient (dYᵀ·X). Repeated on
// hot operands these products say little (see minWorkPerWorker, set from
// whole steps); they show what a split costs at the threshold.
func BenchmarkWorkers(b *testing.B) {
	for _, s := range []benchShape{
		{"256x128x128/forward", false, true, 256, 128, 128}, // 4.2M: 1 goroutine
		{"256x256x128/forward", false, true, 256, 256, 128}, // 8.4M: 1
		{"256x512x128/forward", false, true, 256, 512, 128}, // 16.8M: 2
		{"256x512x256/forward", false, true, 256, 512, 256}, // 33.6M
		{"256x512x512/forward", false, true, 256, 512, 512}, // 67.1M
		{"128x256x128/dW", true, false, 128, 256, 128},      // 4.2M: 1
		{"128x256x256/dW", true, false, 128, 256, 256},      // 8.4M: 1
		{"128x256x512/dW", true, false, 128, 256, 512},      // 16.8M: 2
		{"128x128x512/lstm", false, true, 128, 128, 512},    // 8.4M: W8's per-step product
	} {
		b.Run(s.name, func(b *testing.B) { benchGemm[float32](b, s, variants()[0]) })
	}
}

func BenchmarkGemm(b *testing.B) {
	for _, s := range benchShapes {
		for _, v := range variants() {
			b.Run(fmt.Sprintf("float32/%s/%s", s.name, v), func(b *testing.B) { benchGemm[float32](b, s, v) })
		}
	}
	for _, s := range benchShapes[:4] {
		for _, v := range variants() {
			b.Run(fmt.Sprintf("float64/%s/%s", s.name, v), func(b *testing.B) { benchGemm[float64](b, s, v) })
		}
	}
}

func benchGemm[T Float](b *testing.B, s benchShape, variant string) {
	defer func(old string) { forced = old }(forced)
	forced = variant
	rng := rand.New(rand.NewPCG(1, 2))
	c := call{transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1}
	x, lda, y, ldb, z, ldc := operands[T](rng, c)
	Gemm(s.transA, s.transB, s.m, s.n, s.k, 1, x, lda, y, ldb, 0, z, ldc)
	b.ResetTimer()
	for b.Loop() {
		Gemm(s.transA, s.transB, s.m, s.n, s.k, 1, x, lda, y, ldb, 0, z, ldc)
	}
	b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkKernel times each variant's micro-kernel alone, on packed
// slivers that stay in L1, with kc = 256: the peak a variant can reach on
// one core.
func BenchmarkKernel(b *testing.B) {
	for _, v := range variants() {
		b.Run("float32/"+v, func(b *testing.B) { benchKernel[float32](b, v) })
		b.Run("float64/"+v, func(b *testing.B) { benchKernel[float64](b, v) })
	}
}

func benchKernel[T Float](b *testing.B, variant string) {
	defer func(old string) { forced = old }(forced)
	forced = variant
	kern := kernelFor[T]()
	const kc = 256
	a := make([]T, kc*kern.mr)
	x := make([]T, kc*kern.nr)
	c := make([]T, kern.mr*kern.nr)
	for b.Loop() {
		kern.fn(kc, &a[0], &x[0], &c[0], kern.nr, 1, 1, 1)
	}
	b.ReportMetric(2*float64(kc*kern.mr*kern.nr)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
