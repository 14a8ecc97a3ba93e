// Package mnist reads MNIST and Fashion-MNIST, which share one file format
// (IDX) and one layout: 60000 training and 10000 test images of 28×28 grey
// pixels, 0–255, in 10 classes.
//
// Read parses one IDX file, gzip-compressed or not. Load and LoadFashion find
// a split's image and label files in a directory, check them against each
// other and return a *data.Images with C=1, H=W=28 and the class names:
//
//	train, err := mnist.LoadFashion(mnist.DebianFashionDir, true)
//
// Debian's dataset-fashion-mnist package installs Fashion-MNIST under
// /usr/share/datasets/fashion-mnist (DebianFashionDir).
//
// The values stay raw, 0–255. The course's preprocessing subtracts the mean
// training image (data.MeanImage) and keeps the scale; a data.Loader applies
// it batch by batch.
//
// Malformed, truncated or oversized files give errors that say what was
// expected and what was found; the package never panics on its input.
package mnist
