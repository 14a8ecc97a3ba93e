package train_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/train"
)

// stripes is a synthetic data set of n 1×6×6 images of three classes:
// class k is noise with a bright horizontal stripe in rows 2k and 2k+1.
func stripes(n int, seed uint64) *data.Images {
	rng := rand.New(rand.NewPCG(seed, 0))
	ds := &data.Images{Pixels: make([]uint8, n*36), Labels: make([]uint8, n), C: 1, H: 6, W: 6, NumClasses: 3}
	for i := range n {
		k := rng.IntN(3)
		ds.Labels[i] = uint8(k)
		for j := range 36 {
			v := rng.IntN(100)
			if j/12 == k {
				v += 120
			}
			ds.Pixels[i*36+j] = uint8(v)
		}
	}
	return ds
}

// Fit trains an MLP on synthetic images with Adam, evaluating on a held-out
// set every 20 steps. With Dir set it would also write metrics.csv, the
// plots and a checkpoint to resume from.
func ExampleFit() {
	trainSet, testSet := stripes(600, 1), stripes(150, 2)
	norm := data.ChannelStats(trainSet)
	model := nn.NewMLP(nn.MLPConfig[float32]{Inputs: 36, Hidden: []int{16}, Classes: 3}, rand.New(rand.NewPCG(1, 2)))
	opt, err := train.NewOptimizer("adam", nn.Params[float32](model), 0.01)
	if err != nil {
		panic(err)
	}
	clf := &train.Classifier[float32]{Model: model, Optimizer: opt, Flatten: true}
	hist, err := train.Fit[float32](context.Background(), clf, trainSet, testSet, train.Options{
		Steps:     60,
		EvalEvery: 20,
		Data:      data.LoaderConfig{BatchSize: 30, Shuffle: true, Seed: 1, Normalize: &norm},
	})
	if err != nil {
		panic(err)
	}
	for _, p := range hist {
		fmt.Printf("step %d: test accuracy %.2f\n", p.Step, p.TestAcc)
	}
	fmt.Println("loss fell:", hist[2].TestLoss < hist[0].TestLoss)
	// Output:
	// step 20: test accuracy 1.00
	// step 40: test accuracy 1.00
	// step 60: test accuracy 1.00
	// loss fell: true
}
