// Package mlpbench is workloads W1 and W1b of WORKLOADS.md, one training
// step of the course's MLP (3072→100→10) and of a deeper one
// (3072→512→256→128→10) on a CIFAR-10-sized batch, as code that both the
// testing.B benchmarks of package benchmarks and the compare command run.
//
// A Net is the MLP in float32 with ReLU activations and PyTorch's
// initialization, trained by a train.Classifier with plain SGD at lr 2e-3,
// and one fixed random batch (X, Labels). TrainStep is train.Classifier.Step
// — the training step users run, in the example trainers and train.Fit:
// forward on a reused tape, mean softmax cross-entropy, backward and the SGD
// update:
//
//	net := mlpbench.NewNet(rand.New(rand.NewPCG(1, 2)), mlpbench.W1Hidden, mlpbench.Batch)
//	loss := net.TrainStep()
//
// Model, X and Labels are exported so that the same weights and batch can
// be handed to another framework (nn.Save writes a checkpoint PyTorch
// loads) and the losses compared.
package mlpbench
