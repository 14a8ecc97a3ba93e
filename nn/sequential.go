package nn

import (
	"strconv"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// Sequential applies its layers in order, as PyTorch's nn.Sequential; layer i
// is the child named "i", so a Sequential's parameters are named "0.weight",
// "0.bias", "2.weight", … exactly as in PyTorch.
type Sequential[T tensor.Float] struct {
	Layers []Module[T]
}

// NewSequential returns a Sequential of the given layers.
func NewSequential[T tensor.Float](layers ...Module[T]) *Sequential[T] {
	return &Sequential[T]{Layers: layers}
}

// Append adds layers at the end.
func (s *Sequential[T]) Append(layers ...Module[T]) { s.Layers = append(s.Layers, layers...) }

// Forward feeds x through every layer in turn.
//
// With recording off on a tape that reuses buffers (inference under
// autograd.Tape.SetGradEnabled(false), PyTorch's torch.no_grad()), each
// intermediate output goes back to the tape's arena once the next layer has
// consumed it (autograd.Tape.ReleaseValue), so that a pass holds about two
// activations at a time rather than every layer's: the intermediate outputs
// are the Sequential's own. An output that shares its storage with the
// layer's input — a layer that returned its input or a reshaped view of
// it, such as Flatten — is not released until the storage's last view has
// been consumed, and x's own storage, the caller's, never is.
//
// Where nothing records the layers (inference under no-grad), a Conv2d
// followed by a BatchNorm in evaluation mode and a ReLU runs as one op that
// gives the same bits (Conv2d's fuseForward, conv_fuse.go).
func (s *Sequential[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	tape := x.Tape()
	in := x.Value()
	for i := 0; i < len(s.Layers); i++ {
		l := s.Layers[i]
		var y *autograd.Var[T]
		if f, ok := l.(fuser[T]); ok {
			var used int
			y, used = f.fuseForward(x, s.Layers[i+1:])
			i += used
		}
		if y == nil {
			y = l.Forward(x)
		}
		if tape != nil && y.Tape() == tape && !sameStorage(y.Value(), x.Value()) && !sameStorage(x.Value(), in) {
			tape.ReleaseValue(x)
		}
		x = y
	}
	return x
}

// sameStorage reports whether a and b share their storage's first element,
// as a tensor and its reshaped views do.
func sameStorage[T tensor.Float](a, b *tensor.Tensor[T]) bool {
	if a.Size() == 0 || b.Size() == 0 {
		return false
	}
	return &a.Data()[0] == &b.Data()[0]
}

// State lists the layers as children "0", "1", ….
func (s *Sequential[T]) State() State[T] {
	st := State[T]{Children: make([]Child[T], len(s.Layers))}
	for i, l := range s.Layers {
		st.Children[i] = Child[T]{Name: strconv.Itoa(i), Module: l}
	}
	return st
}
