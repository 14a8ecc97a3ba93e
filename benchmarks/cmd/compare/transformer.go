package main

import (
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/benchmarks/transformerbench"
)

// transformerSpecs returns the row of W9 (issue 20): transformerbench's
// char-LM training step against PyTorch's twin (benchmarks/pytorch/
// w9_transformer.py) on the same weights and batch, the losses compared at
// the first and the last step, and the bytes each side keeps for the
// backward pass of the forward pass and the loss.
func transformerSpecs() []spec {
	return []spec{{id: "W9", group: "W9", ref: refTorch, check: checkTrain, setup: transformerSetup}}
}

// transformerSetup builds W9: transformerbench's Net, with its weights
// (nn.Save) and batch (the characters as float32 "x", the next characters
// as "labels") written for the reference.
func transformerSetup(dir string) (runner, map[string]string, error) {
	net := transformerbench.NewNet(rand.New(rand.NewPCG(seed[0], seed[1])), transformerbench.Batch)
	files, err := writeShared(dir, "W9", net.Model, net.X, net.Labels)
	if err != nil {
		return runner{}, nil, err
	}
	r := trainRunner(net.TrainStep)
	r.saved = func() int64 { return int64(net.SavedBytes()) }
	return r, files, nil
}
