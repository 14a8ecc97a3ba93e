package nn

import (
	"fmt"
	"slices"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/functional"
	"github.com/tapegrad/tapegrad/tensor"
)

// The padding modules of PyTorch: ConstantPad1d/2d/3d, ZeroPad2d,
// ReflectionPad1d/2d/3d and ReplicationPad1d/2d/3d. Each pads the last 1, 2
// or 3 axes of its input by calling functional.Pad, and has no parameters or
// buffers, so its state_dict is empty, as PyTorch's.
//
// Padding holds PyTorch's expanded padding tuple, as the module's padding
// attribute: (left, right) for 1d; (left, right, top, bottom) for 2d, left
// and right padding the last axis, top and bottom the one before; and
// (left, right, top, bottom, front, back) for 3d, front and back padding the
// third axis from the end. The constructors take the padding as PyTorch's
// do, as one value for every side or the whole tuple: NewZeroPad2d(1) is
// nn.ZeroPad2d(1) and NewZeroPad2d(1, 2, 3, 4) is nn.ZeroPad2d((1, 2, 3, 4)).
// The constant modules take it as a slice, before the value, in PyTorch's
// order: NewConstantPad1d([]int{2}, 3.5) is nn.ConstantPad1d(2, 3.5).
//
// A negative pad crops, as in PyTorch, in every mode. The reflection and
// replication modules take a batch axis of any size, an unbatched input's
// channel axis may be empty too (PyTorch's kernels disagree there: its
// ReflectionPad1d and 2d allow it, the others do not), every other axis must
// be non-empty, and at least one padded axis of the output must be
// non-empty, as in PyTorch.

// expandPads returns the padding tuple of a module padding k axes, given
// pads as a constructor takes them: one value for all 2k sides, or 2k
// values. It panics naming the constructor otherwise.
func expandPads(name string, k int, pads []int) []int {
	out := make([]int, 2*k)
	switch len(pads) {
	case 1:
		for i := range out {
			out[i] = pads[0]
		}
	case 2 * k:
		copy(out, pads)
	default:
		panic(fmt.Sprintf(errPadCount, name, pads, 2*k))
	}
	return out
}

// padConstant pads the last len(pads)/2 axes of x with value, as the
// ConstantPadNd modules: x needs at least that many axes, as in PyTorch.
func padConstant[T tensor.Float](name string, x *autograd.Var[T], pads []int, value T) *autograd.Var[T] {
	k := len(pads) / 2
	if s := x.Shape(); len(s) < k {
		panic(fmt.Sprintf(errPadRank, name, pads, s, fmt.Sprintf("at least %d dimensions", k)))
	}
	return functional.Pad(x, pads, functional.PadConstant, value)
}

// padCopy pads the last len(pads)/2 axes of x in mode, as the ReflectionPadNd
// and ReplicationPadNd modules: x has k+1 axes (channels, then the padded
// ones) or k+2 (a batch axis first), every one non-empty but the first, and
// the padding must leave at least one padded axis non-empty, as in PyTorch.
func padCopy[T tensor.Float](name string, x *autograd.Var[T], pads []int, mode functional.PadMode) *autograd.Var[T] {
	k := len(pads) / 2
	s := x.Shape()
	if len(s) != k+1 && len(s) != k+2 {
		panic(fmt.Sprintf(errPadRank, name, pads, s, fmt.Sprintf("%d or %d dimensions (batch mode)", k+1, k+2)))
	}
	if slices.Contains(s[1:], 0) {
		panic(fmt.Sprintf(errPadEmpty, name, pads, s))
	}
	empty := true
	for i := range k {
		n := s[len(s)-1-i] + pads[2*i] + pads[2*i+1]
		if n < 0 {
			empty = false // functional.Pad's panic says more
			break
		}
		empty = empty && n == 0
	}
	if empty {
		panic(fmt.Sprintf(errPadOutEmpty, name, pads, s))
	}
	return functional.Pad(x, pads, mode, 0)
}

// ConstantPad1d is PyTorch's nn.ConstantPad1d: it pads the last axis of its
// input by Padding (left, right) with Value; see padding.go's introduction.
//
//	y = F.pad(x, Padding, "constant", Value)    …×(W+left+right)
//
// Forward panics if x has no axis or a padded size is negative.
type ConstantPad1d[T tensor.Float] struct {
	stateless[T]
	Padding [2]int
	Value   T
}

// NewConstantPad1d returns nn.ConstantPad1d(padding, value): padding is one
// value for both sides or (left, right). It panics on any other number of
// values.
func NewConstantPad1d[T tensor.Float](padding []int, value T) *ConstantPad1d[T] {
	return &ConstantPad1d[T]{Padding: [2]int(expandPads("ConstantPad1d", 1, padding)), Value: value}
}

// Forward pads x.
func (m *ConstantPad1d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return padConstant("ConstantPad1d", x, m.Padding[:], m.Value)
}

