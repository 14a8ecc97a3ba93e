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
