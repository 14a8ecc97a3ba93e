package mlpbench

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
	"github.com/tapegrad/tapegrad/train"
)

// The workloads' settings: WORKLOADS.md's W1 and W1b and the course's MLP
// recipe (CIFAR-10 images flattened, SGD with lr 2e-3, batch 200).
const (
	Batch  = 200  // images per step
	Inputs = 3072 // 32×32×3, flattened
	// SmallInputs is the Fashion-MNIST image flattened, 28×28×1: the
	// examples/mlp trainer's small shape (784→100→10), which benchmark
	// W1s times because parallel work may cost more than it saves there.
	SmallInputs = 784
	Classes     = 10   // outputs of the last linear layer
	LR          = 2e-3 // SGD's learning rate
)

// The hidden layer sizes of the two MLPs.
var (
	W1Hidden  = []int{100}           // W1, the course's default MLP
	W1bHidden = []int{512, 256, 128} // W1b, the deeper MLP
)

// Sizes writes the MLP's layer sizes joined by "-", inputs to classes, such
// as "3072-100-10".
func Sizes(hidden []int) string {
	s := []string{strconv.Itoa(Inputs)}
	for _, h := range hidden {
		s = append(s, strconv.Itoa(h))
	}
	return strings.Join(append(s, strconv.Itoa(Classes)), "-")
}

// FLOPs returns the floating-point operations of the matrix products of one
// training step on a batch of n: 2·n·in·out for each layer's forward
// product, twice that for its backward (dW and dX), except that the first
// layer computes no dX, since the input needs no gradient. Element-wise work
// (bias, ReLU, softmax, the update) is left out.
func FLOPs(hidden []int, n int) float64 { return FLOPsIn(Inputs, hidden, n) }

// FLOPsIn is FLOPs for an MLP with the given number of inputs.
func FLOPsIn(inputs int, hidden []int, n int) float64 {
	sizes := append(append([]int{inputs}, hidden...), Classes)
	var f float64
	for i := 1; i < len(sizes); i++ {
		mac := 2 * float64(n) * float64(sizes[i-1]) * float64(sizes[i])
		f += 2 * mac // forward and dW
		if i > 1 {
			f += mac // dX
		}
	}
	return f
}

// Net is an MLP in float32 trained by a train.Classifier with plain SGD,
// and one fixed batch. It is used by one goroutine at a time.
type Net struct {
	Model      *nn.Sequential[float32]
	Classifier *train.Classifier[float32] // Model, its SGD optimizer and the tape TrainStep reuses
	X          *tensor.Tensor[float32]    // the batch, n×inputs, drawn from N(0, 1)
	Labels     []int                      // n labels in [0, Classes)
}

// NewNet builds the MLP Inputs→hidden…→Classes with ReLU activations and
// PyTorch's initialization, SGD with lr LR and no momentum, and a batch of
// n images and labels, all drawn from rng, in that order. It panics if a
// size is not positive.
func NewNet(rng *rand.Rand, hidden []int, n int) *Net { return NewNetIn(rng, Inputs, hidden, n) }

// NewNetIn is NewNet for an MLP with the given number of inputs, such as
// SmallInputs; its batch is n×inputs. It panics if a size is not positive.
func NewNetIn(rng *rand.Rand, inputs int, hidden []int, n int) *Net {
	if n <= 0 {
		panic(fmt.Sprintf("mlpbench: batch size %d is not positive", n))
	}
	m := nn.NewMLP(nn.MLPConfig[float32]{Inputs: inputs, Hidden: hidden, Classes: Classes}, rng)
	x := tensor.RandN[float32](rng, n, inputs)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(Classes)
	}
	opt, err := train.NewOptimizer("sgd", nn.Params[float32](m), LR)
	if err != nil {
		panic(err) // a known name
	}
	return &Net{Model: m, Classifier: train.NewClassifier[float32](m, opt), X: x, Labels: labels}
}

// TrainStep is one training step on the net's batch, train.Classifier.Step:
// zero the gradients, forward on the reset tape, mean softmax
// cross-entropy, backward and one SGD update. It returns the loss before
// the update.
func (n *Net) TrainStep() float32 { return n.Classifier.Step(n.X, n.Labels) }

// SavedBytes returns what the ops recorded by the first TrainStep kept for
// the backward pass (train.Classifier.SavedBytes), 0 before it.
func (n *Net) SavedBytes() int { return n.Classifier.SavedBytes() }
