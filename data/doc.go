// Package data feeds labeled examples to training and evaluation loops.
//
// A Dataset is an indexed set of examples of one shape (C×H×W for images)
// whose Example method writes raw values, such as pixels 0–255, into a float32
// slice. Images is the in-memory Dataset of uint8 images that the readers in
// data/cifar10 and data/mnist return.
//
// # Normalization
//
// A Normalization maps raw values x to inputs (x − Mean)/Std, with Mean and
// Std given per pixel or per channel. The course's preprocessing keeps raw
// pixel values 0–255 as floats and subtracts the mean training image, without
// scaling:
//
//	norm := data.MeanImage(train) // per-pixel mean, Std nil
//
// applied to the training and the test set alike. ChannelStats gives the
// per-channel mean and standard deviation that torchvision's Normalize uses
// instead.
//
// # Loading
//
// A Loader yields training batches endlessly: it shuffles every epoch,
// optionally augments (Augment: random crop with zero padding, horizontal
// flip), normalizes, and prepares the next batch in a goroutine while the
// caller trains on the current one. Every batch is a pure function of the
// seed and its global step, so prefetching, GOMAXPROCS and resuming with Seek
// never change a bit. Batches walks a dataset in order for evaluation.
//
// Programming errors — a batch size below 1, a normalization of the wrong
// length — panic with a message that starts with "data:".
package data
