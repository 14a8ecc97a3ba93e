package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/benchmarks/bnbench"
	"github.com/tapegrad/tapegrad/benchmarks/convbench"
	"github.com/tapegrad/tapegrad/benchmarks/gemmbench"
	"github.com/tapegrad/tapegrad/benchmarks/hvpbench"
	"github.com/tapegrad/tapegrad/benchmarks/mlpbench"
	"github.com/tapegrad/tapegrad/benchmarks/tapebench"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/nn"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// Which library the reference side of a workload runs in.
const (
	refTorch = "torch"
	refNumPy = "numpy"
)

// What a workload's check value is: nothing, the loss of a training step
// (compared at the first and the last step), the cross-entropy of
// eval-mode logits (compared once; it does not change), or for W10 the loss
// at which the Hessian–vector product is taken (compared once), along
// with the product itself (runner.compare).
const (
	checkNone = iota
	checkTrain
	checkEval
	checkHVP
)

// seed seeds every workload's source, as the testing.B benchmarks do.
var seed = [2]uint64{1, 2}

// spec is one row of the comparison: a workload id as the testing.B
// sub-benchmarks and workloads.py name it, the group -only selects it by,
// the reference library, the floating-point operations of one step (GEMM
// rows only), what its check value is, and how tapegrad's side is built.
type spec struct {
	id    string
	group string
	ref   string
	flops float64
	check int
	// setup builds tapegrad's side. Files it writes for the reference
	// (weights, batch) go in dir, and it returns their paths by role
	// ("model", "batch") for workloads.py.
	setup func(dir string) (runner, map[string]string, error)
}

// runner is tapegrad's side of a workload, built by spec.setup. step is what
// is timed; check, called outside the timer, returns the check value of the
// last step (nil when the spec has none). compare, if set, is called once
// the reference has run its first step with the check asked for: it reads
// the result the reference wrote (W10's Hv) and returns the relative error
// of tapegrad's last result against it. saved, if set (W3, W6), returns
// the bytes tapegrad's tape keeps for the backward pass of a step
// (Tape.SavedBytes), called after a step. values, if set (W6), is called
// after both sides' first step: it reads the outputs the reference wrote
// at its setup and returns how far tapegrad's last step's are from them.
type runner struct {
	step    func()
	check   func() float64
	compare func() (float64, error)
	saved   func() int64
	values  func() ([]valueDiff, error)
}

// groups lists the workload groups in the order they run.
var groups = []string{"W1", "W1b", "W2", "W2e", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "W10"}

// specs returns every row, group by group.
func specs() []spec {
	s := []spec{
		{id: "W1", group: "W1", ref: refTorch, check: checkTrain, setup: mlpSetup("W1", mlpbench.W1Hidden)},
		{id: "W1b", group: "W1b", ref: refTorch, check: checkTrain, setup: mlpSetup("W1b", mlpbench.W1bHidden)},
		{id: "W2", group: "W2", ref: refTorch, check: checkTrain, setup: convTrainSetup},
		{id: "W2e", group: "W2e", ref: refTorch, check: checkEval, setup: convInferSetup},
	}
	for _, v := range []bnbench.Variant{bnbench.Composed, bnbench.Fused} {
		for _, shape := range bnbench.Shapes {
			s = append(s, spec{id: "W3/" + v.String() + "/" + bnbench.ShapeName(shape), group: "W3", ref: refTorch,
				setup: bnSetup(v, shape)})
		}
	}
	for _, dtype := range []string{"float32", "float64"} {
		for _, shape := range gemmbench.Shapes {
			s = append(s, spec{id: "W4/" + dtype + "/" + shape.Name(), group: "W4", ref: refNumPy,
				flops: shape.FLOPs(), setup: gemmSetup(dtype, shape)})
		}
	}
	s = append(s, spec{id: "W5", group: "W5", ref: refTorch, setup: tapeSetup})
	s = append(s, normSpecs()...)
	s = append(s, attnSpecs()...) // W7, attention (issue 20)
	// W8, the LSTM training step (issue 20, rnn.go).
	s = append(s, spec{id: "W8", group: "W8", ref: refTorch, check: checkTrain, setup: w8Setup})
	s = append(s, transformerSpecs()...) // W9 (issue 20)
	return append(s, spec{id: "W10", group: "W10", ref: refTorch, check: checkHVP, setup: hvpSetup})
}

