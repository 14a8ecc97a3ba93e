// Command mlp trains the course's MLP with the tape: nn.NewMLP, softmax
// cross-entropy, and SGD (or Adam) from package optim, with PyTorch's default
// initialization — the course's "PyTorch MLP".
//
//	go run ./examples/mlp                          # CIFAR-10, downloaded on first use
//	go run ./examples/mlp -dataset fashion-mnist   # offline, with Debian's dataset-fashion-mnist
//
// Defaults follow the course's recipe: lr 2e-3, batch 200, 1500 steps, an
// evaluation on the whole test set every 100 steps, one hidden layer of 100
// units; -hidden 512,256 sets other sizes and -hidden "" none (a linear
// classifier). Run with -h for every flag.
//
// It trains with package train (a train.Classifier through train.Fit) and
// writes into -out metrics.csv, loss.png, accuracy.png and a checkpoint:
// checkpoint.safetensors, which PyTorch's load_state_dict(strict=True)
// accepts for nn.Sequential(nn.Linear(D, 100), nn.ReLU(), nn.Linear(100,
// classes)) — keys 0.weight, 0.bias, 2.weight, 2.bias, with no leading
// nn.Flatten: the trainer flattens the images itself — and
// checkpoint.optim.safetensors, the optimizer's state. -resume
// out/mlp/checkpoint.safetensors continues from both, bit for bit.
//
// Data-parallel over the processes of an MPI job (see package distributed;
// as root add --allow-run-as-root, and --oversubscribe for more ranks than
// cores):
//
//	mpirun -np 2 go run -tags mpi ./examples/mlp -distributed
//
// Each rank trains on its own part of every epoch with -batch examples per
// step and the gradients are averaged over the ranks, so 2 ranks with
// -batch 100 follow 1 process with -batch 200; only rank 0 writes.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/examples/internal/course"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/tensor"
	"github.com/tapegrad/tapegrad/train"
)

func main() {
	course.Command("mlp", run)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	hidden, optimizer := course.Sizes{100}, "sgd"
	extra := func(fs *flag.FlagSet) {
		course.HiddenFlag(fs, &hidden)
		fs.StringVar(&optimizer, "optimizer", optimizer, "sgd or adam")
	}
	setup := func(c *course.Config) (course.NewModel, error) {
		if optimizer != "sgd" && optimizer != "adam" {
			return nil, fmt.Errorf("unknown -optimizer %q: want sgd or adam", optimizer)
		}
		return func(shape []int, classes int, rng *rand.Rand) train.Model[float32] {
			m := nn.NewMLP[float32](nn.MLPConfig[float32]{Inputs: tensor.NumElems(shape), Hidden: hidden, Classes: classes}, rng)
			opt, err := train.NewOptimizer(optimizer, nn.Params[float32](m), c.LR)
			if err != nil {
				panic(err) // checked above
			}
			return &train.Classifier[float32]{Model: m, Optimizer: opt, Flatten: true}
		}, nil
	}
	return course.Main(ctx, course.MLPRecipe("mlp"), args, stdout, stderr, extra, setup)
}
