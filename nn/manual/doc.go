// Package manual is the course's first part: a multi-layer perceptron trained
// with hand-written backpropagation and no tape. Every module computes its
// own gradients: Forward caches what Backward needs, and Backward receives the
// gradient of the loss with respect to the module's output, fills the
// gradients of its parameters and returns the gradient with respect to its
// input — the way the assignment's NumPy modules do it.
//
// The layout is PyTorch's and the rest of tapegrad's: a batch is B×d with one
// example per row, and Linear computes Y = X·Wᵀ + b with W of shape out×in.
// docs/backprop.md derives every Backward in this package.
//
// The tape-based MLP (functional and nn) must produce the same gradients;
// the tests check it to 1e-10 in float64.
//
// Modules panic, with messages that start with "manual:", when Backward is
// called before Forward or shapes do not fit.
package manual
