package parallel_test

import (
	"fmt"
	"testing"

	"github.com/tapegrad/tapegrad/internal/parallel"
	"github.com/tapegrad/tapegrad/internal/vec"
)

// BenchmarkChunks times the two kinds of loop Chunks splits, at sizes
// around Grain: a vectorized one (x += alpha·d in float32, as the SGD
// update does) and a scalar one (ReLU's forward). Run it with -cpu 1,2:
// the size where -cpu 2 starts to beat -cpu 1 is where Grain belongs.
func BenchmarkChunks(b *testing.B) {
	for _, n := range []int{1 << 13, 1 << 14, 1 << 15, 1 << 16, 1 << 17, 1 << 18} {
		x, d := make([]float32, n), make([]float32, n)
		for i := range d {
			d[i] = float32(i%7) - 3
		}
		b.Run(fmt.Sprintf("addScaled/%d", n), func(b *testing.B) {
			for b.Loop() {
				parallel.Chunks(n, parallel.Grain, func(lo, hi int) { vec.AddScaled(x[lo:hi], 1e-3, d[lo:hi]) })
			}
		})
		b.Run(fmt.Sprintf("relu/%d", n), func(b *testing.B) {
			for b.Loop() {
				parallel.Chunks(n, parallel.Grain, func(lo, hi int) {
					y := x[lo:hi]
					for i, v := range d[lo:hi] {
						y[i] = max(v, 0)
					}
				})
			}
		})
	}
}
