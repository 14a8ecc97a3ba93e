package nn

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Flatten reshapes N×d1×…×dk to N×(d1·…·dk), as PyTorch's nn.Flatten with
// its defaults: the batch axis stays, the rest become one. The output shares
// the input's data.
type Flatten[T tensor.Float] struct{ stateless[T] }

// Forward returns x flattened after its first axis. It panics on fewer than
// 2 dimensions.
func (Flatten[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	s := x.Shape()
	if len(s) < 2 {
		panic(fmt.Sprintf(errFlatten, s))
	}
	return functional.Reshape(x, s[0], tensor.NumElems(s[1:]))
}
