package convbench

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
	"github.com/tapegrad/tapegrad/train"
)

// The workloads' settings: WORKLOADS.md's W2 and W2e and the course's
// ConvNet recipe (CIFAR-10, Adam with lr 1e-4, batch 32).
const (
	Batch     = 32   // images per step
	Channels  = 3    // input channels (RGB)
	ImageSize = 32   // input height and width
	Classes   = 10   // outputs of the final linear layer
	LR        = 1e-4 // Adam's learning rate
)

// Conv is one of the ConvNet's convolutions: 3×3, stride 1, padding 1, so
// that the output plane is the input plane, Size×Size.
type Conv struct {
	In, Out int // input and output channels
	Size    int // input (and output) height and width
}

// Convs are the ConvNet's eight convolutions on a 32×32×3 input, in order.
// Each 3×3 max pool with stride 2 and padding 1 halves the plane, 32 → 16 →
// 8 → 4 → 2 → 1, and the pools sit after convs 1, 2, 4, 6 and 8.
var Convs = []Conv{
	{3, 64, 32},
	{64, 128, 16},
	{128, 256, 8},
	{256, 256, 8},
	{256, 512, 4},
	{512, 512, 4},
	{512, 512, 2},
	{512, 512, 2},
}

// Name writes the convolution as input shape and output channels,
// In×Size×Size-Out, such as "64x16x16-128": a name benchstat can carry.
func (c Conv) Name() string { return fmt.Sprintf("%dx%dx%d-%d", c.In, c.Size, c.Size, c.Out) }

// FLOPs returns the floating-point operations of the forward pass on a
// batch of n: one multiply and one add per weight and output position,
//
//	2·N·Cout·Hout·Wout·Cin·kh·kw
//
// The backward pass computes dx = col2im(Wᵀ·dY) and dW = dY·colsᵀ, two
// products of the forward's size, so it counts twice this (the bias
// gradient, a sum over dY, is left out as the bias add is).
func (c Conv) FLOPs(n int) float64 {
	return 2 * float64(n) * float64(c.Out) * float64(c.Size*c.Size) * float64(c.In) * 9
}

// ConvWorkload is one convolution's input, weights, bias and output
// gradient, drawn once, and the op that runs on them. It is used by one
// goroutine at a time.
type ConvWorkload[T tensor.Float] struct {
	Conv   Conv
	in     []*tensor.Tensor[T] // x (N×In×Size×Size), w (Out×In×3×3), b (Out)
	dy     *tensor.Tensor[T]   // N×Out×Size×Size
	op     *ops.Conv2d[T]
	needs  []bool
	primed bool
}

// NewConvWorkload draws the inputs of c at batch n from rng: x, b and dY
// from N(0, 1), W from U(±1/√(In·9)), as PyTorch initializes it.
func NewConvWorkload[T tensor.Float](rng *rand.Rand, c Conv, n int) *ConvWorkload[T] {
	x := tensor.RandN[T](rng, n, c.In, c.Size, c.Size)
	bound := T(1 / math.Sqrt(float64(c.In*9)))
	w := tensor.RandU[T](rng, -bound, bound, c.Out, c.In, 3, 3)
	return &ConvWorkload[T]{
		Conv:  c,
		in:    []*tensor.Tensor[T]{x, w, tensor.RandN[T](rng, c.Out)},
		dy:    tensor.RandN[T](rng, n, c.Out, c.Size, c.Size),
		op:    &ops.Conv2d[T]{Padding: [2]int{1, 1}},
		needs: []bool{true, true, true},
	}
}

// Forward runs the convolution's forward pass and returns y.
func (w *ConvWorkload[T]) Forward() *tensor.Tensor[T] {
	w.primed = true
	return w.op.Forward(w.in)
}

// Backward runs the convolution's backward pass for the fixed output
// gradient and returns dx, dW and db. The op keeps what its forward saved,
// so Backward runs the forward once first, the first time only, and can
// then be called again and again.
func (w *ConvWorkload[T]) Backward() (dx, dw, db *tensor.Tensor[T]) {
	if !w.primed {
		w.Forward()
	}
	g := w.op.Backward(w.dy, w.needs)
	return g[0], g[1], g[2]
}

// Net is the ConvNet in float32 trained by a train.Classifier with Adam,
// and one fixed batch of random images (N(0, 1)) and labels. It is used by
// one goroutine at a time.
type Net struct {
	Model      *nn.Sequential[float32]
	Classifier *train.Classifier[float32] // Model, its Adam optimizer and the tape TrainStep and Infer reuse

	x      *tensor.Tensor[float32]
	labels []int
}

// NewNet builds the ConvNet for 3-channel 32×32 images with PyTorch's
// initialization, Adam with lr LR, and a batch of n images and labels, all
// drawn from rng. The net starts in training mode.
func NewNet(rng *rand.Rand, n int) *Net {
	m := nn.NewConvNet[float32](Channels, Classes, rng)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(Classes)
	}
	opt, err := train.NewOptimizer("adam", nn.Params[float32](m), LR)
	if err != nil {
		panic(err) // a known name
	}
	return &Net{
		Model:      m,
		Classifier: train.NewClassifier[float32](m, opt),
		x:          tensor.RandN[float32](rng, n, Channels, ImageSize, ImageSize),
		labels:     labels,
	}
}

// SetTraining puts the net's batch norms in training (true) or evaluation
// (false) mode.
func (n *Net) SetTraining(training bool) { nn.SetTraining[float32](n.Model, training) }

// TrainStep is one training step of W2 on the net's batch,
// train.Classifier.Step: zero the gradients, forward on the reset tape, mean
// softmax cross-entropy, backward and one Adam update. It returns the loss
// before the update.
func (n *Net) TrainStep() float32 { return n.Classifier.Step(n.x, n.labels) }

// SavedBytes returns what the ops recorded by the first TrainStep kept for
// the backward pass (train.Classifier.SavedBytes), 0 before it.
func (n *Net) SavedBytes() int { return n.Classifier.SavedBytes() }

// Infer is W2e: the forward pass on the net's batch with recording off,
// train.Classifier.Predict (PyTorch's torch.no_grad()), reusing the last
// pass's buffers. It returns a copy of the N×Classes logits. Call
// SetTraining(false) first for evaluation mode.
func (n *Net) Infer() *tensor.Tensor[float32] { return n.Classifier.Predict(n.x).Clone() }