// selectSpecs returns the specs that a comma-separated -only list names, in
// the order of specs. An item is a group (W1, W3, …) or a row id or its
// prefix up to a slash (W4/float32, W3/fused/200x100); case does not matter.
// The empty list selects everything.
func selectSpecs(all []spec, only string) ([]spec, error) {
	if strings.TrimSpace(only) == "" {
		return all, nil
	}
	picked := make([]bool, len(all))
	for _, item := range strings.Split(only, ",") {
		item = strings.TrimSpace(item)
		found := false
		for i, s := range all {
			if strings.EqualFold(s.group, item) || strings.EqualFold(s.id, item) ||
				(strings.Contains(item, "/") && len(s.id) > len(item) && strings.EqualFold(s.id[:len(item)+1], item+"/")) {
				picked[i], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("-only: no workload %q; want a comma-separated list of %s, or row ids such as W4/float32 or W3/fused/200x100",
				item, strings.Join(groups, ", "))
		}
	}
	var out []spec
	for i, s := range all {
		if picked[i] {
			out = append(out, s)
		}
	}
	return out, nil
}

// mlpSetup builds W1 or W1b: mlpbench's Net, with its weights (nn.Save)
// and batch written for the reference.
func mlpSetup(name string, hidden []int) func(string) (runner, map[string]string, error) {
	return func(dir string) (runner, map[string]string, error) {
		net := mlpbench.NewNet(rand.New(rand.NewPCG(seed[0], seed[1])), hidden, mlpbench.Batch)
		files, err := writeShared(dir, name, net.Model, net.X, net.Labels)
		if err != nil {
			return runner{}, nil, err
		}
		return trainRunner(net.TrainStep), files, nil
	}
}

// convTrainSetup builds W2: convbench's Net, with its weights and batch
// written for the reference.
func convTrainSetup(dir string) (runner, map[string]string, error) {
	net := convbench.NewNet(rand.New(rand.NewPCG(seed[0], seed[1])), convbench.Batch)
	x, labels := convBatch(seed, convbench.Batch)
	files, err := writeShared(dir, "W2", net.Model, x, labels)
	if err != nil {
		return runner{}, nil, err
	}
	return trainRunner(net.TrainStep), files, nil
}

// trainRunner runs a training step whose check is the loss it returned.
func trainRunner(step func() float32) runner {
	var loss float32
	return runner{
		step:  func() { loss = step() },
		check: func() float64 { return float64(loss) },
	}
}

// convInferSetup builds W2e: convbench's Net in evaluation mode. Its check
// is the cross-entropy of the logits.
func convInferSetup(dir string) (runner, map[string]string, error) {
	net := convbench.NewNet(rand.New(rand.NewPCG(seed[0], seed[1])), convbench.Batch)
	net.SetTraining(false)
	x, labels := convBatch(seed, convbench.Batch)
	files, err := writeShared(dir, "W2e", net.Model, x, labels)
	if err != nil {
		return runner{}, nil, err
	}
	var logits *tensor.Tensor[float32]
	return runner{
		step: func() { logits = net.Infer() },
		check: func() float64 {
			return float64(functional.CrossEntropy(autograd.NewConst(logits), labels).Value().Item())
		},
	}, files, nil
}

// convBatch returns the batch convbench.NewNet draws from a source seeded
// with s: NewNet draws the ConvNet's weights, then n labels, then the n
// images, so the same draws from a fresh source give the same batch.
// TestConvBatchIsNetBatch checks that it does.
func convBatch(s [2]uint64, n int) (*tensor.Tensor[float32], []int) {
	rng := rand.New(rand.NewPCG(s[0], s[1]))
	nn.NewConvNet[float32](convbench.Channels, convbench.Classes, rng)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = rng.IntN(convbench.Classes)
	}
	return tensor.RandN[float32](rng, n, convbench.Channels, convbench.ImageSize, convbench.ImageSize), labels
}

// writeShared writes the model's state_dict with nn.Save, and the batch as
// "x" (F32) and "labels" (I64), to dir, and returns their paths.
func writeShared(dir, name string, m nn.Module[float32], x *tensor.Tensor[float32], labels []int) (map[string]string, error) {
	files := map[string]string{
		"model": filepath.Join(dir, name+"-model.safetensors"),
		"batch": filepath.Join(dir, name+"-batch.safetensors"),
	}
	if err := nn.Save(files["model"], m); err != nil {
		return nil, err
	}
	w := safetensors.NewWriter()
	safetensors.Add(w, "x", x)
	ints := make([]int64, len(labels))
	for i, l := range labels {
		ints[i] = int64(l)
	}
	w.AddInt64("labels", []int{len(labels)}, ints)
	if err := w.WriteFile(files["batch"]); err != nil {
		return nil, err
	}
	return files, nil
}

