// Command resnet trains a small CIFAR-style residual network (He et al.
// 2016: a 3×3 convolution, three stages of BasicBlocks with batch norm and
// 1×1-projection shortcuts, global average pooling, a linear layer) with
// SGD, momentum and weight decay under a cosine learning-rate schedule,
// with random crops and horizontal flips, on the tape.
//
//	go run ./examples/resnet                          # CIFAR-10, downloaded on first use
//	go run ./examples/resnet -dataset fashion-mnist   # offline, 1×28×28 images
//
// The default recipe: ResNet-8 (-depth 8, one block a stage) of width 16
// (16, 32, 64 channels); SGD with lr 0.1, momentum 0.9 and weight decay
// 5e-4 on every parameter; the learning rate annealed to 0 along half a
// cosine over -t-max steps, 400 (optim.CosineAnnealingLR, set every step;
// the schedule is part of the recipe, so a resumed run with a larger -steps
// follows the same curve: change -t-max with -steps); batch 128; 400
// steps, about 5 minutes on 2 cores; an evaluation on the whole test set
// every 200 steps; inputs normalized per channel with the training set's
// mean and standard deviation (data.ChannelStats) after a random crop with
// zero padding
// (-crop-pad, 4 by default on CIFAR-10 and 2 on 28×28 images) and a
// horizontal flip (-hflip; on by default, though Fashion-MNIST's classes
// are not all mirror-symmetric). Its PyTorch twin, with the same
// architecture, initialization and recipe, is examples/pytorch/resnet.py;
// examples/run_models.sh trains both for three seeds.
//
// The checkpoint, checkpoint.safetensors, holds the state_dict under
// torchvision's names (conv1.weight, bn1.running_mean,
// layer2.0.downsample.0.weight, fc.bias, …), which the twin loads with
// strict=True (--load). Run with -h for every flag; -resume, -distributed
// and the exit codes are those of the course's trainers
// (examples/internal/course).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/examples/internal/course"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/train"
)

func main() {
	course.Command("resnet", run)
}

// recipe holds the flags of the resnet trainer beyond the course's.
type recipe struct {
	depth, width int
	momentum     float64
	weightDecay  float64
	cropPad      int // -1: the data set's default
	hflip        bool
	tMax         int // steps of the cosine schedule; 0: a constant rate
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := course.Config{Name: "resnet", LR: 0.1, Steps: 400, Batch: 128, EvalEvery: 200, Dataset: "cifar10", Seed: 1, Out: "out/resnet", EvalBatch: 500}
	r := recipe{depth: 8, width: 16, momentum: 0.9, weightDecay: 5e-4, cropPad: -1, hflip: true, tMax: 400}
	extra := func(fs *flag.FlagSet) {
		fs.IntVar(&r.depth, "depth", r.depth, "depth 6n+2 (8, 14, 20, …): n BasicBlocks in each of the three stages")
		fs.IntVar(&r.width, "width", r.width, "channels of the first stage (the others have 2× and 4×)")
		fs.Float64Var(&r.momentum, "momentum", r.momentum, "SGD momentum, in [0, 1)")
		fs.Float64Var(&r.weightDecay, "weight-decay", r.weightDecay, "L2 weight decay of SGD, on every parameter (at least 0)")
		fs.IntVar(&r.cropPad, "crop-pad", r.cropPad, "zero padding of the random crop; 0 for no crop, -1 for 4 on CIFAR-10 and 2 on 28×28 images")
		fs.BoolVar(&r.hflip, "hflip", r.hflip, "random horizontal flips")
		fs.IntVar(&r.tMax, "t-max", r.tMax, "the learning rate falls from -lr to 0 along half a cosine over this many steps (CosineAnnealingLR's T_max); 0 for a constant rate")
	}
	setup := func(c *course.Config) (course.NewModel, error) {
		if err := r.check(c); err != nil {
			return nil, err
		}
		c.Normalize = data.ChannelStats
		c.Augment = &data.Augment{CropPad: r.cropPad, HFlip: r.hflip}
		if r.tMax > 0 {
			c.Schedule = optim.CosineAnnealingLR(c.LR, r.tMax, 0)
		}
		lr := c.LR
		return func(shape []int, classes int, rng *rand.Rand) train.Model[float32] {
			m := NewResNet[float32](r.depth, r.width, shape[0], classes, rng)
			opt := optim.NewSGD(nn.Params[float32](m), optim.LR(lr), optim.Momentum(r.momentum), optim.WeightDecay(r.weightDecay))
			return &train.Classifier[float32]{Model: m, Optimizer: opt}
		}, nil
	}
	return course.Main(ctx, c, args, stdout, stderr, extra, setup)
}

// check reports a flag of r no run can use, and fills in the crop's
// default padding for c's data set.
func (r *recipe) check(c *course.Config) error {
	switch {
	case r.depth < 8 || (r.depth-2)%6 != 0:
		return fmt.Errorf("-depth %d: want 6n+2 with n ≥ 1 (8, 14, 20, …)", r.depth)
	case r.width < 1:
		return fmt.Errorf("-width %d: want at least 1", r.width)
	case !(r.momentum >= 0 && r.momentum < 1):
		return fmt.Errorf("-momentum %v: want a number in [0, 1)", r.momentum)
	case !(r.weightDecay >= 0) || math.IsInf(r.weightDecay, 1):
		return fmt.Errorf("-weight-decay %v: want a finite number ≥ 0", r.weightDecay)
	case r.cropPad < -1:
		return fmt.Errorf("-crop-pad %d: want at least 0, or -1 for the data set's default", r.cropPad)
	case r.tMax < 0:
		return fmt.Errorf("-t-max %d: want at least 0", r.tMax)
	}
	if r.cropPad == -1 {
		r.cropPad = 2
		if c.Dataset == "cifar10" {
			r.cropPad = 4
		}
	}
	return nil
}