// ConstantPad2d is PyTorch's nn.ConstantPad2d: it pads the last two axes of
// its input by Padding (left, right, top, bottom) with Value; see
// padding.go's introduction.
//
//	y = F.pad(x, Padding, "constant", Value)    …×(H+top+bottom)×(W+left+right)
//
// Forward panics if x has fewer than 2 axes or a padded size is negative.
type ConstantPad2d[T tensor.Float] struct {
	stateless[T]
	Padding [4]int
	Value   T
}

// NewConstantPad2d returns nn.ConstantPad2d(padding, value): padding is one
// value for every side or (left, right, top, bottom). It panics on any other
// number of values.
func NewConstantPad2d[T tensor.Float](padding []int, value T) *ConstantPad2d[T] {
	return &ConstantPad2d[T]{Padding: [4]int(expandPads("ConstantPad2d", 2, padding)), Value: value}
}

// Forward pads x.
func (m *ConstantPad2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return padConstant("ConstantPad2d", x, m.Padding[:], m.Value)
}

// ConstantPad3d is PyTorch's nn.ConstantPad3d: it pads the last three axes
// of its input by Padding (left, right, top, bottom, front, back) with
// Value; see padding.go's introduction.
//
//	y = F.pad(x, Padding, "constant", Value)    …×(D+front+back)×(H+top+bottom)×(W+left+right)
//
// Forward panics if x has fewer than 3 axes or a padded size is negative.
type ConstantPad3d[T tensor.Float] struct {
	stateless[T]
	Padding [6]int
	Value   T
}

// NewConstantPad3d returns nn.ConstantPad3d(padding, value): padding is one
// value for every side or (left, right, top, bottom, front, back). It
// panics on any other number of values.
func NewConstantPad3d[T tensor.Float](padding []int, value T) *ConstantPad3d[T] {
	return &ConstantPad3d[T]{Padding: [6]int(expandPads("ConstantPad3d", 3, padding)), Value: value}
}

// Forward pads x.
func (m *ConstantPad3d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return padConstant("ConstantPad3d", x, m.Padding[:], m.Value)
}

// ZeroPad2d is PyTorch's nn.ZeroPad2d: ConstantPad2d with the value 0. It
// pads the last two axes of its input by Padding (left, right, top,
// bottom); see padding.go's introduction.
//
//	y = F.pad(x, Padding, "constant", 0)    …×(H+top+bottom)×(W+left+right)
//
// Forward panics if x has fewer than 2 axes or a padded size is negative.
type ZeroPad2d[T tensor.Float] struct {
	stateless[T]
	Padding [4]int
}

// NewZeroPad2d returns nn.ZeroPad2d(padding): one value for every side, or
// left, right, top, bottom. It panics on any other number of values.
func NewZeroPad2d[T tensor.Float](padding ...int) *ZeroPad2d[T] {
	return &ZeroPad2d[T]{Padding: [4]int(expandPads("ZeroPad2d", 2, padding))}
}

// Forward pads x.
func (m *ZeroPad2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return padConstant("ZeroPad2d", x, m.Padding[:], 0)
}

// ReflectionPad1d is PyTorch's nn.ReflectionPad1d: it pads the last axis of
// a C×W or N×C×W input by Padding (left, right), mirroring the axis about
// its first and last positions, which are not repeated; see padding.go's
// introduction and ops.Pad.
//
//	y = F.pad(x, Padding, "reflect")    …×(W+left+right)
//
// Forward panics if x is not 2-d or 3-d, if an axis but the first is
// empty, if the padding leaves W empty, or if a pad is not less than W.
type ReflectionPad1d[T tensor.Float] struct {
	stateless[T]
	Padding [2]int
}

// NewReflectionPad1d returns nn.ReflectionPad1d(padding): one value for
// both sides, or left, right. It panics on any other number of values.
func NewReflectionPad1d[T tensor.Float](padding ...int) *ReflectionPad1d[T] {
	return &ReflectionPad1d[T]{Padding: [2]int(expandPads("ReflectionPad1d", 1, padding))}
}

// Forward pads x.
func (m *ReflectionPad1d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return padCopy("ReflectionPad1d", x, m.Padding[:], functional.PadReflect)
}

// ReflectionPad2d is PyTorch's nn.ReflectionPad2d: it pads the last two axes
// of a C×H×W or N×C×H×W input by Padding (left, right, top, bottom),
// mirroring each axis about its first and last positions; see padding.go's
// introduction and ops.Pad.
//
//	y = F.pad(x, Padding, "reflect")    …×(H+top+bottom)×(W+left+right)
//
// Forward panics if x is not 3-d or 4-d, if an axis but the first is
// empty, if the padding leaves every padded axis empty, or if a pad is
// not less than the size of the axis it pads.
type ReflectionPad2d[T tensor.Float] struct {
	stateless[T]
	Padding [4]int
}

// NewReflectionPad2d returns nn.ReflectionPad2d(padding): one value for
// every side, or left, right, top, bottom. It panics on any other number
// of values.
func NewReflectionPad2d[T tensor.Float](padding ...int) *ReflectionPad2d[T] {
	return &ReflectionPad2d[T]{Padding: [4]int(expandPads("ReflectionPad2d", 2, padding))}
}

