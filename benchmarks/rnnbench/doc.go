// Package rnnbench is workload W8 of WORKLOADS.md, one training step of an
// LSTM classifier on sequential Fashion-MNIST: each 28×28 image read as 28
// time steps of 28 pixels by an LSTM with 128 hidden units, its last
// hidden state mapped to 10 classes by a linear layer, trained with Adam at
// lr 1e-3 on a batch of 128, as code that both the testing.B benchmark of
// package benchmarks and the compare command run.
//
// A Net is the model in float32 with PyTorch's initialization, trained by
// a train.Classifier (forward on a reused tape, mean softmax cross-entropy,
// backward, Adam's update), and one fixed random batch (X, Labels):
//
//	net := rnnbench.NewNet(rand.New(rand.NewPCG(1, 2)))
//	loss := net.TrainStep()
//
// The model's state_dict keys are those of the PyTorch twin in
// benchmarks/pytorch/workloads.py (lstm.weight_ih_l0, …, fc.weight,
// fc.bias), so that nn.Save hands it the same weights and the losses can be
// compared.
package rnnbench
