package ops

import "fmt"

// forwardOnly is embedded by ops whose forward pass does work that only
// their backward pass needs — MaxPool2d's argmax — so that it can be
// skipped when nothing will differentiate the output, or that can do, in
// that case only, work that has no backward pass — Conv2d's Epilogue.
//
// Only the caller of autograd.Apply knows whether the output will be
// recorded: it is not when no input requires a gradient, or when the tape
// records nothing (autograd.Tape.SetGradEnabled(false)). autograd.Records
// tells, and the functional wrappers of these ops call
// ForwardOnly(!autograd.Records(inputs...)) before Apply. (The engine does
// not set it itself: MaxPool2dWithIndices wants the argmax without a
// recording.)
type forwardOnly struct{ on bool }

// ForwardOnly says whether the op's next Forward may skip what only its
// backward pass needs, because the output will not be differentiated
// through the op. Backward and BackwardVar panic after such a Forward, and
// what the op would keep for them (MaxPool2d's Indices) is not there.
func (f *forwardOnly) ForwardOnly(on bool) { f.on = on }

// check panics if the last Forward was forward-only; what names the
// method called, op the op.
func (f *forwardOnly) check(op, what string) {
	if f.on {
		panic(fmt.Sprintf(errForwardOnly, op, what))
	}
}
