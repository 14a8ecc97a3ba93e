package nn

import (
	"fmt"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// Unbatched inputs. PyTorch's Conv2d, ConvTranspose2d, MaxPool2d,
// AvgPool2d and InstanceNorm2d take a C×H×W input as well as an N×C×H×W
// batch: they treat it as a batch of one and return the result without
// its batch axis. The modules here do the same by reshaping around the
// batched computation (two views, no copy), so the batched path is
// unchanged. The adaptive pooling ops and the padding modules take
// unbatched inputs themselves.

// unbatchedShapes names the shapes the 2-d modules accept, for their
// panics.
const unbatchedShapes = "C×H×W (unbatched) or N×C×H×W"

// asBatch calls f with x when x has rank dims and returns its result; when
// x has rank dims−1 (unbatched), it calls f with x viewed as a batch of one
// and returns the result with that batch axis removed. It panics naming
// the module and the shapes it accepts (want) for any other rank.
func asBatch[T tensor.Float](name, want string, x *autograd.Var[T], dims int, f func(*autograd.Var[T]) *autograd.Var[T]) *autograd.Var[T] {
	switch s := x.Shape(); len(s) {
	case dims:
		return f(x)
	case dims - 1:
		y := f(functional.Reshape(x, append([]int{1}, s...)...))
		return functional.Reshape(y, y.Shape()[1:]...)
	default:
		panic(fmt.Sprintf(errUnbatchedRank, name, s, want))
	}
}
