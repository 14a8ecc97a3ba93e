package data

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkAssemble times the batch a Loader prepares for a step of the
// course's trainers: 200 Fashion-MNIST-shaped and 32 CIFAR-10-shaped
// images with the mean image subtracted, in float32, into the memory of
// the last batch, as when train.Fit recycles them. It reports ns per value,
// the pipeline's cost per pixel.
func BenchmarkAssemble(b *testing.B) {
	for _, c := range []struct {
		name    string
		batch   int
		c, h, w int
	}{{"200x1x28x28", 200, 1, 28, 28}, {"32x3x32x32", 32, 3, 32, 32}} {
		b.Run(c.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			ds := &Images{Pixels: make([]uint8, 1000*c.c*c.h*c.w), Labels: make([]uint8, 1000), C: c.c, H: c.h, W: c.w, NumClasses: 10}
			for i := range ds.Pixels {
				ds.Pixels[i] = uint8(rng.IntN(256))
			}
			norm := MeanImage(ds)
			idx := rng.Perm(ds.Len())[:c.batch]
			shape := ds.Shape()
			var last Batch[float32]
			for b.Loop() {
				last = assemble(last, ds, shape, idx, &norm, nil, 0, 0, 1, 0)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*c.batch*c.c*c.h*c.w), "ns/value")
		})
	}
}
