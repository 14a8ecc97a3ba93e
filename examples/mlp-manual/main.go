// Command mlp-manual trains the course's MLP with hand-written
// backpropagation and no tape (package nn/manual) — the course's NumPy part:
// weights drawn from N(0, 1e-4²), biases 0, plain SGD on the combined
// softmax–cross-entropy gradient.
//
//	go run ./examples/mlp-manual                          # CIFAR-10, downloaded on first use
//	go run ./examples/mlp-manual -dataset fashion-mnist   # offline
//
// Defaults follow the course's recipe: lr 2e-3, batch 200, 1500 steps, an
// evaluation on the whole test set every 100 steps, one hidden layer of 100
// units; -hidden 512,256 sets other sizes and -hidden "" none. Run with -h
// for every flag.
//
// It trains with train.Fit, which runs the model's own step below, and
// writes into -out metrics.csv, loss.png, accuracy.png and a checkpoint:
// checkpoint.safetensors under the names of the equivalent PyTorch
// nn.Sequential(nn.Linear(D, 100), nn.ReLU(), nn.Linear(100, classes))
// (0.weight, 0.bias, 2.weight, 2.bias, no leading nn.Flatten), which its
// load_state_dict(strict=True) accepts, and checkpoint.optim.safetensors,
// empty for plain SGD but needed, with the step recorded, to resume.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/examples/internal/course"
	"github.com/tapegrad/tapegrad/nn/manual"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
	"github.com/tapegrad/tapegrad/train"
)

func main() {
	course.Command("mlp-manual", run)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	hidden := course.Sizes{100}
	extra := func(fs *flag.FlagSet) { course.HiddenFlag(fs, &hidden) }
	setup := func(c *course.Config) (course.NewModel, error) {
		return func(shape []int, classes int, rng *rand.Rand) train.Model[float32] {
			cfg := manual.Config{Inputs: tensor.NumElems(shape), Hidden: hidden, Classes: classes}
			return &model{mlp: manual.NewMLP[float32](cfg, rng), lr: float32(c.LR)}
		}, nil
	}
	return course.Main(ctx, course.MLPRecipe("mlp-manual"), args, stdout, stderr, extra, setup)
}

// model adapts the hand-written MLP to train.Fit: a train.Model whose step
// is the course's hand-written backprop and SGD update.
type model struct {
	mlp *manual.MLP[float32]
	lr  float32
}

func (m *model) TrainStep(x *tensor.Tensor[float32], labels []int) (float64, int) {
	p := m.mlp.Forward(x.Reshape(x.Dim(0), -1))
	loss := m.mlp.Loss.Forward(p, labels)
	m.mlp.BackwardLogits(manual.SoftmaxCrossEntropyGrad(p, labels))
	m.mlp.Step(m.lr)
	return float64(loss), train.Correct(p, labels)
}

func (m *model) EvalBatch(x *tensor.Tensor[float32], labels []int) (float64, int) {
	p := m.mlp.Forward(x.Reshape(x.Dim(0), -1))
	return float64(m.mlp.Loss.Forward(p, labels)) * float64(len(labels)), train.Correct(p, labels)
}

// WriteState names each Linear layer by its position among the layers, as
// the equivalent nn.Sequential(Linear, ReLU, Linear, …) does.
func (m *model) WriteState(w *safetensors.Writer) {
	for i, l := range m.mlp.Layers {
		if lin, ok := l.(*manual.Linear[float32]); ok {
			safetensors.Add(w, fmt.Sprintf("%d.weight", i), lin.W)
			safetensors.Add(w, fmt.Sprintf("%d.bias", i), lin.B)
		}
	}
}

func (m *model) ReadState(f *safetensors.File) error {
	for i, l := range m.mlp.Layers {
		lin, ok := l.(*manual.Linear[float32])
		if !ok {
			continue
		}
		for _, p := range []struct {
			name string
			dst  *tensor.Tensor[float32]
		}{{fmt.Sprintf("%d.weight", i), lin.W}, {fmt.Sprintf("%d.bias", i), lin.B}} {
			t, err := safetensors.Read[float32](f, p.name)
			if err != nil {
				return err
			}
			if !tensor.SameShape(t, p.dst) {
				return fmt.Errorf("%s has shape %v in the checkpoint, the model's is %v", p.name, t.Shape(), p.dst.Shape())
			}
			p.dst.CopyFrom(t)
		}
	}
	return nil
}

// The course's manual MLP uses plain SGD, which keeps no state.
func (m *model) WriteOptimizerState(*safetensors.Writer)    {}
func (m *model) ReadOptimizerState(*safetensors.File) error { return nil }
