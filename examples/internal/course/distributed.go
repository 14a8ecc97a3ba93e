package course

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/distributed"
	"github.com/tapegrad/tapegrad/train"
)

// cluster is a distributed run's setting: the job's communicator, and
// closing it.
type cluster struct {
	comm     distributed.Comm
	finalize func() error
}

// joinMPI initializes MPI for -distributed.
func joinMPI() (*cluster, error) {
	m, err := distributed.Init()
	if err != nil {
		return nil, fmt.Errorf("-distributed: %w", err)
	}
	return &cluster{comm: m, finalize: m.Finalize}, nil
}

// distribute makes opts and model a rank's part of a data-parallel run:
// the rank's shard of every epoch, the run's size in the recipe (a
// checkpoint resumes only on as many ranks), nothing written and nothing
// logged but on rank 0, and the model's gradients averaged over the ranks
// after every backward pass (distributed.DDP, which broadcasts rank 0's
// weights first). It returns the writers the rank prints on.
func (c *Config) distribute(cl *cluster, opts *train.Options, model train.Model[float32], stdout, stderr io.Writer) (io.Writer, io.Writer, error) {
	comm := cl.comm
	opts.Data.Shard = &data.Shard{NumReplicas: comm.Size(), Rank: comm.Rank()}
	run := strconv.Itoa(comm.Size()) + " ranks"
	if c.SyncBN {
		run += " with -sync-bn"
	}
	opts.Recipe["distributed"] = run
	if comm.Rank() != 0 {
		opts.Dir = "" // only rank 0 writes metrics, plots and checkpoints
		stdout, stderr = io.Discard, io.Discard
	}
	cl2, ok := model.(*train.Classifier[float32])
	if !ok {
		return nil, nil, fmt.Errorf("-distributed: the model %T is no train.Classifier", model)
	}
	ddp, err := distributed.NewDDP(comm, cl2.Model, distributed.DDPOptions{SyncBatchNorm: c.SyncBN})
	if err != nil {
		return nil, nil, err
	}
	cl2.AfterBackward = ddp.Sync
	return stdout, stderr, nil
}

// loadData is LoadData, on rank 0 first in a distributed run: it may
// download the data set, which the other ranks then read.
func loadData(ctx context.Context, c Config, cl *cluster, progress io.Writer) (trainSet, testSet *data.Images, err error) {
	if cl == nil {
		return LoadData(ctx, c, progress)
	}
	if cl.comm.Rank() == 0 {
		if trainSet, testSet, err = LoadData(ctx, c, progress); err != nil {
			return nil, nil, err
		}
	}
	if err := cl.comm.Barrier(); err != nil {
		return nil, nil, err
	}
	if cl.comm.Rank() != 0 {
		return LoadData(ctx, c, io.Discard)
	}
	return trainSet, testSet, nil
}
