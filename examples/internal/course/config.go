package course

import (
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/optim"
	"github.com/tapegrad/tapegrad/train"
)

// Config holds the settings every trainer takes. A trainer fills in its
// course defaults and calls Main.
type Config struct {
	Name      string  // the trainer's name, for titles and checkpoints
	LR        float64 // learning rate
	Steps     int     // training steps in all (a resumed run continues to Steps)
	Batch     int     // batch size
	EvalEvery int     // evaluate on the whole test set every EvalEvery steps
	Dataset   string  // cifar10, fashion-mnist or mnist
	DataDir   string  // where the data set is; empty: its default place
	Mirror    string  // where CIFAR-10 is downloaded from when it is missing
	Seed      uint64  // initial weights and shuffling
	Out       string  // directory for curves, plots and checkpoints
	Resume    string  // checkpoint to resume from; empty: start afresh
	EvalBatch int     // batch size for evaluation; 0: 500
	// Distributed trains data-parallel over the ranks of the MPI job the
	// trainer runs in (package distributed; needs -tags mpi and mpirun):
	// Batch is then each rank's, and only rank 0 writes.
	Distributed bool
	SyncBN      bool // with Distributed, batch norm over the global batch (distributed.SyncBatchNorm)

	// Models beyond the course (issue 20, examples/resnet): a trainer's
	// setup may set these; their zero values keep the course's recipe.
	Normalize func(data.Dataset) data.Normalization // nil: data.MeanImage, the course's preprocessing
	Augment   *data.Augment                         // training-time augmentation; nil: none
	Schedule  optim.Schedule                        // the learning rate of every step; nil: LR throughout
}

// Flags registers the common flags on fs with c's current values as
// defaults, writing the parsed values into c.
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.Float64Var(&c.LR, "lr", c.LR, "learning rate (a positive number)")
	fs.IntVar(&c.Steps, "steps", c.Steps, "training steps in all; a resumed run continues up to this many")
	fs.IntVar(&c.Batch, "batch", c.Batch, "batch size (at most the training set's size)")
	fs.IntVar(&c.EvalEvery, "eval-every", c.EvalEvery, "evaluate on the whole test set every this many steps")
	fs.StringVar(&c.Dataset, "dataset", c.Dataset, "data set: cifar10, fashion-mnist or mnist")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data set directory (default: the data set's usual place; CIFAR-10 is downloaded there)")
	fs.StringVar(&c.Mirror, "mirror", c.Mirror, "URL of a CIFAR-10 mirror (default from $TAPEGRAD_CIFAR10_URL, else the official address)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed: initial weights and shuffling")
	fs.StringVar(&c.Out, "out", c.Out, "output directory: metrics.csv, loss.png, accuracy.png, checkpoint.safetensors and checkpoint.optim.safetensors")
	fs.StringVar(&c.Resume, "resume", c.Resume, "checkpoint.safetensors to resume training from (checkpoint.optim.safetensors must be beside it)")
	fs.BoolVar(&c.Distributed, "distributed", c.Distributed, "train data-parallel over the ranks of an MPI job: run under mpirun, built with -tags mpi; -batch is per rank, and only rank 0 writes")
	fs.BoolVar(&c.SyncBN, "sync-bn", c.SyncBN, "with -distributed, batch norm statistics over the global batch (SyncBatchNorm) rather than each rank's own")
}

// notRecipe are the flags that may change when a run is resumed, and those
// a distributed run records otherwise (see distributedRecipe).
var notRecipe = map[string]bool{"steps": true, "out": true, "resume": true, "data": true, "mirror": true,
	"distributed": true, "sync-bn": true}

// recipe returns the values of the flags of fs that make up the run's
// recipe: all but notRecipe.
func recipe(fs *flag.FlagSet) map[string]string {
	r := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		if !notRecipe[f.Name] {
			r["-"+f.Name] = f.Value.String()
		}
	})
	return r
}

// validate reports settings no run can use, naming the flag.
func (c *Config) validate() error {
	switch {
	case !(c.LR > 0) || math.IsInf(c.LR, 1):
		return fmt.Errorf("-lr %v: want a positive finite number", c.LR)
	case c.Steps < 1:
		return fmt.Errorf("-steps %d: want at least 1", c.Steps)
	case c.Batch < 1:
		return fmt.Errorf("-batch %d: want at least 1", c.Batch)
	case c.EvalEvery < 1:
		return fmt.Errorf("-eval-every %d: want at least 1", c.EvalEvery)
	case c.Out == "":
		return fmt.Errorf("-out must name a directory")
	case c.SyncBN && !c.Distributed:
		return fmt.Errorf("-sync-bn needs -distributed")
	}
	switch c.Dataset {
	case "cifar10", "fashion-mnist":
	case "mnist":
		if c.DataDir == "" {
			return fmt.Errorf("-dataset mnist needs -data DIR holding the MNIST IDX files")
		}
	default:
		return fmt.Errorf("unknown -dataset %q: want cifar10, fashion-mnist or mnist", c.Dataset)
	}
	return nil
}

// options returns Fit's options for the run, without the data's
// normalization.
func (c *Config) options(fs *flag.FlagSet) train.Options {
	return train.Options{
		Name:      c.Name + " on " + c.Dataset, // titles the plots; a checkpoint resumes only the same trainer on the same data
		Steps:     c.Steps,
		Data:      data.LoaderConfig{BatchSize: c.Batch, Shuffle: true, Seed: c.Seed},
		EvalEvery: c.EvalEvery,
		EvalBatch: c.EvalBatch,
		Dir:       c.Out,
		Resume:    c.Resume,
		Recipe:    recipe(fs),
	}
}

// checkpoint returns the path of the checkpoint a run writes.
func (c *Config) checkpoint() string { return filepath.Join(c.Out, train.CheckpointFile) }

// MLPRecipe returns the course's recipe for its MLPs, for the trainer
// name: SGD with lr 2e-3, batch 200, 1500 steps, an evaluation on the whole
// test set every 100 steps, CIFAR-10, seed 1, output in out/NAME.
func MLPRecipe(name string) Config {
	return Config{Name: name, LR: 2e-3, Steps: 1500, Batch: 200, EvalEvery: 100, Dataset: "cifar10", Seed: 1, Out: "out/" + name}
}

// Sizes is a list of hidden layer sizes as a flag: comma-separated
// positive integers such as "100,50", or "" for none.
type Sizes []int

// HiddenFlag registers -hidden on fs, with s's sizes as the default.
func HiddenFlag(fs *flag.FlagSet, s *Sizes) {
	fs.Var(s, "hidden", `hidden layer sizes, comma-separated; "" for none (a linear classifier)`)
}

func (s *Sizes) String() string {
	if s == nil {
		return ""
	}
	f := make([]string, len(*s))
	for i, n := range *s {
		f[i] = strconv.Itoa(n)
	}
	return strings.Join(f, ",")
}

// Set parses a comma-separated list of positive sizes; an empty string
// is no hidden layer.
func (s *Sizes) Set(v string) error {
	*s = nil
	if strings.TrimSpace(v) == "" {
		return nil
	}
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("bad layer size %q: want positive integers separated by commas, or \"\" for none", f)
		}
		*s = append(*s, n)
	}
	return nil
}
