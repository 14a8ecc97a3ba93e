package autograd

import "github.com/tapegrad/tapegrad/tensor"

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
	var tp *Tape[T]
	requires := false
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if in.tape != nil {
			if tp != nil && in.tape != tp {
				panic(errRecordsTwoTapes)
			}
			tp = in.tape
			if in.gen != tp.gen {
				panic(errRecordsStale)
			}
		}
		requires = requires || in.requiresGrad
	}
	return requires && (tp == nil || (!tp.noGrad && tp.err == nil))
}

const (
	errRecordsTwoTapes = "autograd: Records: inputs from two different tapes"
	errRecordsStale    = "autograd: Records: a Var from before its tape's Reset"
)
