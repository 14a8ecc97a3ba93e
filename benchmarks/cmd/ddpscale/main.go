//go:build mpi

// Command ddpscale times workloads W1 and W2 trained data-parallel with
// distributed.DDP, for the "Data-parallel scaling" section of
// benchmarks/README.md. Run it under mpirun, one line per rank count:
//
//	go build -tags mpi -o /tmp/ddpscale ./benchmarks/cmd/ddpscale
//	mpirun -np 1 --bind-to none -x GOMAXPROCS=2 /tmp/ddpscale -workload W1
//	mpirun -np 2 --bind-to none -x GOMAXPROCS=1 /tmp/ddpscale -workload W1
//
// (as root add --allow-run-as-root). The global batch is the workload's
// (W1 200, W2 32), split evenly over the ranks: strong scaling, the same
// work per step whatever the ranks. Rank 0 prints the median step time over
// the ranks' slowest, the median time per step the training goroutine
// spent in the all-reduces (DDP.CommTime: starting and testing them during
// the backward pass, waiting for them in Sync — the communication the
// backward pass did not hide), and the gradient bytes all-reduced per step;
// -bucket-bytes sets DDPOptions.BucketBytes. --bind-to
// none matters: Open MPI otherwise pins each rank to one core, and
// GOMAXPROCS=2 then runs on one.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/tapegrad/tapegrad/benchmarks/convbench"
	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
	"github.com/tapegrad/tapegrad/distributed"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/train"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ddpscale:", err)
		os.Exit(1)
	}
}

func run() error {
	workload := flag.String("workload", "W1", "W1 (the MLP, batch 200) or W2 (the ConvNet, batch 32)")
	steps := flag.Int("steps", 0, "timed steps (default: 200 for W1, 8 for W2)")
	warmup := flag.Int("warmup", 0, "untimed steps first (default: 20 for W1, 2 for W2)")
	only := flag.Bool("allreduce-only", false, "time only the all-reduce of the workload's gradient bytes, without training")
	noSync := flag.Bool("no-sync", false, "train without averaging the gradients: each rank's compute alone")
	nonBlocking := flag.Bool("nonblocking", false, "with -allreduce-only, start the all-reduce with IAllReduceSum and wait for it, as DDP does")
	bucketBytes := flag.Int("bucket-bytes", 0, "DDP's bucket size in bytes (default: distributed.DefaultBucketBytes)")
	flag.Parse()
	comm, err := distributed.Init()
	if err != nil {
		return err
	}
	size, rank := comm.Size(), comm.Rank()
	rng := rand.New(rand.NewPCG(1, uint64(rank)))
	var (
		c     *train.Classifier[float32]
		m     nn.Module[float32]
		step  func()
		batch int
	)
	switch *workload {
	case "W1":
		batch = mlpbench.Batch
		net := mlpbench.NewNet(rng, mlpbench.W1Hidden, batch/size)
		c, m, step = net.Classifier, net.Model, func() { net.TrainStep() }
		*steps, *warmup = or(*steps, 200), or(*warmup, 20)
	case "W2":
		batch = convbench.Batch
		net := convbench.NewNet(rng, batch/size)
		c, m, step = net.Classifier, net.Model, func() { net.TrainStep() }
		*steps, *warmup = or(*steps, 8), or(*warmup, 2)
	default:
		return fmt.Errorf("unknown -workload %q: want W1 or W2", *workload)
	}
	if batch%size != 0 {
		return fmt.Errorf("batch %d does not split over %d ranks", batch, size)
	}
	d, err := distributed.NewDDP(comm, m, distributed.DDPOptions{BucketBytes: *bucketBytes})
	if err != nil {
		return err
	}
	if !*noSync {
		c.AfterBackward = d.Sync
	}
	var bytes int
	for _, p := range nn.Params(m) {
		bytes += 4 * p.Value().Size()
	}
	if *only {
		buf := make([]float32, bytes/4)
		step = func() {
			if !*nonBlocking {
				if err := distributed.AllReduceSum(comm, buf); err != nil {
					panic(err)
				}
				return
			}
			req, err := distributed.IAllReduceSum(comm, buf)
			if err == nil {
				err = req.Wait()
			}
			if err != nil {
				panic(err)
			}
		}
	}
	for range *warmup {
		step()
	}
	times := make([]float64, *steps)
	comms := make([]float64, *steps)
	for i := range times {
		if err := comm.Barrier(); err != nil {
			return err
		}
		before := d.CommTime()
		start := time.Now()
		step()
		if err := c.StepErr(); err != nil {
			return err
		}
		times[i] = time.Since(start).Seconds()
		comms[i] = (d.CommTime() - before).Seconds()
	}
	// Every step takes as long as its slowest rank.
	slowest := slices.Clone(times)
	if err := maxOver(comm, slowest); err != nil {
		return err
	}
	if rank == 0 {
		fmt.Printf("%s  ranks %d  GOMAXPROCS %d  batch %d per rank  step %.2f ms  in all-reduces %.2f ms/step  %.2f MB of gradients, %d bucket(s)\n",
			*workload, size, runtime.GOMAXPROCS(0), batch/size, 1e3*median(slowest), 1e3*median(comms), float64(bytes)/1e6, d.Buckets())
	}
	d.Close()
	return comm.Finalize()
}

// maxOver replaces every v[i] with its largest value over the ranks, each
// rank broadcasting its values in turn (a max-reduction is not among the
// Comm's collectives).
func maxOver(comm distributed.Comm, v []float64) error {
	buf := make([]float64, len(v))
	for root := range comm.Size() {
		copy(buf, v)
		if err := distributed.Broadcast(comm, buf, root); err != nil {
			return err
		}
		for i := range v {
			v[i] = max(v[i], buf[i])
		}
	}
	return nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func or(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