// bnSetup builds one W3 row: bnbench's Workload in float32, with the bytes
// its tape keeps.
func bnSetup(v bnbench.Variant, shape []int) func(string) (runner, map[string]string, error) {
	return func(string) (runner, map[string]string, error) {
		w := bnbench.NewWorkload[float32](rand.New(rand.NewPCG(seed[0], seed[1])), shape...)
		var saved int
		return runner{
			step:  func() { saved = w.Step(v).SavedBytes },
			saved: func() int64 { return int64(saved) },
		}, nil, nil
	}
}

// gemmSetup builds one W4 row: gemmbench's Workload.
func gemmSetup(dtype string, s gemmbench.Shape) func(string) (runner, map[string]string, error) {
	return func(string) (runner, map[string]string, error) {
		rng := rand.New(rand.NewPCG(seed[0], seed[1]))
		if dtype == "float32" {
			w := gemmbench.NewWorkload[float32](rng, s)
			return runner{step: func() { w.Run() }}, nil, nil
		}
		w := gemmbench.NewWorkload[float64](rng, s)
		return runner{step: func() { w.Run() }}, nil, nil
	}
}

// tapeSetup builds W5: tapebench's Workload without anomaly detection.
func tapeSetup(string) (runner, map[string]string, error) {
	w := tapebench.NewWorkload(false)
	return runner{step: func() { w.Step() }}, nil, nil
}

// hvpSetup builds W10: hvpbench's Workload, W1's MLP and batch with a
// random v. Besides the weights and the batch it writes v ("v", one tensor
// per parameter under its state_dict name) and names the file the
// reference writes its Hv into ("hv", the same names). Its check is the
// loss; compare reads the reference's Hv and returns
// ‖Hv_tapegrad − Hv_reference‖ / ‖Hv_reference‖ over all the parameters.
func hvpSetup(dir string) (runner, map[string]string, error) {
	w := hvpbench.New(rand.New(rand.NewPCG(seed[0], seed[1])), mlpbench.W1Hidden, mlpbench.Batch)
	files, err := writeShared(dir, "W10", w.Net.Model, w.Net.X, w.Net.Labels)
	if err != nil {
		return runner{}, nil, err
	}
	names := paramNames(w.Net.Model)
	files["v"] = filepath.Join(dir, "W10-v.safetensors")
	files["hv"] = filepath.Join(dir, "W10-hv.safetensors")
	sw := safetensors.NewWriter()
	for i, name := range names {
		safetensors.Add(sw, name, w.V[i])
	}
	if err := sw.WriteFile(files["v"]); err != nil {
		return runner{}, nil, err
	}
	return runner{
		step:  w.Step,
		check: func() float64 { return float64(w.Loss()) },
		compare: func() (float64, error) {
			ref, err := readNamed(files["hv"], names)
			if err != nil {
				return 0, fmt.Errorf("reading the reference's Hv: %w", err)
			}
			return relativeError(w.HV(), ref)
		},
	}, files, nil
}

// paramNames returns the state_dict names of m's parameters, in nn.Params
// order.
func paramNames(m nn.Module[float32]) []string {
	var names []string
	for _, p := range nn.NamedParams(m) {
		names = append(names, p.Name)
	}
	return names
}

// readNamed reads the float32 tensors of a safetensors file by name, in the
// order of names.
func readNamed(path string, names []string) ([]*tensor.Tensor[float32], error) {
	f, err := safetensors.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := make([]*tensor.Tensor[float32], len(names))
	for i, name := range names {
		if out[i], err = safetensors.Read[float32](f, name); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// relativeError returns ‖got − want‖ / ‖want‖ over lists of tensors taken
// as one vector, in float64. It returns an error if the lists or their
// tensors' shapes differ, or if want is zero.
func relativeError(got, want []*tensor.Tensor[float32]) (float64, error) {
	if len(got) != len(want) {
		return 0, fmt.Errorf("%d tensors, want %d", len(got), len(want))
	}
	var diff, norm float64
	for i := range got {
		if !tensor.SameShape(got[i], want[i]) {
			return 0, fmt.Errorf("tensor %d has shape %v, want %v", i, got[i].Shape(), want[i].Shape())
		}
		w := want[i].Data()
		for j, g := range got[i].Data() {
			d := float64(g) - float64(w[j])
			diff += d * d
			norm += float64(w[j]) * float64(w[j])
		}
	}
	if norm == 0 {
		return 0, fmt.Errorf("the reference's result is zero")
	}
	return math.Sqrt(diff / norm), nil
}
