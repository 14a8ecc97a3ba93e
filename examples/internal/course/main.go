package course

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/train"
)

// NewModel builds a trainer's model for examples of the given shape (C×H×W)
// and number of classes, drawing initial weights from rng.
type NewModel func(shape []int, classes int, rng *rand.Rand) train.Model[float32]

// UsageError is a bad command line: a flag that does not parse or a value
// no run can use. The trainers exit with status 2 on it, as package flag
// does.
type UsageError struct {
	Err error
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usage(err error) error { return &UsageError{Err: err} }

// Parse parses args into fs, a flag set made with flag.ContinueOnError
// whose output is discarded (a bad flag is one line from ExitCode, not the
// usage too). For -h it prints fs's usage to stderr and returns
// flag.ErrHelp; a bad flag comes back as a *UsageError.
func Parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stderr, "Usage of %s:\n", fs.Name())
		fs.SetOutput(stderr)
		fs.PrintDefaults()
		return err
	}
	return usage(err)
}

// Main parses a trainer's command line — the common flags with c's values
// as defaults, plus whatever extra registers — and checks every flag
// before anything else: setup, called once the flags are parsed, checks
// the trainer's own and returns how to build its model. It then loads the
// data, trains with train.Fit, logging on stdout and showing progress on
// stderr, and prints "test accuracy: " and the final accuracy as its last
// line. SIGINT (Ctrl-C) saves a checkpoint and returns nil. Bad flags give
// a *UsageError.
//
// With -distributed it is one rank of an MPI job (started by mpirun, built
// with -tags mpi): it joins the job, trains data-parallel (distributed.DDP
// over its data.Shard of every epoch, -batch per rank), and only rank 0
// prints and writes metrics, plots and checkpoints; every rank reads the
// -resume checkpoint, which must therefore be readable on every machine.
// The number of ranks and -sync-bn are part of the recipe. On an error a
// rank exits without MPI_Finalize, and mpirun ends the others.
func Main(ctx context.Context, c Config, args []string, stdout, stderr io.Writer,
	extra func(fs *flag.FlagSet), setup func(c *Config) (NewModel, error)) (err error) {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a bad flag is one line from ExitCode, not the usage too
	c.Flags(fs)
	if extra != nil {
		extra(fs)
	}
	if err = Parse(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usage(fmt.Errorf("unexpected argument %q: every setting is a flag (-h lists them)", fs.Arg(0)))
	}
	if err := c.validate(); err != nil {
		return usage(err)
	}
	newModel, err := setup(&c)
	if err != nil {
		return usage(err)
	}
	opts := c.options(fs)
	if err := opts.Check(); err != nil {
		return usage(err)
	}

	var cl *cluster
	if c.Distributed {
		if cl, err = joinMPI(); err != nil {
			return err
		}
		// On an error the process exits non-zero without MPI_Finalize,
		// which would wait for the other ranks: mpirun then ends the job.
		defer func() {
			if err == nil {
				err = cl.finalize()
			}
		}()
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	trainSet, testSet, err := loadData(ctx, c, cl, stderr)
	if err != nil {
		return err
	}
	if n := trainSet.Len(); c.Batch > n {
		return usage(fmt.Errorf("-batch %d is larger than the training set (%d images)", c.Batch, n))
	} else if cl != nil && c.Batch > (n+cl.comm.Size()-1)/cl.comm.Size() {
		return usage(fmt.Errorf("-batch %d is larger than a rank's part of the training set (%d images over %d ranks)", c.Batch, n, cl.comm.Size()))
	}
	normalize := data.MeanImage // the course's preprocessing: subtract the mean training image
	if c.Normalize != nil {     // models beyond the course (issue 20)
		normalize = c.Normalize
	}
	norm := normalize(trainSet)
	opts.Data.Normalize = &norm
	opts.Data.Augment, opts.Schedule = c.Augment, c.Schedule
	model := newModel(trainSet.Shape(), trainSet.Classes(), rand.New(rand.NewPCG(c.Seed, 0x7a9e)))
	if cl != nil {
		if stdout, stderr, err = c.distribute(cl, &opts, model, stdout, stderr); err != nil {
			return err
		}
	}
	opts.Log, opts.Progress = stdout, stderr
	fmt.Fprintf(stdout, "%s on %s: %d training and %d test images of %v, %d classes\n",
		c.Name, c.Dataset, trainSet.Len(), testSet.Len(), trainSet.Shape(), trainSet.Classes())
	if cl != nil {
		fmt.Fprintf(stdout, "data-parallel over %d ranks, batch %d each (%d in all)\n", cl.comm.Size(), c.Batch, c.Batch*cl.comm.Size())
	}
	hist, err := train.Fit(ctx, model, trainSet, testSet, opts)
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(stdout, "resume with -resume %s\n", c.checkpoint())
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "test accuracy: %.4f\n", hist[len(hist)-1].TestAcc)
	return nil
}

// ExitCode returns the exit status of a trainer whose Main returned err,
// after printing err on stderr as one line prefixed with name: 0 for nil
// and for -h (whose usage Main has printed), 2 for a *UsageError, 1 for
// anything else.
func ExitCode(name string, err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "%s: %v\n", name, err)
	if errors.As(err, new(*UsageError)) {
		return 2
	}
	return 1
}

// Command runs a trainer's entry point on the process's arguments and
// exits with ExitCode's status.
func Command(name string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	os.Exit(ExitCode(name, run(context.Background(), os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}
