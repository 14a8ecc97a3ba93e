package data

import (
	"fmt"
	"math"
	"slices"

	"github.com/tapegrad/tapegrad/tensor"
)

// Normalization maps raw values to training inputs:
//
//	x' = (x − Mean) / Std
//
// Mean and Std are either per pixel (length C·H·W, one value per position of
// an example) or per channel (length C, one value per plane of H·W). A nil Std
// means 1, so that Normalization{Mean: m} only subtracts: the course's
// "subtract the mean training image" is MeanImage's result.
type Normalization struct {
	Mean, Std []float32
}

// MeanImage returns the mean example of ds, computed in float64, as a
// per-pixel Normalization with Std nil: the course's preprocessing. Compute it
// on the training set and apply it to every split. It panics if ds is empty.
func MeanImage(ds Dataset) Normalization {
	n, size := ds.Len(), numel(ds.Shape())
	if n == 0 {
		panic(errEmpty)
	}
	sum := make([]float64, size)
	x := make([]float32, size)
	for i := range n {
		ds.Example(i, x)
		for j, v := range x {
			sum[j] += float64(v)
		}
	}
	mean := make([]float32, size)
	for j, s := range sum {
		mean[j] = float32(s / float64(n))
	}
	return Normalization{Mean: mean}
}

// ChannelStats returns the per-channel mean and population standard deviation
// of ds (over all examples and all positions of each channel's plane),
// computed in float64 in two passes. A channel with zero spread gets Std 1,
// so that Apply only centres it. It panics if ds is empty.
func ChannelStats(ds Dataset) Normalization {
	shape := ds.Shape()
	n, size := ds.Len(), numel(shape)
	if n == 0 {
		panic(errEmpty)
	}
	c := shape[0]
	plane := size / c
	count := float64(n * plane)
	x := make([]float32, size)
	mean := make([]float64, c)
	for i := range n {
		ds.Example(i, x)
		for j, v := range x {
			mean[j/plane] += float64(v)
		}
	}
	for k := range mean {
		mean[k] /= count
	}
	sq := make([]float64, c)
	for i := range n {
		ds.Example(i, x)
		for j, v := range x {
			d := float64(v) - mean[j/plane]
			sq[j/plane] += d * d
		}
	}
	norm := Normalization{Mean: make([]float32, c), Std: make([]float32, c)}
	for k := range c {
		norm.Mean[k] = float32(mean[k])
		norm.Std[k] = float32(math.Sqrt(sq[k] / count))
		if norm.Std[k] == 0 {
			norm.Std[k] = 1
		}
	}
	return norm
}

// Apply normalizes one example x of the given shape (C×H×W, or any shape
// whose first axis is the channel) in place. It panics if len(x) does not
// match shape or Mean and Std have lengths that fit neither form.
func (n Normalization) Apply(x []float32, shape []int) {
	size := numel(shape)
	if len(x) != size {
		panic(fmt.Sprintf(errNormData, len(x), shape, size))
	}
	n.check(shape)
	normalizeInto(x, x, &n, false)
}

// normalizeInto writes src normalized with n (nil: unchanged) into dst as
// T, dst[j] = T((float32(src[j]) − Mean[k]) / Std[k]) with k the mean's
// index of position j: the float32 values Apply computes, each rounded
// once to T. It walks each mean's run of positions (one per pixel, or a
// channel's plane) rather than dividing every index by the run's length.
// dst and src have the same length, a multiple of len(n.Mean); they may be
// the same slice. With stream, the assembly that subtracts the mean image
// from bytes writes dst around the caches (subMeanAsm): for a batch that
// would evict what the training step holds there, and be evicted itself
// before the step reads it (see streamBytes).
func normalizeInto[T tensor.Float, S uint8 | float32](dst []T, src []S, n *Normalization, stream bool) {
	dst = dst[:len(src)]
	switch {
	case n == nil:
		for j, v := range src {
			dst[j] = T(float32(v))
		}
	case len(n.Mean) == len(src) && n.Std == nil: // per pixel, the course's mean image
		mean, j := n.Mean[:len(src)], 0
		if d, ok := any(dst).([]float32); ok {
			if s, ok := any(src).([]uint8); ok {
				j = subMeanAsm(d, s, mean, stream)
			}
		}
		for ; j < len(src); j++ {
			dst[j] = T(float32(src[j]) - mean[j])
		}
	case len(n.Mean) == len(src):
		mean, std := n.Mean[:len(src)], n.Std[:len(src)]
		for j, v := range src {
			dst[j] = T((float32(v) - mean[j]) / std[j])
		}
	default: // per channel
		plane := len(src) / len(n.Mean)
		for k, m := range n.Mean {
			d, s := dst[k*plane:(k+1)*plane], src[k*plane:(k+1)*plane]
			if n.Std == nil {
				for j, v := range s {
					d[j] = T(float32(v) - m)
				}
				continue
			}
			sd := n.Std[k]
			for j, v := range s {
				d[j] = T((float32(v) - m) / sd)
			}
		}
	}
}

// check panics unless n fits examples of the given shape.
func (n Normalization) check(shape []int) {
	size := numel(shape)
	if len(n.Mean) != size && len(n.Mean) != shape[0] {
		panic(fmt.Sprintf(errNormLen, len(n.Mean), shape, size, shape[0]))
	}
	if n.Std != nil && len(n.Std) != len(n.Mean) {
		panic(fmt.Sprintf(errStdLen, len(n.Mean), len(n.Std)))
	}
}

// clone returns a deep copy of n, so that a Loader's goroutine never shares
// slices with its caller.
func (n *Normalization) clone() *Normalization {
	if n == nil {
		return nil
	}
	return &Normalization{Mean: slices.Clone(n.Mean), Std: slices.Clone(n.Std)}
}
