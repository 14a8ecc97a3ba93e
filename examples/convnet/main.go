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
//
// It trains with package train (a train.Classifier through train.Fit) and
// writes into -out metrics.csv, loss.png, accuracy.png and a checkpoint:
// checkpoint.safetensors, which PyTorch's load_state_dict(strict=True)
// accepts for the course's ConvNet as the nn.Sequential that
// examples/pytorch/course.py builds (keys 0.weight, 0.bias for the first
// convolution, 1.weight, 1.bias, 1.running_mean, 1.running_var,
// 1.num_batches_tracked for its batch norm, …), and
// checkpoint.optim.safetensors, Adam's state.
// -resume out/convnet/checkpoint.safetensors continues from both, bit for
// bit.
//
// Data-parallel over the processes of an MPI job (see package distributed;
// as root add --allow-run-as-root, and --oversubscribe for more ranks than
// cores):
//
//	mpirun -np 2 go run -tags mpi ./examples/convnet -distributed -sync-bn
//
// Each rank trains on its own part of every epoch with -batch examples per
// step and the gradients are averaged over the ranks, so 2 ranks with
// -batch 16 follow 1 process with -batch 32; only rank 0 writes. With
// -sync-bn, batch norm's statistics are those of the global batch, as in one
// process; without it each rank normalizes with its own batch's, as
// PyTorch's DistributedDataParallel does by default.
package main

import (
	"context"
	"io"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/examples/internal/course"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/train"
)

func main() {
	course.Command("convnet", run)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := course.Config{Name: "convnet", LR: 1e-4, Steps: 5000, Batch: 32, EvalEvery: 500, Dataset: "cifar10", Seed: 1, Out: "out/convnet", EvalBatch: 250}
	setup := func(c *course.Config) (course.NewModel, error) {
		return func(shape []int, classes int, rng *rand.Rand) train.Model[float32] {
			m := nn.NewConvNet[float32](shape[0], classes, rng)
			opt, err := train.NewOptimizer("adam", nn.Params[float32](m), c.LR)
			if err != nil {
				panic(err) // a known name
			}
			return &train.Classifier[float32]{Model: m, Optimizer: opt}
		}, nil
	}
	return course.Main(ctx, c, args, stdout, stderr, nil, setup)
}
