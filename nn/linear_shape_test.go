package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/internal/testutil"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestLinearInputShapes pins the inputs Linear takes, by tensor.MatMulShape
// of x and Wᵀ: a single sample, a batch, a stack of batches; and the panic
// naming the layer for the others, 0-d inputs included.
func TestLinearInputShapes(t *testing.T) {
	l := NewLinear[float64](3, 2, true, rand.New(rand.NewPCG(1, 2)))
	for _, c := range []struct{ in, want []int }{
		{[]int{3}, []int{2}},
		{[]int{5, 3}, []int{5, 2}},
		{[]int{4, 5, 3}, []int{4, 5, 2}},
		{[]int{0, 3}, []int{0, 2}},
	} {
		y := l.Forward(autograd.NewConst(tensor.New[float64](c.in...)))
		if !tensor.EqualShapes(y.Shape(), c.want) {
			t.Errorf("Linear(3→2) of %v: shape %v, want %v", c.in, y.Shape(), c.want)
		}
	}
	for _, in := range [][]int{{}, {4}, {5, 4}, {3, 1}} {
		want := fmt.Sprintf("nn: Linear(3→2): input of shape %v, want …×3", in)
		got, panicked := testutil.PanicMessage(func() { l.Forward(autograd.NewConst(tensor.New[float64](in...))) })
		if !panicked || got != want {
			t.Errorf("Linear(3→2) of %v: panic %q (panicked %t), want %q", in, got, panicked, want)
		}
	}
}
