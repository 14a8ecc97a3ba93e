package optim_test

import (
	"math"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/tensor"
)

// scalarParam returns a one-element parameter holding v.
func scalarParam(v float64) *autograd.Var[float64] {
	return autograd.NewParam(tensor.FromSlice([]float64{v}, 1))
}

// setGrad gives p the one-element gradient g, as a backward pass would.
func setGrad(p *autograd.Var[float64], g float64) {
	p.SetGrad(tensor.FromSlice([]float64{g}, 1))
}

// value returns p's only element.
func value(p *autograd.Var[float64]) float64 { return p.Value().Data()[0] }

// checkClose fails unless got is within tol of want.
func checkClose(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol) {
		t.Errorf("%s = %.17g, want %.17g (|diff| %.3g > %.3g)", what, got, want, math.Abs(got-want), tol)
	}
}
