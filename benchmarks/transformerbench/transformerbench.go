package transformerbench

import (
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/internal/charmodel"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/tensor"
	"github.com/tapegrad/tapegrad/train"
)

// The workload's settings, WORKLOADS.md's W9.
const (
	Vocab   = charmodel.Vocab   // characters
	Context = charmodel.Context // positions per sequence
	DModel  = charmodel.DModel  // features
	Heads   = charmodel.Heads   // attention heads
	Layers  = charmodel.Layers  // encoder layers
	FFN     = charmodel.FFN     // width of the feed-forward block
	Batch   = 32                // sequences per step
	LR      = 3e-4              // AdamW's learning rate
)

// CharLM is the language model of W9, charmodel.CharLM (moved there so that
// examples/charlm can train it without importing a benchmark package).
type CharLM[T tensor.Float] = charmodel.CharLM[T]

// Net is W9's model in float32 trained by a train.Classifier with AdamW,
// and one fixed batch. It is used by one goroutine at a time.
type Net struct {
	Model      *CharLM[float32]
	Classifier *train.Classifier[float32] // Model, its AdamW optimizer and the tape TrainStep reuses
	X          *tensor.Tensor[float32]    // n×Context character indices
	Labels     []int                      // n·Context next characters, row-major
}

// NewNet builds the model of W9's sizes and AdamW with lr LR, then draws n
// sequences of Context+1 random characters, all from rng in that order:
// X holds each sequence's first Context characters and Labels the
// characters that follow them. It panics unless n is positive.
func NewNet(rng *rand.Rand, n int) *Net {
	return NewNetSized(rng, n, Vocab, Context, DModel, Heads, Layers, FFN)
}

// NewNetSized is NewNet with other sizes, for tests.
func NewNetSized(rng *rand.Rand, n, vocab, ctx, dModel, heads, layers, ffn int) *Net {
	if n <= 0 {
		panic(fmt.Sprintf("transformerbench: batch size %d is not positive", n))
	}
	m := charmodel.NewCharLM[float32](rng, vocab, ctx, dModel, heads, layers, ffn)
	x := tensor.New[float32](n, ctx)
	labels := make([]int, n*ctx)
	xd := x.Data()
	for i := range n {
		prev := rng.IntN(vocab)
		for t := range ctx {
			next := rng.IntN(vocab)
			xd[i*ctx+t] = float32(prev)
			labels[i*ctx+t] = next
			prev = next
		}
	}
	opt := optim.NewAdamW(nn.Params[float32](m), optim.LR(LR))
	return &Net{Model: m, Classifier: train.NewClassifier[float32](m, opt), X: x, Labels: labels}
}

// TrainStep is one training step on the net's batch (train.Classifier.Step):
// zero the gradients, forward on the reset tape, the mean cross-entropy of
// every position's logits, backward and one AdamW update. It returns the
// loss before the update.
func (n *Net) TrainStep() float32 { return n.Classifier.Step(n.X, n.Labels) }

// SavedBytes returns what the ops recorded by the first TrainStep kept for
// the backward pass, 0 before it.
func (n *Net) SavedBytes() int { return n.Classifier.SavedBytes() }

// FLOPs returns the floating-point operations of the matrix products of one
// training step on n sequences of t positions at W9's sizes: per layer the
// four projections (8·n·t·d²), the feed-forward block (4·n·t·d·ffn) and
// attention's two products (4·n·t²·d), plus the head (2·n·t·d·vocab),
// tripled for the backward pass (dX and dW), the embedding and the
// element-wise work left out.
func FLOPs(n, t int) float64 {
	nt, d := float64(n*t), float64(DModel)
	layer := 8*nt*d*d + 4*nt*d*FFN + 4*nt*float64(t)*d
	return 3 * (Layers*layer + 2*nt*d*Vocab)
}
