package functional

import (
	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// releaseTemp gives a composite's intermediate result back to its tape's
// arena once the composite has consumed it (autograd.Tape.ReleaseValue):
// under no-grad at once, on a tape that does not retain its graph once
// nothing recorded keeps it, and otherwise never. v must be the
// composite's own, seen by no one else, and not share storage with the
// composite's result.
func releaseTemp[T tensor.Float](v *autograd.Var[T]) {
	if tp := v.Tape(); tp != nil {
		tp.ReleaseValue(v)
	}
}
