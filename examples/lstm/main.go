// Command lstm classifies sequential Fashion-MNIST with a recurrent
// network on the tape: each 28×28 image is read as 28 steps of 28 pixels
// by an nn.LSTM (or, with -cell gru, an nn.GRU), and the last step's
// hidden state goes through a linear layer to the 10 classes (see
// SeqClassifier).
//
//	go run ./examples/lstm                 # Fashion-MNIST from Debian's dataset-fashion-mnist
//	go run ./examples/lstm -cell gru -hidden 64 -epochs 1
//
// The recipe: the course's preprocessing (raw pixels minus the mean
// training image), scaled by 1/255 in the model; hidden size 128, one
// layer; Adam with lr 1e-3, batch 128; the gradients' joint 2-norm clipped
// to -clip 1.0 after every backward pass (optim.ClipGradNorm, PyTorch's
// clip_grad_norm_); -epochs 2 passes over the training set, the last batch
// of each epoch short, and an evaluation on the whole test set after each.
// -steps, if given, sets the number of steps instead, and -eval-every
// the evaluations. Run with -h for every flag.
//
// examples/pytorch/lstm.py is the same model and recipe in PyTorch, and
// examples/run_lstm.sh runs both over three seeds.
//
// It trains with package train (a train.Classifier through train.Fit) and
// writes into -out metrics.csv, loss.png, accuracy.png and a checkpoint:
// checkpoint.safetensors, whose keys (rnn.weight_ih_l0, rnn.weight_hh_l0,
// rnn.bias_ih_l0, rnn.bias_hh_l0, fc.weight, fc.bias) are those of
// lstm.py's model, and checkpoint.optim.safetensors, Adam's state. -resume
// out/lstm/checkpoint.safetensors continues from both. -distributed is
// not supported.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/examples/internal/course"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/train"
)

func main() {
	course.Command("lstm", run)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := course.Config{Name: "lstm", LR: 1e-3, Steps: 1, Batch: 128, EvalEvery: 1, Dataset: "fashion-mnist", Seed: 1, Out: "out/lstm", EvalBatch: 500}
	cell, hidden, layers, epochs, clip := "lstm", 128, 1, 2, 1.0
	var fs *flag.FlagSet
	extra := func(f *flag.FlagSet) {
		fs = f
		f.StringVar(&cell, "cell", cell, "recurrent cell: lstm or gru")
		f.IntVar(&hidden, "hidden", hidden, "hidden size of the recurrent layer")
		f.IntVar(&layers, "layers", layers, "number of stacked recurrent layers")
		f.IntVar(&epochs, "epochs", epochs, "passes over the training set (-steps, if given, decides instead)")
		f.Float64Var(&clip, "clip", clip, "clip the gradients' joint 2-norm to this (0: no clipping)")
	}
	setup := func(c *course.Config) (course.NewModel, error) {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		switch {
		case cell != "lstm" && cell != "gru":
			return nil, fmt.Errorf("unknown -cell %q: want lstm or gru", cell)
		case hidden < 1:
			return nil, fmt.Errorf("-hidden %d: want at least 1", hidden)
		case layers < 1:
			return nil, fmt.Errorf("-layers %d: want at least 1", layers)
		case epochs < 1:
			return nil, fmt.Errorf("-epochs %d: want at least 1", epochs)
		case !(clip >= 0) || clip > 1e300:
			return nil, fmt.Errorf("-clip %v: want a finite number at least 0", clip)
		case c.Dataset == "cifar10":
			return nil, fmt.Errorf("-dataset cifar10: the lstm reads grayscale images row by row; want fashion-mnist or mnist")
		case c.Distributed:
			return nil, fmt.Errorf("-distributed is not supported by the lstm example")
		}
		if !given["steps"] || !given["eval-every"] {
			trainSet, _, err := course.LoadData(ctx, *c, io.Discard)
			if err != nil {
				return nil, err
			}
			perEpoch := (trainSet.Len() + c.Batch - 1) / c.Batch
			if !given["steps"] {
				c.Steps = epochs * perEpoch
			}
			if !given["eval-every"] {
				c.EvalEvery = perEpoch
			}
		}
		return func(shape []int, classes int, rng *rand.Rand) train.Model[float32] {
			return newClassifier(NewSeqClassifier[float32](cell, shape[2], hidden, layers, classes, rng), c.LR, clip)
		}, nil
	}
	return course.Main(ctx, c, args, stdout, stderr, extra, setup)
}

// newClassifier trains m with Adam at learning rate lr, clipping the
// gradients' joint 2-norm to clip after every backward pass, before the
// step, as torch.nn.utils.clip_grad_norm_ (clip 0: no clipping).
func newClassifier(m *SeqClassifier[float32], lr, clip float64) *train.Classifier[float32] {
	params := nn.Params[float32](m)
	cl := &train.Classifier[float32]{Model: m, Optimizer: optim.NewAdam(params, optim.LR(lr))}
	if clip > 0 {
		cl.AfterBackward = func() error {
			optim.ClipGradNorm(params, float32(clip))
			return nil
		}
	}
	return cl
}
