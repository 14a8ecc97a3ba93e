package ops

import "github.com/tapegrad/tapegrad/tensor"

// SetConvTrim turns Conv2d's trimming of dead kernel taps on or off for a
// test and returns the function that restores it. Tests that call it must
// not run in parallel.
func SetConvTrim(on bool) (restore func()) {
	was := convTrim
	convTrim = on
	return func() { convTrim = was }
}

// ConvTrimmed reports whether op's last Forward computed with trimmed
// weights.
func ConvTrimmed[T tensor.Float](op *Conv2d[T]) bool { return op.trimmed() }
