package manual

import (
	"testing"

	"github.com/tapegrad/tapegrad/tensor"
)

// TestSoftmaxCrossEntropyEdges pins the manual softmax and cross-entropy at
// the edges of float64 to the correctly rounded values (mpmath at 400
// bits): a probability of 5e-324 at the label costs −ln 5e-324 =
// 744.4400719213812, which amd64's math.Log would make 709.0895657128241,
// and a logit 720 below the row's maximum gets e^−720 = 2.0322308024e-313,
// a subnormal that keeps its digits.
func TestSoftmaxCrossEntropyEdges(t *testing.T) {
	var ce CrossEntropy[float64]
	p := tensor.FromSlice([]float64{5e-324, 1}, 1, 2)
	if got, want := ce.Forward(p, []int{0}), 744.4400719213812; got != want {
		t.Errorf("CrossEntropy of p = 5e-324 at the label = %v, want %v", got, want)
	}
	var sm Softmax[float64]
	s := sm.Forward(tensor.FromSlice([]float64{0, -720, -746}, 1, 3)).Data()
	for i, want := range []float64{1, 2.0322308024e-313, 0} {
		if s[i] != want {
			t.Errorf("Softmax(0, −720, −746)[%d] = %v, want %v", i, s[i], want)
		}
	}
}

// TestELUFarTail pins the manual ELU's gradient in the far negative tail,
// where the course's dy ⊙ (y + α) cancels to 0: at x = −40 the derivative
// is α·e⁻⁴⁰ = 4.248354255291589e-18 (e⁻⁴⁰ correctly rounded), and at
// x = −800 it underflows to 0 as e⁻⁸⁰⁰ does.
func TestELUFarTail(t *testing.T) {
	e := ELU[float64]{Alpha: 1}
	e.Forward(tensor.FromSlice([]float64{-40, -800, 2}, 3))
	got := e.Backward(tensor.FromSlice([]float64{1, 1, 3}, 3)).Data()
	for i, want := range []float64{4.248354255291589e-18, 0, 3} {
		if got[i] != want {
			t.Errorf("ELU'(x)·dy [%d] = %v, want %v", i, got[i], want)
		}
	}
	e2 := ELU[float64]{Alpha: 0.5}
	e2.Forward(tensor.FromSlice([]float64{-40}, 1))
	if got, want := e2.Backward(tensor.FromSlice([]float64{2}, 1)).Data()[0], 4.248354255291589e-18; got != want {
		t.Errorf("ELU(α = 0.5)'(−40)·2 = %v, want %v", got, want)
	}
}
