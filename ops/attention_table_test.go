package ops_test

import (
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// attentionEntries are the op table's entries of ScaledDotProductAttention
// (issue 20).
func attentionEntries[T tensor.Float]() []opEntry[T] {
	const name = "ScaledDotProductAttention"
	var es []opEntry[T]
	for _, c := range []struct {
		cfg          string
		q, k, v, m   []int
		causal       bool
		scale, dropP float64
	}{
		{cfg: "2x3x4,S5,Ev3", q: []int{2, 3, 4}, k: []int{2, 5, 4}, v: []int{2, 5, 3}},
		{cfg: "heads,mask=full", q: []int{2, 2, 3, 4}, k: []int{2, 2, 4, 4}, v: []int{2, 2, 4, 2}, m: []int{2, 2, 3, 4}},
		{cfg: "heads,mask=LxS", q: []int{2, 2, 3, 2}, k: []int{2, 2, 4, 2}, v: []int{2, 2, 4, 3}, m: []int{3, 4}},
		{cfg: "heads,mask=Nx1x1xS", q: []int{2, 3, 2, 3}, k: []int{2, 3, 4, 3}, v: []int{2, 3, 4, 2}, m: []int{2, 1, 1, 4}},
		{cfg: "causal,L=S", q: []int{2, 4, 3}, k: []int{2, 4, 3}, v: []int{2, 4, 2}, causal: true},
		{cfg: "causal,L<S", q: []int{1, 2, 3, 2}, k: []int{1, 2, 5, 2}, v: []int{1, 2, 5, 3}, causal: true},
		{cfg: "causal,L>S", q: []int{2, 5, 2}, k: []int{2, 3, 2}, v: []int{2, 3, 2}, causal: true},
		{cfg: "scale0.7,mask=1xS", q: []int{3, 2, 3}, k: []int{3, 3, 3}, v: []int{3, 3, 1}, m: []int{1, 3}, scale: 0.7},
		{cfg: "unbatched", q: []int{3, 4}, k: []int{5, 4}, v: []int{5, 2}},
		{cfg: "dropout0.3", q: []int{2, 3, 2}, k: []int{2, 4, 2}, v: []int{2, 4, 2}, dropP: 0.3},
		{cfg: "dropout0.5,causal", q: []int{2, 2, 4, 3}, k: []int{2, 2, 4, 3}, v: []int{2, 2, 4, 2}, causal: true, dropP: 0.5},
	} {
		c := c
		shapes := [][]int{c.q, c.k, c.v}
		kept := []int{0, 1, 2}
		if c.m != nil {
			shapes = append(shapes, c.m)
			kept = append(kept, 3)
		}
		queries := tensor.NumElems(c.q[:len(c.q)-1])
		wrongK := append([]int(nil), c.k...)
		wrongK[len(wrongK)-1]++
		wrongV := append([]int(nil), c.v...)
		wrongV[len(wrongV)-2]++
		bs := []badInput{
			{shapes: shapes[:2], want: []string{"ops: ScaledDotProductAttention takes 3 inputs (q, k, v) or 4", "got 2"}},
			{shapes: s(c.q, c.k, c.v, c.q, c.q), want: []string{"got 5"}},
			bad(s(c.q, wrongK, c.v), "ops: ScaledDotProductAttention:", "the same batch axes"),
			bad(s(c.q, c.k, wrongV), "ops: ScaledDotProductAttention:"),
			bad(s(c.q[len(c.q)-1:], c.k, c.v), "ops: ScaledDotProductAttention:"),
		}
		scores := append(append([]int(nil), c.q[:len(c.q)-1]...), c.k[len(c.k)-2])
		if c.causal {
			bs = append(bs, bad(s(c.q, c.k, c.v, scores)[3:], "ops: ScaledDotProductAttention:", "with IsCausal"))
			bs[len(bs)-1].shapes = s(c.q, c.k, c.v, scores)
		} else {
			wrongM := append([]int(nil), scores...)
			wrongM[len(wrongM)-1]++
			bs = append(bs, bad(s(wrongM, scores), "ops: ScaledDotProductAttention:", "does not broadcast"))
			bs[len(bs)-1].shapes = s(c.q, c.k, c.v, wrongM)
		}
		es = append(es, opEntry[T]{name: name, config: c.cfg,
			new: func() autograd.Op[T] {
				op := &ops.ScaledDotProductAttention[T]{IsCausal: c.causal, Scale: c.scale, DropoutP: c.dropP}
				if c.dropP > 0 {
					op.Rng = rand.New(rand.NewPCG(20, 26))
				}
				return op
			},
			inputs: normal(shapes...),
			keeps:  keeps{in: kept, extra: func([][]int, []int) int { return 16 * queries }},
			bad:    bs, tol32: 1e-4})
	}
	return es
}
