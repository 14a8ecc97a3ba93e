package nn

import (
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// convNetChannels lists the course's convolutions' output channels; 0 marks
// a max pool.
var convNetChannels = []int{64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0}

// NewConvNet returns the course's VGG-style network for inChannels-channel
// images and the given number of classes:
//
//	conv(→64) · pool · conv(→128) · pool · conv(→256) · conv(→256) · pool ·
//	conv(→512) · conv(→512) · pool · conv(→512) · conv(→512) · pool ·
//	flatten · linear(512→classes)
//
// where every conv is 3×3 with stride 1 and padding 1, followed by
// BatchNorm2d and ReLU, and every pool is a 3×3 max pool with stride 2 and
// padding 1. Five pools take 32×32 (CIFAR-10) and 28×28 (Fashion-MNIST)
// inputs alike down to 1×1×512.
//
// It is the Sequential a PyTorch user writes for the same net — Conv2d,
// BatchNorm2d, ReLU, …, MaxPool2d, …, Flatten, Linear, in that order — so its
// parameter names ("0.weight", "1.running_mean", …, "30.weight") are that
// module's state_dict keys. Weights are initialized as PyTorch's from rng.
func NewConvNet[T tensor.Float](inChannels, classes int, rng *rand.Rand) *Sequential[T] {
	s := NewSequential[T]()
	in := inChannels
	for _, out := range convNetChannels {
		if out == 0 {
			s.Append(NewMaxPool2d[T](3, 2, 1))
			continue
		}
		conv := functional.Conv2dOptions{Padding: [2]int{1, 1}}
		s.Append(NewConv2d[T](in, out, [2]int{3, 3}, conv, true, rng), NewBatchNorm2d[T](out), ReLU[T]{})
		in = out
	}
	s.Append(Flatten[T]{}, NewLinear[T](in, classes, true, rng))
	return s
}
