package data

import (
	"fmt"
	"math/rand/v2"
)

// Augment describes the random training-time augmentation of an example:
// a random crop with zero padding, as PyTorch's RandomCrop(size, padding=Pad)
// does, then a horizontal flip with probability 0.5 if HFlip is set.
//
// A crop with padding p pads the H×W image with p zeros on every side and
// cuts an H×W window at a uniformly random offset (dy, dx) ∈ [−p, p]², so
//
//	out[c][y][x] = in[c][y+dy][x+dx]   (0 outside the image)
//
// and a flip then mirrors each row: out[c][y][x] ← out[c][y][W−1−x].
// The zero value does nothing.
type Augment struct {
	CropPad int  // padding of the random crop; 0 for none
	HFlip   bool // mirror left–right with probability 0.5
}

// Apply writes an augmented copy of the example src (shape C×H×W) into dst,
// drawing from r: dy, then dx (both only if CropPad > 0), then the flip (only
// if HFlip). dst and src must not overlap. Apply panics if shape is not C×H×W,
// CropPad is negative or a slice does not hold one example.
func (a Augment) Apply(dst, src []float32, shape []int, r *rand.Rand) {
	a.check(shape)
	if size := numel(shape); len(src) != size || len(dst) != size {
		panic(fmt.Sprintf(errAugmentData, len(src), len(dst), shape, size))
	}
	var dy, dx int
	if p := a.CropPad; p > 0 {
		dy = r.IntN(2*p+1) - p
		dx = r.IntN(2*p+1) - p
	}
	flip := a.HFlip && r.IntN(2) == 1
	shiftFlip(dst, src, shape[0], shape[1], shape[2], dy, dx, flip)
}

// check panics unless a fits examples of the given shape.
func (a Augment) check(shape []int) {
	if len(shape) != 3 {
		panic(fmt.Sprintf(errAugmentShape, shape))
	}
	if a.CropPad < 0 {
		panic(fmt.Sprintf(errCropPad, a.CropPad))
	}
}

// shiftFlip sets dst[c][y][x] = src[c][y+dy][x'+dx], with x' = W−1−x if flip
// and x otherwise, and 0 where that falls outside the image.
func shiftFlip(dst, src []float32, c, h, w, dy, dx int, flip bool) {
	for ch := range c {
		for y := range h {
			row := dst[(ch*h+y)*w : (ch*h+y+1)*w]
			sy := y + dy
			if sy < 0 || sy >= h {
				clear(row)
				continue
			}
			in := src[(ch*h+sy)*w : (ch*h+sy+1)*w]
			for x := range row {
				sx := x
				if flip {
					sx = w - 1 - x
				}
				sx += dx
				if sx < 0 || sx >= w {
					row[x] = 0
				} else {
					row[x] = in[sx]
				}
			}
		}
	}
}
