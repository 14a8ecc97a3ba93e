package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"

	"github.com/tapegrad/tapegrad/benchmarks/normbench"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// normSpecs returns the rows of W6: each normalization layer of
// normbench.Cases composed and fused (W6/composed/layernorm/4096x1024,
// W6/fused/…), then the transposed convolution (W6/convtranspose2d/…),
// every one against PyTorch's own layer.
func normSpecs() []spec {
	var s []spec
	for _, v := range []normbench.Variant{normbench.Composed, normbench.Fused} {
		for _, c := range normbench.Cases {
			s = append(s, spec{id: "W6/" + v.String() + "/" + c.Name(), group: "W6", ref: refTorch, setup: normSetup(v, c)})
		}
	}
	return append(s, spec{id: "W6/" + normbench.Deconv.Name(), group: "W6", ref: refTorch,
		setup: normSetup(normbench.Fused, normbench.Deconv)})
}

// normInputNames are the names of a W6 workload's inputs in the file that
// tapegrad writes for the reference, in normbench.Inputs' order.
var normInputNames = []string{"x", "g", "weight", "bias"}

// normSetup builds one W6 row: normbench's Workload in float32. It writes
// the inputs (x, g, weight and, but for RMSNorm, bias) for the reference
// ("inputs") and names the file the reference writes its y and gradients
// into ("out", under the names of normbench.Result.Named); values compares
// them with tapegrad's.
func normSetup(v normbench.Variant, c normbench.Case) func(string) (runner, map[string]string, error) {
	return func(dir string) (runner, map[string]string, error) {
		w := normbench.NewWorkload[float32](rand.New(rand.NewPCG(seed[0], seed[1])), c)
		name := strings.ReplaceAll(v.String()+"-"+c.Name(), "/", "-")
		files := map[string]string{
			"inputs": filepath.Join(dir, "W6-"+name+"-inputs.safetensors"),
			"out":    filepath.Join(dir, "W6-"+name+"-out.safetensors"),
		}
		if err := writeNormInputs(files["inputs"], w.In); err != nil {
			return runner{}, nil, err
		}
		var last normbench.Result[float32]
		return runner{
			step:  func() { last = w.Step(v) },
			saved: func() int64 { return int64(last.SavedBytes) },
			values: func() ([]valueDiff, error) {
				named := last.Named()
				names, ts := make([]string, len(named)), make([]*tensor.Tensor[float32], len(named))
				for i, n := range named {
					names[i], ts[i] = n.Name, n.Tensor
				}
				return diffOutputs(files["out"], names, ts)
			},
		}, files, nil
	}
}

// writeNormInputs writes a W6 workload's inputs under normInputNames,
// without a bias it does not have.
func writeNormInputs(path string, in normbench.Inputs[float32]) error {
	sw := safetensors.NewWriter()
	for i, t := range []*tensor.Tensor[float32]{in.X, in.G, in.Weight, in.Bias} {
		if t != nil {
			safetensors.Add(sw, normInputNames[i], t)
		}
	}
	return sw.WriteFile(path)
}

// valueDiff is how far one output of tapegrad's step is from the
// reference's: the largest absolute difference of their elements, and the
// largest magnitude of the reference's.
type valueDiff struct {
	Name   string
	MaxAbs float64 // max |tapegrad − reference|
	RefMax float64 // max |reference|
}

// valueTolerance is how far, relative to the largest magnitude of an
// output (or absolutely below 1), tapegrad's and the reference's float32
// outputs may differ: they differ by the rounding of different summation
// orders, around 1e-7 times the square root of the terms summed.
const valueTolerance = 1e-4

// ok says whether the difference is within valueTolerance (false for NaN).
func (d valueDiff) ok() bool { return d.MaxAbs <= valueTolerance*math.Max(1, d.RefMax) }

// diffValues compares tapegrad's output got with the reference's want.
// It returns an error if their shapes differ.
func diffValues(name string, got, want *tensor.Tensor[float32]) (valueDiff, error) {
	if !tensor.SameShape(got, want) {
		return valueDiff{}, fmt.Errorf("%s has shape %v in tapegrad, %v in the reference", name, got.Shape(), want.Shape())
	}
	d := valueDiff{Name: name, MaxAbs: tensor.MaxAbsDiff(got, want)}
	for _, v := range want.Data() {
		d.RefMax = math.Max(d.RefMax, math.Abs(float64(v)))
	}
	return d, nil
}

// diffOutputs compares tapegrad's outputs ts, named names, with the
// tensors of those names the reference wrote to path.
func diffOutputs(path string, names []string, ts []*tensor.Tensor[float32]) ([]valueDiff, error) {
	ref, err := readNamed(path, names)
	if err != nil {
		return nil, fmt.Errorf("reading the reference's outputs: %w", err)
	}
	diffs := make([]valueDiff, len(ts))
	for i, t := range ts {
		if diffs[i], err = diffValues(names[i], t, ref[i]); err != nil {
			return nil, err
		}
	}
	return diffs, nil
}
