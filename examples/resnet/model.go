package main

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// BasicBlock is the residual block of He et al.'s CIFAR ResNets and of
// torchvision's resnet18/34:
//
//	y = ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x))
//
// conv1 is 3×3 with the block's stride, conv2 3×3 with stride 1, both
// without bias (batch norm follows). The shortcut is x itself when the
// block keeps the shape, and otherwise a 1×1 convolution with the block's
// stride followed by batch norm (the "projection", option B), named
// downsample.0 and downsample.1 as in torchvision.
type BasicBlock[T tensor.Float] struct {
	Conv1, Conv2 *nn.Conv2d[T]
	BN1, BN2     *nn.BatchNorm[T]
	Downsample   *nn.Sequential[T] // nil: the identity
}

// NewBasicBlock returns a block from in to out channels whose first
// convolution has the given stride, with weights drawn from rng as
// initConv does.
func NewBasicBlock[T tensor.Float](in, out, stride int, rng *rand.Rand) *BasicBlock[T] {
	b := &BasicBlock[T]{
		Conv1: newConv[T](in, out, 3, stride, rng),
		BN1:   nn.NewBatchNorm2d[T](out),
		Conv2: newConv[T](out, out, 3, 1, rng),
		BN2:   nn.NewBatchNorm2d[T](out),
	}
	if stride != 1 || in != out {
		b.Downsample = nn.NewSequential[T](newConv[T](in, out, 1, stride, rng), nn.NewBatchNorm2d[T](out))
	}
	return b
}

// Forward computes the block's output for an N×in×H×W input x.
func (b *BasicBlock[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	y := functional.ReLU(b.BN1.Forward(b.Conv1.Forward(x)))
	y = b.BN2.Forward(b.Conv2.Forward(y))
	shortcut := x
	if b.Downsample != nil {
		shortcut = b.Downsample.Forward(x)
	}
	return functional.ReLU(functional.Add(y, shortcut))
}

// State lists conv1, bn1, conv2, bn2 and, for a projection, downsample:
// torchvision's BasicBlock's names.
func (b *BasicBlock[T]) State() nn.State[T] {
	s := nn.State[T]{Children: []nn.Child[T]{{Name: "conv1", Module: b.Conv1}, {Name: "bn1", Module: b.BN1},
		{Name: "conv2", Module: b.Conv2}, {Name: "bn2", Module: b.BN2}}}
	if b.Downsample != nil {
		s.Children = append(s.Children, nn.Child[T]{Name: "downsample", Module: b.Downsample})
	}
	return s
}

// ResNet is a CIFAR-style residual network (He et al. 2016, section 4.2)
// of depth 6n+2:
//
//	conv1 3×3 (→w) · bn1 · ReLU ·
//	layer1: n blocks w→w, stride 1 ·
//	layer2: n blocks →2w, the first with stride 2 ·
//	layer3: n blocks →4w, the first with stride 2 ·
//	global average pool · fc (4w→classes)
//
// with BasicBlocks whose shortcuts, where the shape changes, are 1×1
// projections. Its state_dict names are torchvision's (conv1.weight,
// bn1.running_mean, layer2.0.downsample.0.weight, fc.bias, …), which
// examples/pytorch/resnet.py's twin shares: a checkpoint loads into it with
// strict=True.
type ResNet[T tensor.Float] struct {
	Conv1  *nn.Conv2d[T]
	BN1    *nn.BatchNorm[T]
	Layers [3]*nn.Sequential[T] // layer1, layer2, layer3: BasicBlocks
	FC     *nn.Linear[T]
}

// NewResNet returns a ResNet of the given depth (6n+2: 8, 14, 20, …) and
// base width w for inChannels-channel images and the given number of
// classes. Convolutions are initialized as torchvision's ResNets are,
// Kaiming-normal for ReLU with fan_out (initConv); batch norm with weight
// 1 and bias 0; the linear layer with PyTorch's default. It panics unless
// depth is 6n+2 with n ≥ 1 and the sizes are positive.
func NewResNet[T tensor.Float](depth, width, inChannels, classes int, rng *rand.Rand) *ResNet[T] {
	if depth < 8 || (depth-2)%6 != 0 || width < 1 || inChannels < 1 || classes < 1 {
		panic(fmt.Sprintf("resnet: NewResNet(depth %d, width %d, %d channels, %d classes): want depth 6n+2 ≥ 8 and positive sizes",
			depth, width, inChannels, classes))
	}
	n := (depth - 2) / 6
	r := &ResNet[T]{Conv1: newConv[T](inChannels, width, 3, 1, rng), BN1: nn.NewBatchNorm2d[T](width)}
	in := width
	for i := range r.Layers {
		out, stride := width<<i, 1
		if i > 0 {
			stride = 2
		}
		r.Layers[i] = nn.NewSequential[T]()
		for range n {
			r.Layers[i].Append(NewBasicBlock[T](in, out, stride, rng))
			in, stride = out, 1
		}
	}
	r.FC = nn.NewLinear[T](in, classes, true, rng)
	return r
}

// Forward computes the class scores (N×classes) for an N×C×H×W batch x.
func (r *ResNet[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	y := functional.ReLU(r.BN1.Forward(r.Conv1.Forward(x)))
	for _, l := range r.Layers {
		y = l.Forward(y)
	}
	return r.FC.Forward(functional.GlobalAvgPool2d(y))
}

// State lists conv1, bn1, layer1, layer2, layer3 and fc, torchvision's
// names.
func (r *ResNet[T]) State() nn.State[T] {
	s := nn.State[T]{Children: []nn.Child[T]{{Name: "conv1", Module: r.Conv1}, {Name: "bn1", Module: r.BN1}}}
	for i, l := range r.Layers {
		s.Children = append(s.Children, nn.Child[T]{Name: "layer" + strconv.Itoa(i+1), Module: l})
	}
	s.Children = append(s.Children, nn.Child[T]{Name: "fc", Module: r.FC})
	return s
}

// newConv returns a k×k convolution without bias, padding (k−1)/2 and the
// given stride, its weights drawn by initConv.
func newConv[T tensor.Float](in, out, k, stride int, rng *rand.Rand) *nn.Conv2d[T] {
	p := (k - 1) / 2
	c := nn.NewConv2d[T](in, out, [2]int{k, k}, functional.Conv2dOptions{Stride: [2]int{stride, stride}, Padding: [2]int{p, p}}, false, rng)
	initConv(c.Weight.Value(), rng)
	return c
}

// initConv redraws a convolution's weights as torchvision's ResNets do,
// nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"):
// N(0, 2/fan_out) with fan_out = out·kh·kw.
func initConv[T tensor.Float](w *tensor.Tensor[T], rng *rand.Rand) {
	nn.KaimingNormal(w, 0, "fan_out", "relu", rng)
}
