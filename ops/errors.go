package ops

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// Panic messages of the package.
const (
	errArity      = "ops: %s takes %d input(s), got %d"
	errConv       = "ops: Conv2d of input %v with weights %v (stride %v, padding %v, dilation %v, groups %d): %s"
	errConvBias   = "ops: Conv2d: bias of shape %v, want [%d]"
	errBroadcast  = "ops: %s: shapes %v and %v cannot be broadcast together"
	errMatMul     = "ops: MatMul: cannot multiply shapes %v and %v"
	errReshape    = "ops: Reshape: cannot reshape %v into %v"
	errBNRank     = "ops: %s needs an input of shape N×C or N×C×…, got %v"
	errBNParams   = "ops: %s: γ of shape %v and β of shape %v do not match input %v with %d channels"
	errGatherRank = "ops: Gather needs a 2-d input (rows×classes), got shape %v"
	errGatherLen  = "ops: Gather: %d indices for %d rows"
	errGatherIdx  = "ops: Gather: index %d of row %d is out of range for %d columns"

	errPoolRank     = "ops: %s needs a 4-d input N×C×H×W with H, W ≥ 1, got shape %v"
	errPoolSettings = "ops: %s: kernel %v must be at least 1, stride %v and padding %v at least 0 (input shape %v)"
	errPoolPad      = "ops: %s: padding %v must be at most half of kernel %v (input shape %v)"
	errPoolOutput   = "ops: %s: input shape %v with kernel %v, stride %v, padding %v, dilation %v and ceil_mode %t gives an output of %d×%d"
	errPoolDilation = "ops: %s: dilation %v must be at least 0 (input shape %v)"
)

// checkArity panics unless in holds exactly n tensors.
func checkArity[T tensor.Float](name string, in []*tensor.Tensor[T], n int) {
	if len(in) != n {
		panic(fmt.Sprintf(errArity, name, n, len(in)))
	}
}

// checkBroadcast panics, naming the op, unless a and b broadcast together.
func checkBroadcast[T tensor.Float](name string, a, b *tensor.Tensor[T]) {
	if _, ok := tensor.BroadcastShapes(a.Shape(), b.Shape()); !ok {
		panic(fmt.Sprintf(errBroadcast, name, a.Shape(), b.Shape()))
	}
}
