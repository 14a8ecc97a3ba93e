// Package trainbench times the example trainers' whole training step, data
// included: train.Fit drawing its batches from a data.Loader (shuffled, the
// mean training image subtracted, as examples/internal/course sets it up)
// and calling train.Classifier.TrainStep, where workloads W1 and W2
// (packages mlpbench and convbench) time Classifier.Step on one fixed
// batch. The gap between a Trainer's step and its workload's is what the
// data pipeline, the loop and its bookkeeping cost a user.
//
//	tr := trainbench.NewConvNet(rand.New(rand.NewPCG(1, 2)))
//	stepSeconds, err := tr.Fit(100) // 100 steps of examples/convnet on CIFAR-10-shaped data
//
// On a machine whose speed drifts, FitPaired times the trainer's steps
// against the workload's in alternating chunks, so that the two see the
// same load, in wall time and in CPU time.
package trainbench

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/train"
)

// Sizes of the synthetic data sets: the training images of the real data
// set of their shape (Fashion-MNIST's 60000 of 1×28×28, CIFAR-10's 50000 of
// 3×32×32), so that a batch's examples are read from memory at random
// places as a trainer reads them, not from the caches; TrainImages for any
// other shape; and one validation image, so that Fit's closing evaluation
// costs next to nothing.
const (
	TrainImages        = 2000
	FashionMNISTImages = 60000
	CIFAR10Images      = 50000
	Classes            = 10
)

// trainImages returns the number of training images for examples of
// c×h×w.
func trainImages(c, h, w int) int {
	switch {
	case c == 1 && h == 28 && w == 28:
		return FashionMNISTImages
	case c == 3 && h == 32 && w == 32:
		return CIFAR10Images
	}
	return TrainImages
}

// Images returns n images of c×h×w random pixels (uniform in 0–255) with
// random labels in [0, Classes), drawn from rng: CIFAR-10 (3×32×32) or
// Fashion-MNIST (1×28×28) in shape, not in content.
func Images(rng *rand.Rand, n, c, h, w int) *data.Images {
	m := &data.Images{Pixels: make([]uint8, n*c*h*w), Labels: make([]uint8, n), C: c, H: h, W: w, NumClasses: Classes}
	for i := 0; i < len(m.Pixels); i += 8 { // eight pixels a draw
		v := rng.Uint64()
		for j := i; j < min(i+8, len(m.Pixels)); j++ {
			m.Pixels[j], v = uint8(v), v>>8
		}
	}
	for i := range m.Labels {
		m.Labels[i] = uint8(rng.IntN(Classes))
	}
	return m
}

// Trainer is a model and the data examples/mlp or examples/convnet trains
// it on, set up as their course.Main does: a shuffled Loader seeded with 1
// whose batches have the mean training image subtracted. It is used by one
// goroutine at a time.
type Trainer struct {
	Model      train.Model[float32]
	Train, Val *data.Images
	Options    train.Options // Fit's options but Steps; no Dir, Log or Progress
}

// newTrainer normalizes train's images by their mean and validates on one
// image.
func newTrainer(m train.Model[float32], trainSet *data.Images, batch int) *Trainer {
	norm := data.MeanImage(trainSet)
	return &Trainer{
		Model: m,
		Train: trainSet,
		Val:   trainSet.Subset(1),
		Options: train.Options{
			Name: "trainbench",
			Data: data.LoaderConfig{BatchSize: batch, Shuffle: true, Seed: 1, Normalize: &norm},
		},
	}
}

// NewMLP returns examples/mlp's trainer on images of c×h×w: the MLP
// c·h·w→100→10 with PyTorch's initialization, SGD with lr 2e-3, batch 200,
// on as many images as the real data set of the shape holds. With 3×32×32
// it trains W1's step, with 1×28×28 W1s's.
func NewMLP(rng *rand.Rand, c, h, w int) *Trainer {
	ds := Images(rng, trainImages(c, h, w), c, h, w)
	m := nn.NewMLP(nn.MLPConfig[float32]{Inputs: c * h * w, Hidden: []int{100}, Classes: Classes}, rng)
	opt, err := train.NewOptimizer("sgd", nn.Params[float32](m), 2e-3)
	if err != nil {
		panic(err) // a known name
	}
	return newTrainer(&train.Classifier[float32]{Model: m, Optimizer: opt, Flatten: true}, ds, 200)
}

// NewConvNet returns examples/convnet's trainer on CIFAR-10-shaped images
// (3×32×32): the course's ConvNet with PyTorch's initialization, Adam with
// lr 1e-4, batch 32, W2's step.
func NewConvNet(rng *rand.Rand) *Trainer { return NewConvNetIn(rng, 3, 32, 32) }

// NewConvNetIn is NewConvNet on images of c×h×w: with 1×28×28 it is
// examples/convnet -dataset fashion-mnist, whose convolutions see planes
// of 28, 14, 7, 4 and 2 where W2's see 32, 16, 8, 4 and 2.
func NewConvNetIn(rng *rand.Rand, c, h, w int) *Trainer {
	ds := Images(rng, trainImages(c, h, w), c, h, w)
	m := nn.NewConvNet[float32](c, Classes, rng)
	opt, err := train.NewOptimizer("adam", nn.Params[float32](m), 1e-4)
	if err != nil {
		panic(err) // a known name
	}
	return newTrainer(&train.Classifier[float32]{Model: m, Optimizer: opt}, ds, 32)
}

// Fit trains for steps steps with train.Fit, from step 0 of the data
// (the model goes on from where the last Fit left it), and returns the
// training time Fit counts, the sum of the TrainStep calls' wall times, as
// the trainers' logs report it: data loading in the Loader's goroutine is
// left out of it, but not what it takes from the step's cores.
func (t *Trainer) Fit(steps int) (trainSeconds float64, err error) {
	opts := t.Options
	opts.Steps = steps
	opts.AfterStep = func(s train.StepInfo) error {
		trainSeconds += s.Seconds
		return nil
	}
	_, err = train.Fit[float32](context.Background(), t.Model, t.Train, t.Val, opts)
	return trainSeconds, err
}

// Paired is what FitPaired measured: the wall and CPU time (of the whole
// process: every goroutine, the Loader's and the garbage collector's
// included) of the trainer's steps and of the other steps.
type Paired struct {
	TrainerWall, OtherWall time.Duration
	TrainerCPU, OtherCPU   time.Duration // 0 where CPUTime is unavailable
}

// FitPaired is Fit, alternating chunks of chunk training steps with chunk
// calls of other (one step of the workload the trainer should match), so
// that a machine's drifting speed weighs on both alike. A trainer chunk
// runs from the end of the last other chunk to the start of the next: the
// steps with everything Fit does between them. Only the batch the Loader
// prefetches while other runs is counted on other's side, a chunk-th of
// the data's cost at most. steps is a multiple of chunk.
func (t *Trainer) FitPaired(steps, chunk int, other func()) (Paired, error) {
	var p Paired
	opts := t.Options
	opts.Steps = steps
	wall, cpu := time.Now(), CPUTime()
	opts.AfterStep = func(s train.StepInfo) error {
		if s.Step%chunk != 0 {
			return nil
		}
		w, c := time.Now(), CPUTime()
		p.TrainerWall += w.Sub(wall)
		p.TrainerCPU += c - cpu
		for range chunk {
			other()
		}
		wall, cpu = time.Now(), CPUTime()
		p.OtherWall += wall.Sub(w)
		p.OtherCPU += cpu - c
		return nil
	}
	_, err := train.Fit[float32](context.Background(), t.Model, t.Train, t.Val, opts)
	return p, err
}
