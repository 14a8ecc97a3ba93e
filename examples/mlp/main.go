// Command mlp trains the course's MLP with the tape: nn.NewMLP, softmax
// cross-entropy, and SGD (or Adam) from package optim, with PyTorch's default
// initialization — the course's "PyTorch MLP".
//
//	go run ./examples/mlp                          # CIFAR-10, downloaded on first use
//	go run ./examples/mlp -dataset fashion-mnist   # offline, with Debian's dataset-fashion-mnist
//
// Defaults follow the course's recipe: lr 2e-3, batch 200, 1500 steps, an
// evaluation on the whole test set every 100 steps, one hidden layer of 100
// units. Run with -h for every flag.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/tapegrad/tapegrad/examples/internal/train"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mlp:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := train.Config{Name: "mlp", LR: 2e-3, Steps: 1500, Batch: 200, EvalEvery: 100, Dataset: "cifar10", Seed: 1, Out: "out/mlp"}
	var hidden, optimizer string
	extra := func(fs *flag.FlagSet) {
		fs.StringVar(&hidden, "hidden", "100", "hidden layer sizes, comma-separated")
		fs.StringVar(&optimizer, "optimizer", "sgd", "sgd or adam")
	}
	setup := func(c *train.Config) (train.NewModel, error) {
		sizes, err := train.ParseSizes(hidden)
		if err != nil {
			return nil, err
		}
		if optimizer != "sgd" && optimizer != "adam" {
			return nil, fmt.Errorf("unknown -optimizer %q: want sgd or adam", optimizer)
		}
		return func(shape []int, classes int, rng *rand.Rand) train.Model {
			m := nn.NewMLP[float32](nn.MLPConfig[float32]{Inputs: tensor.NumElems(shape), Hidden: sizes, Classes: classes}, rng)
			return &train.ModuleModel{Module: m, Opt: train.NewOptimizer(optimizer, nn.Params[float32](m), c.LR), Flatten: true}
		}, nil
	}
	return train.Main(ctx, c, args, stdout, stderr, extra, setup)
}
