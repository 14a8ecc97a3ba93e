// Package convbench is workloads W2 and W2e of WORKLOADS.md, the course's
// VGG-style ConvNet trained and evaluated on CIFAR-10-sized batches, and the
// convolutions it is made of, as code that both the testing.B benchmarks of
// package benchmarks and a future comparison command (against PyTorch on
// the CPU, say) run.
//
// Convs lists the ConvNet's eight convolutions with the input each sees on a
// 32×32×3 image; a ConvWorkload times one of them alone through ops.Conv2d,
// forward or backward, and Conv.FLOPs turns a time into GFLOP/s. A Net is
// the whole ConvNet trained by a train.Classifier with Adam, and a fixed
// random batch: TrainStep is train.Classifier.Step, the training step users
// run, and Infer is train.Classifier.Predict, in evaluation mode after
// SetTraining(false):
//
//	net := convbench.NewNet(rand.New(rand.NewPCG(1, 2)), convbench.Batch)
//	loss := net.TrainStep() // W2: forward, cross-entropy, backward, Adam
//	net.SetTraining(false)
//	logits := net.Infer()   // W2e: forward only
package convbench
