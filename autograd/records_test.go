package autograd_test

import (
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestRecords: Records says what Apply does — records where an input
// requires a gradient (on a tape, or pending off any), not where none does,
// nor on a tape with recording off — and panics on Vars of two tapes and on
// a stale one.
func TestRecords(t *testing.T) {
	x := tensor.Ones[float64](2)
	tape := autograd.NewTape[float64]()
	param, c := autograd.NewParam(x), autograd.NewConst(x)
	in := tape.Input(x)
	for _, tc := range []struct {
		name   string
		inputs []*autograd.Var[float64]
		want   bool
	}{
		{"constants", []*autograd.Var[float64]{c, c}, false},
		{"a parameter off any tape (pending)", []*autograd.Var[float64]{param, c}, true},
		{"a tape input alone", []*autograd.Var[float64]{in}, false},
		{"a tape input and a parameter", []*autograd.Var[float64]{in, nil, param}, true},
	} {
		if got := autograd.Records(tc.inputs...); got != tc.want {
			t.Errorf("%s: Records = %v, want %v", tc.name, got, tc.want)
		}
	}
	tape.SetGradEnabled(false)
	if autograd.Records(in, param) {
		t.Error("recording off: Records(input, parameter) = true, want false")
	}
	tape.SetGradEnabled(true)
	other := autograd.NewTape[float64]()
	testutil.MustPanic(t, func() { autograd.Records(in, other.Input(x)) }, "autograd: Records mixes Vars of two different tapes")
	tape.Reset()
	testutil.MustPanic(t, func() { autograd.Records(in) }, "autograd: Records uses a Var recorded before its tape was Reset")
}
