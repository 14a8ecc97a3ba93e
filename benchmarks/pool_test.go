package benchmarks

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/convbench"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// BenchmarkMaxPool2d times ops.MaxPool2d alone in float32 on the inputs the
// ConvNet's five 3×3, stride 2, padding 1 poolings meet at batch 32
// (C×H×W from 64×32×32 to 512×2×2), with its storage from an arena that is
// recycled every iteration, as on a reusing tape. Sub-benchmarks are named
// pass/C×H×W, where pass is forward, or forward+backward for a Forward and
// the Backward of a fixed random dY.
func BenchmarkMaxPool2d(b *testing.B) {
	planes := [][3]int{{64, 32, 32}, {128, 16, 16}, {256, 8, 8}, {512, 4, 4}, {512, 2, 2}}
	for _, pass := range []string{"forward", "forward+backward"} {
		b.Run(pass, func(b *testing.B) {
			for _, p := range planes {
				b.Run(fmt.Sprintf("%dx%dx%d", p[0], p[1], p[2]), func(b *testing.B) {
					r := rand.New(rand.NewPCG(1, 2))
					x := tensor.RandN[float32](r, convbench.Batch, p[0], p[1], p[2])
					op := &ops.MaxPool2d[float32]{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}
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
