package distributed

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/data"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/train"
)

// The equivalence runs: k steps of b examples on each of R ranks against k
// steps of R·b examples in one process, on the same examples in the same
// order (a data.Shard of a shuffled epoch against the whole epoch).
const (
	eqBatch = 4  // b, per rank
	eqSteps = 5  // k: more than an epoch of 32 examples over 2×4, so a reshuffle too
	eqN     = 32 // examples
)

// eqData returns eqN random 1×4×4 images in 3 classes.
func eqData() *data.Images {
	rng := rand.New(rand.NewPCG(7, 11))
	ds := &data.Images{Pixels: make([]uint8, eqN*16), Labels: make([]uint8, eqN), C: 1, H: 4, W: 4, NumClasses: 3}
	for i := range ds.Pixels {
		ds.Pixels[i] = uint8(rng.IntN(256))
	}
	for i := range ds.Labels {
		ds.Labels[i] = uint8(rng.IntN(3))
	}
	return ds
}

// eqModel returns the test's model of the kind ("mlp" or "convnet"), its
// initial weights drawn with seed, and the optimizer the trainer of that
// kind uses (SGD for the MLP, Adam for the ConvNet), with the Classifier.
// The ConvNet is the course's in miniature: 3×3 convolutions with batch
// norm and ReLU, 3×3 max pools of stride 2, a linear layer.
func eqModel(t testing.TB, kind string, seed uint64) (nn.Module[float64], string, float64) {
	rng := rand.New(rand.NewPCG(seed, 3))
	switch kind {
	case "mlp":
		return nn.NewMLP(nn.MLPConfig[float64]{Inputs: 16, Hidden: []int{8}, Classes: 3}, rng), "sgd", 0.1
	case "convnet":
		conv := functional.Conv2dOptions{Padding: [2]int{1, 1}}
		return nn.NewSequential[float64](
			nn.NewConv2d[float64](1, 4, [2]int{3, 3}, conv, true, rng), nn.NewBatchNorm2d[float64](4), nn.ReLU[float64]{},
			nn.NewMaxPool2d[float64](3, 2, 1),
			nn.NewConv2d[float64](4, 6, [2]int{3, 3}, conv, true, rng), nn.NewBatchNorm2d[float64](6), nn.ReLU[float64]{},
			nn.NewMaxPool2d[float64](3, 2, 1),
			nn.Flatten[float64]{}, nn.NewLinear[float64](6, 3, true, rng),
		), "adam", 0.01
	}
	t.Fatalf("unknown model %q", kind)
	return nil, "", 0
}

// eqState is what a run ends with: every parameter and buffer, by name.
type eqState map[string][]float64

func stateOf(m nn.Module[float64]) eqState {
	s := eqState{}
	for _, p := range nn.NamedParams(m) {
		s[p.Name] = append([]float64(nil), p.Var.Value().Data()...)
	}
	for _, b := range nn.NamedBuffers(m) {
		s[b.Name] = append([]float64(nil), b.Value.Data()...)
	}
	return s
}

// eqRun trains the model of kind for eqSteps steps with a Classifier: on
// comm's rank with DDP (batch eqBatch, the rank's Shard), or, with comm nil,
// in one process with batch size·eqBatch. It returns the final state.
func eqRun(t testing.TB, kind string, comm Comm, size int, opts DDPOptions) eqState {
	ds := eqData()
	norm := data.MeanImage(ds)
	cfg := data.LoaderConfig{BatchSize: size * eqBatch, Shuffle: true, Seed: 5, Normalize: &norm}
	seed := uint64(1)
	if comm != nil {
		cfg.BatchSize = eqBatch
		cfg.Shard = &Shard{NumReplicas: comm.Size(), Rank: comm.Rank()}
		seed += uint64(comm.Rank()) // other ranks start elsewhere: NewDDP must broadcast rank 0's
	}
	m, optName, lr := eqModel(t, kind, seed)
	c := &train.Classifier[float64]{Model: m, Flatten: kind == "mlp"}
	if comm != nil {
		d, err := NewDDP(comm, m, opts)
		if err != nil {
			t.Errorf("rank %d: NewDDP: %v", comm.Rank(), err)
			return nil
		}
		defer d.Close()
		c.AfterBackward = d.Sync
	}
	opt, err := train.NewOptimizer(optName, nn.Params(m), lr)
	if err != nil {
		t.Fatal(err)
	}
	c.Optimizer = opt
	l := data.NewLoader[float64](ds, cfg)
	defer l.Close()
	for range eqSteps {
		b := l.Next()
		c.Step(b.X, b.Labels)
		if err := c.StepErr(); err != nil {
			t.Errorf("step: %v", err)
			return nil
		}
	}
	return stateOf(m)
}

// Shard is data.Shard, named here for brevity.
type Shard = data.Shard

// compareStates fails t unless got and want hold the same names with values
// within tol (relative to max(1, |want|)), returning the largest difference.
func compareStates(t testing.TB, what string, got, want eqState, tol float64) float64 {
	t.Helper()
	worst := 0.0
	if len(got) != len(want) {
		t.Errorf("%s: %d tensors, want %d", what, len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok || len(g) != len(w) {
			t.Errorf("%s: %s missing or of another size", what, name)
			continue
		}
		for i := range w {
			d := math.Abs(g[i]-w[i]) / math.Max(1, math.Abs(w[i]))
			if !(d <= tol) {
				t.Errorf("%s: %s[%d] = %v, want %v (relative difference %g > %g)", what, name, i, g[i], w[i], d, tol)
				break
			}
			worst = max(worst, d)
		}
	}
	return worst
}

// changed reports whether training moved the state away from the
// initial one: a check that the runs compared are not both idle.
func changed(t testing.TB, kind string, s eqState) {
	t.Helper()
	m, _, _ := eqModel(t, kind, 1)
	init := stateOf(m)
	for name, v := range s {
		for i := range v {
			if v[i] != init[name][i] {
				return
			}
		}
	}
	t.Errorf("%s: training changed nothing", kind)
}
