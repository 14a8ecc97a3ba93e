package main

import (
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/benchmarks/rnnbench"
)

// w8Setup builds W8 (issue 20): rnnbench's Net, the LSTM classifier, with
// its weights (nn.Save, under the PyTorch twin's state_dict keys) and batch
// written for the reference, so that both sides' losses must agree.
func w8Setup(dir string) (runner, map[string]string, error) {
	net := rnnbench.NewNet(rand.New(rand.NewPCG(seed[0], seed[1])))
	files, err := writeShared(dir, "W8", net.Model, net.X, net.Labels)
	if err != nil {
		return runner{}, nil, err
	}
	return trainRunner(net.TrainStep), files, nil
}
