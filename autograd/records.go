package autograd

import (
	"fmt"

	"github.com/tapegrad/tapegrad/tensor"
)

// Records reports whether Apply would record an op applied to inputs, so
// that a backward pass could go through it: when an input requires a
// gradient, unless the inputs' tape records nothing (recording turned off
// with Tape.SetGradEnabled, or the tape stopped on an anomaly). It lets a
// caller choose, before applying anything, between a forward-only
// computation — an op told it will not be differentiated, such as
// ops.MaxPool2d.ForwardOnly, or a fused inference op without a backward
// pass — and one that gradients can go through. Nil inputs are skipped. It
// panics, as Apply does, on inputs from two tapes or from before a Reset of
// their tape.
func Records[T tensor.Float](inputs ...*Var[T]) bool {
	tp, requires := inputsTape(nil, "Records", inputs)
	return requires && (tp == nil || (!tp.noGrad && tp.err == nil))
}

// inputsTape returns the tape the inputs live on, t if none does, and
// whether one of them requires a gradient; nil inputs are skipped. It
// panics, naming what, if they live on two tapes (or on one other than a
// non-nil t) or one is from before its tape's Reset.
func inputsTape[T tensor.Float](t *Tape[T], what string, inputs []*Var[T]) (*Tape[T], bool) {
	tp, requires := t, false
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if in.tape != nil {
			if tp != nil && in.tape != tp {
				panic(fmt.Sprintf(errTwoTapes, what))
			}
			tp = in.tape
			if in.gen != tp.gen {
				panic(fmt.Sprintf(errStaleVar, what))
			}
		}
		requires = requires || in.requiresGrad
	}
	return tp, requires
}
