package train

import (
	"flag"
	"fmt"
)

// Config holds the settings every trainer takes. A trainer fills in its
// course defaults and calls Flags, then Run.
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
}

// Flags registers the common flags on fs with c's current values as
// defaults, writing the parsed values into c.
func (c *Config) Flags(fs *flag.FlagSet) {
	fs.Float64Var(&c.LR, "lr", c.LR, "learning rate")
	fs.IntVar(&c.Steps, "steps", c.Steps, "training steps")
	fs.IntVar(&c.Batch, "batch", c.Batch, "batch size")
	fs.IntVar(&c.EvalEvery, "eval-every", c.EvalEvery, "evaluate on the whole test set every this many steps")
	fs.StringVar(&c.Dataset, "dataset", c.Dataset, "data set: cifar10, fashion-mnist or mnist")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data set directory (default: the data set's usual place; CIFAR-10 is downloaded there)")
	fs.StringVar(&c.Mirror, "mirror", c.Mirror, "URL of a CIFAR-10 mirror (default from $TAPEGRAD_CIFAR10_URL, else the official address)")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "random seed: initial weights and shuffling")
	fs.StringVar(&c.Out, "out", c.Out, "output directory: metrics.csv, loss.png, accuracy.png, checkpoint.safetensors")
	fs.StringVar(&c.Resume, "resume", c.Resume, "checkpoint.safetensors to resume training from")
}

// validate reports settings no run can use.
func (c *Config) validate() error {
	switch {
	case c.LR <= 0:
		return fmt.Errorf("-lr must be positive, got %v", c.LR)
	case c.Steps < 1:
		return fmt.Errorf("-steps must be at least 1, got %d", c.Steps)
	case c.Batch < 1:
		return fmt.Errorf("-batch must be at least 1, got %d", c.Batch)
	case c.EvalEvery < 1:
		return fmt.Errorf("-eval-every must be at least 1, got %d", c.EvalEvery)
	case c.Out == "":
		return fmt.Errorf("-out must name a directory")
	}
	return nil
}