// Forward pads x.
func (m *ReflectionPad2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return padCopy("ReflectionPad2d", x, m.Padding[:], functional.PadReflect)
}

// ReflectionPad3d is PyTorch's nn.ReflectionPad3d: it pads the last three
// axes of a C×D×H×W or N×C×D×H×W input by Padding (left, right, top,
// bottom, front, back), mirroring each axis about its first and last
// positions; see padding.go's introduction and ops.Pad.
//
//	y = F.pad(x, Padding, "reflect")    …×(D+front+back)×(H+top+bottom)×(W+left+right)
//
// Forward panics if x is not 4-d or 5-d, if an axis but the first is
// empty, if the padding leaves every padded axis empty, or if a pad is
// not less than the size of the axis it pads.
type ReflectionPad3d[T tensor.Float] struct {
	stateless[T]
	Padding [6]int
}

// NewReflectionPad3d returns nn.ReflectionPad3d(padding): one value for
// every side, or left, right, top, bottom, front, back. It panics on any
// other number of values.
func NewReflectionPad3d[T tensor.Float](padding ...int) *ReflectionPad3d[T] {
	return &ReflectionPad3d[T]{Padding: [6]int(expandPads("ReflectionPad3d", 3, padding))}
}

// Forward pads x.
func (m *ReflectionPad3d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return padCopy("ReflectionPad3d", x, m.Padding[:], functional.PadReflect)
}

// ReplicationPad1d is PyTorch's nn.ReplicationPad1d: it pads the last axis
// of a C×W or N×C×W input by Padding (left, right), repeating its first and
// last positions; see padding.go's introduction and ops.Pad.
//
//	y = F.pad(x, Padding, "replicate")    …×(W+left+right)
//
// Forward panics if x is not 2-d or 3-d, if an axis but the first is
// empty, if the padding leaves W empty, or if it is negative.
type ReplicationPad1d[T tensor.Float] struct {
	stateless[T]
	Padding [2]int
}

// NewReplicationPad1d returns nn.ReplicationPad1d(padding): one value for
// both sides, or left, right. It panics on any other number of values.
func NewReplicationPad1d[T tensor.Float](padding ...int) *ReplicationPad1d[T] {
	return &ReplicationPad1d[T]{Padding: [2]int(expandPads("ReplicationPad1d", 1, padding))}
}

// Forward pads x.
func (m *ReplicationPad1d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return padCopy("ReplicationPad1d", x, m.Padding[:], functional.PadReplicate)
}

// ReplicationPad2d is PyTorch's nn.ReplicationPad2d: it pads the last two
// axes of a C×H×W or N×C×H×W input by Padding (left, right, top, bottom),
// repeating the first and last positions of each; see padding.go's
// introduction and ops.Pad.
//
//	y = F.pad(x, Padding, "replicate")    …×(H+top+bottom)×(W+left+right)
//
// Forward panics if x is not 3-d or 4-d, if an axis but the first is
// empty, if the padding leaves every padded axis empty, or if a padded
// size is negative.
type ReplicationPad2d[T tensor.Float] struct {
	stateless[T]
	Padding [4]int
}

// NewReplicationPad2d returns nn.ReplicationPad2d(padding): one value for
// every side, or left, right, top, bottom. It panics on any other number
// of values.
func NewReplicationPad2d[T tensor.Float](padding ...int) *ReplicationPad2d[T] {
	return &ReplicationPad2d[T]{Padding: [4]int(expandPads("ReplicationPad2d", 2, padding))}
}

// Forward pads x.
func (m *ReplicationPad2d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return padCopy("ReplicationPad2d", x, m.Padding[:], functional.PadReplicate)
}

// ReplicationPad3d is PyTorch's nn.ReplicationPad3d: it pads the last three
// axes of a C×D×H×W or N×C×D×H×W input by Padding (left, right, top,
// bottom, front, back), repeating the first and last positions of each;
// see padding.go's introduction and ops.Pad.
//
//	y = F.pad(x, Padding, "replicate")    …×(D+front+back)×(H+top+bottom)×(W+left+right)
//
// Forward panics if x is not 4-d or 5-d, if an axis but the first is
// empty, if the padding leaves every padded axis empty, or if a padded
// size is negative.
type ReplicationPad3d[T tensor.Float] struct {
	stateless[T]
	Padding [6]int
}

// NewReplicationPad3d returns nn.ReplicationPad3d(padding): one value for
// every side, or left, right, top, bottom, front, back. It panics on any
// other number of values.
func NewReplicationPad3d[T tensor.Float](padding ...int) *ReplicationPad3d[T] {
	return &ReplicationPad3d[T]{Padding: [6]int(expandPads("ReplicationPad3d", 3, padding))}
}

// Forward pads x.
func (m *ReplicationPad3d[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return padCopy("ReplicationPad3d", x, m.Padding[:], functional.PadReplicate)
}
