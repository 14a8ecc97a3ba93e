package main

import (
	"math/rand/v2"
	"path/filepath"

	"github.com/tapegrad/tapegrad/benchmarks/attnbench"
	"github.com/tapegrad/tapegrad/safetensors"
	"github.com/tapegrad/tapegrad/tensor"
)

// attnSpecs returns the rows of W7: attnbench.W7's causal attention
// composed from tape primitives (W7/composed) and fused (W7/fused), both
// against PyTorch 1.13's torch.nn.functional._scaled_dot_product_attention
// with is_causal=True (its CPU kernel is the composition matmul, softmax,
// matmul, with autograd's backward).
func attnSpecs() []spec {
	var s []spec
	for _, v := range []attnbench.Variant{attnbench.Composed, attnbench.Fused} {
		s = append(s, spec{id: "W7/" + v.String(), group: "W7", ref: refTorch, setup: attnSetup(v)})
	}
	return s
}

// attnInputNames are the names of W7's inputs in the file that tapegrad
// writes for the reference, in attnbench.Inputs' order.
var attnInputNames = []string{"q", "k", "v", "g"}

// attnSetup builds one W7 row: attnbench's Workload in float32. It writes
// q, k, v and g for the reference ("inputs") and names the file the
// reference writes its y and gradients into ("out", under the names of
// attnbench.Result.Named); values compares them with tapegrad's.
func attnSetup(v attnbench.Variant) func(string) (runner, map[string]string, error) {
	return func(dir string) (runner, map[string]string, error) {
		w := attnbench.NewWorkload[float32](rand.New(rand.NewPCG(seed[0], seed[1])), attnbench.W7)
		files := map[string]string{
			"inputs": filepath.Join(dir, "W7-"+v.String()+"-inputs.safetensors"),
			"out":    filepath.Join(dir, "W7-"+v.String()+"-out.safetensors"),
		}
		sw := safetensors.NewWriter()
		for i, t := range []*tensor.Tensor[float32]{w.In.Q, w.In.K, w.In.V, w.In.G} {
			safetensors.Add(sw, attnInputNames[i], t)
		}
		if err := sw.WriteFile(files["inputs"]); err != nil {
			return runner{}, nil, err
		}
		var last attnbench.Result[float32]
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
