package benchmarks

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/benchmarks/convbench"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

// BenchmarkW2ConvNetTrain is workload W2: one training step of the course's
// ConvNet in float32 on a batch of 32 random 32×32×3 images — forward on a
// reused tape, mean softmax cross-entropy, backward and an Adam update with
// lr 1e-4. The first step also allocates Adam's state (two buffers the size
// of the parameters), a few milliseconds of a step of seconds, so no untimed
// warm-up step is spent on it: -benchtime 1x stays one step. Besides time and
// allocations it reports images/s and bytes-kept, the bytes the recorded ops
// keep for the backward pass.
func BenchmarkW2ConvNetTrain(b *testing.B) {
	net := convbench.NewNet(rand.New(rand.NewPCG(1, 2)), convbench.Batch)
	b.ReportAllocs()
	for b.Loop() {
		net.TrainStep()
	}
	b.ReportMetric(float64(convbench.Batch*b.N)/b.Elapsed().Seconds(), "images/s")
	b.ReportMetric(float64(net.SavedBytes()), "bytes-kept")
}

// BenchmarkW2eConvNetInfer is workload W2e: the ConvNet's forward pass in
// evaluation mode (batch norm with running statistics) in float32 on a batch
// of 32 random 32×32×3 images given as a constant, reporting images/s and
// allocations.
func BenchmarkW2eConvNetInfer(b *testing.B) {
	net := convbench.NewNet(rand.New(rand.NewPCG(1, 2)), convbench.Batch)
	net.SetTraining(false)
	b.ReportAllocs()
	for b.Loop() {
		net.Infer()
	}
	b.ReportMetric(float64(convbench.Batch*b.N)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkW2eConvNetLayers times W2e layer by layer: each layer of the
// ConvNet in evaluation mode, alone, on what the layers before it give a
// batch of 32 random 32×32×3 images, with recording off on a tape that
// reuses buffers, as train.Classifier.Predict runs it. Sub-benchmarks are
// named index-Layer-input shape, such as 3-MaxPool2d-32x64x32x32. Run
// alone, no layer fuses with the next, so their times add up to more than
// W2e's, in which Sequential runs each conv, batch norm and ReLU as one op
// (nn/conv_fuse.go): there the batch norm and ReLU rows cost about nothing.
func BenchmarkW2eConvNetLayers(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewConvNet[float32](convbench.Channels, convbench.Classes, rng)
	nn.SetTraining[float32](m, false)
	x := autograd.NewConst(tensor.RandN[float32](rng, convbench.Batch, convbench.Channels, convbench.ImageSize, convbench.ImageSize))
	for i, l := range m.Layers {
		in := x.Value()
		name := fmt.Sprintf("%d-%s-%s", i, layerName(l), shapeName(in.Shape()))
		b.Run(name, func(b *testing.B) {
			tape := autograd.NewTape[float32]()
			tape.ReuseBuffers(true)
			tape.SetGradEnabled(false)
			for b.Loop() {
				tape.Reset()
				l.Forward(tape.Input(in))
			}
		})
		x = l.Forward(x)
	}
}

// layerName is the type name of a layer without its package and type
// parameter: "Conv2d", "BatchNorm", ….
func layerName(l any) string {
	s := fmt.Sprintf("%T", l)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "*"), "nn.")
	if i := strings.IndexByte(s, '['); i >= 0 {
		s = s[:i]
	}
	return s
}

// shapeName writes a shape as 32x64x32x32.
func shapeName(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "x")
}

// BenchmarkW2eConvNetStages times W2e stage by stage as nn.Sequential runs
// it under no-grad: each convolution with its batch norm and ReLU (one
// fused op), each max pool, and the flatten and linear layers, alone, on
// what the stages before it give a batch of 32 random 32×32×3 images.
// Unlike W2eConvNetLayers's rows, these add up to about W2e's time, so
// that they can be set against PyTorch's layers grouped alike
// (benchmarks/pytorch/w2e_layers.py -stages).
func BenchmarkW2eConvNetStages(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := nn.NewConvNet[float32](convbench.Channels, convbench.Classes, rng)
	nn.SetTraining[float32](m, false)
	x := autograd.NewConst(tensor.RandN[float32](rng, convbench.Batch, convbench.Channels, convbench.ImageSize, convbench.ImageSize))
	for i := 0; i < len(m.Layers); {
		n := 1
		if _, ok := m.Layers[i].(*nn.Conv2d[float32]); ok {
			n = 3
		}
		stage := nn.NewSequential(m.Layers[i : i+n]...)
		in := x.Value()
		name := fmt.Sprintf("%d-%s-%s", i, layerName(m.Layers[i]), shapeName(in.Shape()))
		b.Run(name, func(b *testing.B) {
			tape := autograd.NewTape[float32]()
			tape.ReuseBuffers(true)
			tape.SetGradEnabled(false)
			for b.Loop() {
				tape.Reset()
				stage.Forward(tape.Input(in))
			}
		})
		x = stage.Forward(x)
		i += n
	}
}
