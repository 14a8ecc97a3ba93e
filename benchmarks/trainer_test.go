package benchmarks

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tapegrad/tapegrad/benchmarks/convbench"
	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
	"github.com/tapegrad/tapegrad/benchmarks/trainbench"
	"github.com/tapegrad/tapegrad/tensor"
)

// BenchmarkW1Trainer is W1's step as examples/mlp takes it: train.Fit on a
// shuffled data.Loader of random CIFAR-10-shaped images with the mean image
// subtracted, batch 200, 3072→100→10, SGD. An op is a step, data included;
// train-ns/step is the part the trainer's log counts as training time (the
// TrainStep calls). Compare with BenchmarkW1MLPTrain.
func BenchmarkW1Trainer(b *testing.B) {
	benchTrainer(b, trainbench.NewMLP(rand.New(rand.NewPCG(1, 2)), 3, 32, 32))
}

// BenchmarkW1sTrainer is BenchmarkW1Trainer on Fashion-MNIST-shaped images,
// 784→100→10: examples/mlp -dataset fashion-mnist. Compare with
// BenchmarkW1sMLPTrain.
func BenchmarkW1sTrainer(b *testing.B) {
	benchTrainer(b, trainbench.NewMLP(rand.New(rand.NewPCG(1, 2)), 1, 28, 28))
}

// BenchmarkW2Trainer is W2's step as examples/convnet takes it on
// CIFAR-10-shaped images: train.Fit on a shuffled data.Loader, batch 32,
// the course's ConvNet, Adam. Compare with BenchmarkW2ConvNetTrain.
func BenchmarkW2Trainer(b *testing.B) {
	benchTrainer(b, trainbench.NewConvNet(rand.New(rand.NewPCG(1, 2))))
}

// BenchmarkW2sTrainer is BenchmarkW2Trainer on Fashion-MNIST-shaped
// images (1×28×28): examples/convnet -dataset fashion-mnist, the step
// examples/run_course.sh compares with PyTorch's.
func BenchmarkW2sTrainer(b *testing.B) {
	benchTrainer(b, trainbench.NewConvNetIn(rand.New(rand.NewPCG(1, 2)), 1, 28, 28))
}

func benchTrainer(b *testing.B, tr *trainbench.Trainer) {
	if _, err := tr.Fit(2); err != nil { // Adam's state and the tape's buffers
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	sec, err := tr.Fit(b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(sec*1e9/float64(b.N), "train-ns/step")
	b.ReportMetric(float64(tr.Options.Data.BatchSize*b.N)/b.Elapsed().Seconds(), "images/s")
}

// gapChunk is how many steps of one side BenchmarkTrainerGap and
// BenchmarkCacheGap run before they switch to the other.
const gapChunk = 10

// BenchmarkTrainerGap times each trainer's steps against its workload's
// (W1, W1s, W2, on nets of their own) in alternating chunks of gapChunk steps
// (trainbench.Trainer.FitPaired) and reports trainer/workload, the ratio
// of their wall times, and cpu-trainer/workload, of the process's CPU time
// (the Loader's goroutine and the garbage collector included): both 1 when
// a trainer's step costs what the benchmark measures, whatever the
// machine's load does meanwhile. An op is one step of each; -benchtime
// should be a multiple of gapChunk steps (100x).
func BenchmarkTrainerGap(b *testing.B) {
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
	for _, c := range []struct {
		name  string
		tr    func() *trainbench.Trainer
		other func() func()
	}{
		{"W1", func() *trainbench.Trainer { return trainbench.NewMLP(rng(), 3, 32, 32) },
			func() func() {
				n := mlpbench.NewNet(rng(), mlpbench.W1Hidden, mlpbench.Batch)
				return func() { n.TrainStep() }
			}},
		{"W1s", func() *trainbench.Trainer { return trainbench.NewMLP(rng(), 1, 28, 28) },
			func() func() {
				n := mlpbench.NewNetIn(rng(), mlpbench.SmallInputs, mlpbench.W1Hidden, mlpbench.Batch)
				return func() { n.TrainStep() }
			}},
		{"W2", func() *trainbench.Trainer { return trainbench.NewConvNet(rng()) },
			func() func() { n := convbench.NewNet(rng(), convbench.Batch); return func() { n.TrainStep() } }},
	} {
		b.Run(c.name, func(b *testing.B) {
			tr, other := c.tr(), c.other()
			if _, err := tr.FitPaired(2, 1, other); err != nil { // Adam's state, the tapes' buffers
				b.Fatal(err)
			}
			steps := max(gapChunk, (b.N+gapChunk-1)/gapChunk*gapChunk)
			b.ResetTimer()
			p, err := tr.FitPaired(steps, gapChunk, other)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(p.TrainerWall.Seconds()/p.OtherWall.Seconds(), "trainer/workload")
			if p.OtherCPU > 0 {
				b.ReportMetric(p.TrainerCPU.Seconds()/p.OtherCPU.Seconds(), "cpu-trainer/workload")
			}
		})
	}
}

// BenchmarkCacheGap times W1's and W1s's step on batches the caches do not
// hold against the same step on one batch, as W1 and W1s time it: in
// alternating chunks of gapChunk steps, one net steps on its single batch and
// another on batches of 48 MiB in all (20 of W1's, 80 of W1s's), in turn,
// so that each step reads its batch from memory and evicts part of the
// weights and buffers it would otherwise find cached. It reports
// cold/warm, the ratio of their wall times: the part of
// BenchmarkTrainerGap's ratio that comes with a new batch every step,
// however the batch was made. An op is one step of each net.
func BenchmarkCacheGap(b *testing.B) {
	const poolBytes = 48 << 20
	for _, c := range []struct {
		name   string
		inputs int
	}{{"W1", mlpbench.Inputs}, {"W1s", mlpbench.SmallInputs}} {
		b.Run(c.name, func(b *testing.B) {
			warm := mlpbench.NewNetIn(rand.New(rand.NewPCG(1, 2)), c.inputs, mlpbench.W1Hidden, mlpbench.Batch)
			cold := mlpbench.NewNetIn(rand.New(rand.NewPCG(1, 2)), c.inputs, mlpbench.W1Hidden, mlpbench.Batch)
			rng := rand.New(rand.NewPCG(3, 4))
			batches := poolBytes / (mlpbench.Batch * c.inputs * 4)
			xs := make([]*tensor.Tensor[float32], batches)
			for i := range xs {
				xs[i] = tensor.RandN[float32](rng, mlpbench.Batch, c.inputs)
			}
			k := 0
			coldStep := func() {
				cold.X, k = xs[k], (k+1)%batches
				cold.TrainStep()
			}
			for range batches { // the tapes' buffers, every batch touched once
				warm.TrainStep()
				coldStep()
			}
			var tw, tc time.Duration
			b.ResetTimer()
			for n := 0; n < b.N; n += gapChunk {
				start := time.Now()
				for range gapChunk {
					warm.TrainStep()
				}
				mid := time.Now()
				for range gapChunk {
					coldStep()
				}
				tw, tc = tw+mid.Sub(start), tc+time.Since(mid)
			}
			b.ReportMetric(tc.Seconds()/tw.Seconds(), "cold/warm")
		})
	}
}
