package benchmarks

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/benchmarks/bnbench"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// lnBenchShapes are the shapes of the layer and RMS norm benchmarks:
// bncompare's defaults and W6's.
var lnBenchShapes = [][]int{{200, 100}, {128, 1024}, {32, 128, 768}, {32, 128, 256}, {4096, 1024}}

// benchNorm runs one forward and backward pass of L = Σ y ⊙ g per
// iteration, y the layer or RMS norm (rms) over the last axis of x, fused or
// composed, in float32, with γ (and β for layer norm) as bncompare draws
// them, on a tape reusing its buffers. Sub-benchmarks are named by shape.
func benchNorm(b *testing.B, rms, fused bool) {
	for _, shape := range lnBenchShapes {
		b.Run(bnbench.ShapeName(shape), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			norm := shape[len(shape)-1:]
			x, g := tensor.RandN[float32](rng, shape...), tensor.RandN[float32](rng, shape...)
			gamma := autograd.NewParam(tensor.RandU[float32](rng, 0.5, 1.5, norm...))
			beta := autograd.NewParam(tensor.RandN[float32](rng, norm...))
			tape := autograd.NewTape[float32]()
			tape.ReuseBuffers(true)
			b.SetBytes(int64(4 * len(x.Data())))
			b.ReportAllocs()
			for b.Loop() {
				tape.Reset()
				gamma.ZeroGrad()
				beta.ZeroGrad()
				xv := tape.Param(x)
				var y *autograd.Var[float32]
				switch {
				case rms && fused:
					y = functional.RMSNorm(xv, norm, gamma, 1e-5)
				case rms:
					y = functional.RMSNormComposed(xv, norm, gamma, 1e-5)
				case fused:
					y = functional.LayerNorm(xv, norm, gamma, beta, 1e-5)
				default:
					y = functional.LayerNormComposed(xv, norm, gamma, beta, 1e-5)
				}
				tape.BackwardWithGrad(y, g)
			}
		})
	}
}

// BenchmarkLayerNormFused is layer norm (with γ and β) over the last axis,
// forward and backward, the fused op; BenchmarkLayerNormComposed the same
// composed from tape primitives. go run ./benchmarks/cmd/bncompare puts
// the two side by side.
func BenchmarkLayerNormFused(b *testing.B)    { benchNorm(b, false, true) }
func BenchmarkLayerNormComposed(b *testing.B) { benchNorm(b, false, false) }

// BenchmarkRMSNormFused and BenchmarkRMSNormComposed are
// BenchmarkLayerNormFused and BenchmarkLayerNormComposed for RMS norm (with γ).
func BenchmarkRMSNormFused(b *testing.B)    { benchNorm(b, true, true) }
func BenchmarkRMSNormComposed(b *testing.B) { benchNorm(b, true, false) }

// gnBenchShapes are the shapes of the group norm benchmarks: bncompare's
// and W6's (32, 256, 16, 16), 32 groups.
var gnBenchShapes = [][]int{{16, 64, 16, 16}, {32, 256, 16, 16}}

// benchGroupNorm is benchNorm for group norm with 32 groups and γ and β of
// C values.
func benchGroupNorm(b *testing.B, fused bool) {
	for _, shape := range gnBenchShapes {
		b.Run(bnbench.ShapeName(shape), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			x, g := tensor.RandN[float32](rng, shape...), tensor.RandN[float32](rng, shape...)
			gamma := autograd.NewParam(tensor.RandU[float32](rng, 0.5, 1.5, shape[1]))
			beta := autograd.NewParam(tensor.RandN[float32](rng, shape[1]))
			tape := autograd.NewTape[float32]()
			tape.ReuseBuffers(true)
			norm := functional.GroupNormComposed[float32]
			if fused {
				norm = functional.GroupNorm[float32]
			}
			b.SetBytes(int64(4 * len(x.Data())))
			b.ReportAllocs()
			for b.Loop() {
				tape.Reset()
				gamma.ZeroGrad()
				beta.ZeroGrad()
				tape.BackwardWithGrad(norm(tape.Param(x), 32, gamma, beta, 1e-5), g)
			}
		})
	}
}

// BenchmarkGroupNormFused is group norm (32 groups, with γ and β), forward
// and backward, the fused op; BenchmarkGroupNormComposed the same composed
// from tape primitives.
func BenchmarkGroupNormFused(b *testing.B)    { benchGroupNorm(b, true) }
func BenchmarkGroupNormComposed(b *testing.B) { benchGroupNorm(b, false) }
