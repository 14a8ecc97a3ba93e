package benchmarks

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/convbench"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// BenchmarkAvgPool2d times ops.AvgPool2d alone in float32 with PyTorch's
// default options, a 2×2 window at stride 2 and a 3×3 window at stride 2
// with padding 1, on a batch of 32 planes of 64×32×32, its storage from an
// arena recycled every iteration, as on a reusing tape. Sub-benchmarks are
// named pass/kernel, where pass is forward, or forward+backward for a
// Forward and the Backward of a fixed random dY.
func BenchmarkAvgPool2d(b *testing.B) {
	settings := []struct{ k, s, p int }{{2, 2, 0}, {3, 2, 1}}
	for _, pass := range []string{"forward", "forward+backward"} {
		b.Run(pass, func(b *testing.B) {
			for _, c := range settings {
				b.Run(fmt.Sprintf("k%ds%dp%d", c.k, c.s, c.p), func(b *testing.B) {
					r := rand.New(rand.NewPCG(1, 2))
					x := tensor.RandN[float32](r, convbench.Batch, 64, 32, 32)
					op := &ops.AvgPool2d[float32]{Kernel: [2]int{c.k, c.k}, Stride: [2]int{c.s, c.s}, Padding: [2]int{c.p, c.p}}
					ar := tensor.NewArena[float32]()
					op.UseArena(ar)
					in := []*tensor.Tensor[float32]{x}
					dy := tensor.RandN[float32](r, op.Forward(in).Shape()...)
					b.ReportAllocs()
					for b.Loop() {
						ar.Recycle()
						op.Forward(in)
						if pass != "forward" {
							op.Backward(dy, []bool{true})
						}
					}
				})
			}
		})
	}
}
