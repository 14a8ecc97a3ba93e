package benchmarks

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/convbench"
)

// BenchmarkConv2d times ops.Conv2d alone in float32 on the ConvNet's layer
// shapes (convbench.Convs: 3×3, stride 1, padding 1, with a bias) at batch
// 32, the shapes a 32×32 CIFAR-10 image meets in W2. Sub-benchmarks are
// named pass/In×H×W-Out, such as forward/64x16x16-128; the last two convs
// share the shape 512x2x2-512, which is timed once. A last shape,
// 512x1x1-512, is not the ConvNet's: on its 1×1 plane only the kernel's
// centre tap reads the image, and Conv2d computes it as a 1×1 convolution
// (conv.TrimTaps) while its FLOPs count all nine taps.
//
// Each reports GFLOP/s. The forward pass counts 2·N·Cout·Hout·Wout·Cin·kh·kw
// (convbench.Conv.FLOPs); the backward pass computes dx and dW, two products
// of the forward's size, and counts twice that (db, a sum over dY, is left
// out). The backward sub-benchmarks time Backward alone, for a fixed random
// dY: the op runs Forward once before the timed loop, and its Backward can
// run again and again from what that Forward kept.
func BenchmarkConv2d(b *testing.B) {
	for _, pass := range []string{"forward", "backward"} {
		b.Run(pass, func(b *testing.B) {
			seen := make(map[string]bool)
			for _, c := range append(convbench.Convs[:len(convbench.Convs):len(convbench.Convs)], convbench.Conv{In: 512, Out: 512, Size: 1}) {
				if seen[c.Name()] {
					continue
				}
				seen[c.Name()] = true
				b.Run(c.Name(), func(b *testing.B) {
					w := convbench.NewConvWorkload[float32](rand.New(rand.NewPCG(1, 2)), c, convbench.Batch)
					flops := c.FLOPs(convbench.Batch)
					if pass == "backward" {
						flops *= 2
						w.Forward()
					}
					b.ReportAllocs()
					for b.Loop() {
						if pass == "forward" {
							w.Forward()
						} else {
							w.Backward()
						}
					}
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		})
	}
}
