// Command convnet trains the course's VGG-style ConvNet (nn.NewConvNet:
// eight 3×3 convolutions with batch norm and ReLU, five max pools, a linear
// layer) with Adam, on the tape.
//
//	go run ./examples/convnet                          # CIFAR-10, downloaded on first use
//	go run ./examples/convnet -dataset fashion-mnist   # offline, 1×28×28 images
//
// Defaults follow the course's recipe: Adam with lr 1e-4, batch 32, 5000
// steps, an evaluation on the whole test set every 500 steps. Run with -h for
// every flag.
package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"

	"github.com/tapegrad/tapegrad/examples/internal/train"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "convnet:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := train.Config{Name: "convnet", LR: 1e-4, Steps: 5000, Batch: 32, EvalEvery: 500, Dataset: "cifar10", Seed: 1, Out: "out/convnet", EvalBatch: 250}
	setup := func(c *train.Config) (train.NewModel, error) {
		return func(shape []int, classes int, rng *rand.Rand) train.Model {
			m := nn.NewConvNet[float32](shape[0], classes, rng)
			return &train.ModuleModel{Module: m, Opt: optim.NewAdam(nn.Params[float32](m), optim.LR(c.LR))}
		}, nil
	}
	return train.Main(ctx, c, args, stdout, stderr, nil, setup)
}
