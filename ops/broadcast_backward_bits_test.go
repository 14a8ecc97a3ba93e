package ops_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestBroadcastBackwardBits checks that the backward rules which skip a
// pass over a broadcast operand's gradient give the bits of the plain
// formulas: Sub's −Σ dy (summed, then negated), Div's (dy/b)·a/(−b) and
// Mean's dy/m broadcast (scaled, then broadcast), against Σ(−dy),
// −((dy/b)·a/b) and broadcast-then-scale.
func TestBroadcastBackwardBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := tensor.RandN[float32](rng, 8, 16, 5, 7)
	b := tensor.RandU[float32](rng, 0.5, 2, 1, 16, 1, 1)
	dy := tensor.RandN[float32](rng, 8, 16, 5, 7)
	same := func(name string, x, y *tensor.Tensor[float32]) {
		for i := range x.Data() {
			if math.Float32bits(x.Data()[i]) != math.Float32bits(y.Data()[i]) {
				t.Fatalf("%s [%d] %v vs %v", name, i, x.Data()[i], y.Data()[i])
			}
		}
	}
	sub := &ops.Sub[float32]{}
	sub.Forward([]*tensor.Tensor[float32]{a, b})
	g := sub.Backward(dy, []bool{true, true})
	same("sub", g[1], tensor.SumTo(tensor.Neg(dy), 1, 16, 1, 1))
	div := &ops.Div[float32]{}
	div.Forward([]*tensor.Tensor[float32]{a, b})
	g = div.Backward(dy, []bool{true, true})
	old := tensor.Mul(tensor.Div(dy, b), a)
	old.DivInPlace(b)
	old.ScaleInPlace(-1)
	same("div", tensor.SumTo(g[1], 1, 16, 1, 1), tensor.SumTo(old, 1, 16, 1, 1))
	same("div full", g[1], old)
	mean := &ops.Mean[float32]{Axes: []int{0, 2, 3}}
	mean.Forward([]*tensor.Tensor[float32]{a})
	dm := tensor.RandN[float32](rng, 16)
	g = mean.Backward(dm, []bool{true})
	o := tensor.BroadcastTo(dm.Reshape(1, 16, 1, 1), 8, 16, 5, 7)
	o.ScaleInPlace(1 / float32(8*5*7))
	same("mean", g[0], o)
}
