package data

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkAssemble times the batch a Loader prepares for a step of the
// course's trainers: 200 Fashion-MNIST-shaped and 32 CIFAR-10-shaped
// images (examples/mlp and examples/convnet) and 200 CIFAR-10-shaped ones
// (examples/mlp on CIFAR-10, W1's trainer), with the mean image
// subtracted, in float32, into the memory of the last batch, as when
// train.Fit recycles them. It reports ns per value, the pipeline's cost per
// pixel. The data sets hold 1000 images, which stay in the caches, or as
// many as the real one (Fashion-MNIST's 60000, 47 MB; CIFAR-10's 50000,
// 154 MB), each batch at new random places of it: the rows come from
// memory, as in a trainer, and prefetching them (prefetchAhead) pays.
func BenchmarkAssemble(b *testing.B) {
	for _, c := range []struct {
		images, batch int
		c, h, w       int
	}{{1000, 200, 1, 28, 28}, {60000, 200, 1, 28, 28}, {1000, 32, 3, 32, 32}, {50000, 200, 3, 32, 32}} {
		b.Run(fmt.Sprintf("%dof%dx%dx%dx%d", c.batch, c.images, c.c, c.h, c.w), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			ds := &Images{Pixels: make([]uint8, c.images*c.c*c.h*c.w), Labels: make([]uint8, c.images), C: c.c, H: c.h, W: c.w, NumClasses: 10}
			for i := range ds.Pixels {
				ds.Pixels[i] = uint8(rng.IntN(256))
			}
			norm := MeanImage(ds)
			order := rng.Perm(ds.Len())
			shape := ds.Shape()
			var last Batch[float32]
			at := 0
			for b.Loop() {
				if at+c.batch > len(order) {
					at = 0
				}
				last = assemble(last, ds, shape, order[at:at+c.batch], &norm, nil, 0, 0, 1, 0, true)
				at += c.batch
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*c.batch*c.c*c.h*c.w), "ns/value")
		})
	}
}
