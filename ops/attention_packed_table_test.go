package ops_test

import (
	"math/rand/v2"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// packedAttentionEntries are the op table's PackedAttention rows:
// batch first and sequence first, one head and several, causal, full and
// broadcast masks, a scale, and dropout with a seeded source.
func packedAttentionEntries[T tensor.Float]() []opEntry[T] {
	const name = "PackedAttention"
	var es []opEntry[T]
	for _, c := range []struct {
		cfg          string
		x, m         []int
		heads        int
		seqFirst     bool
		causal       bool
		scale, dropP float64
	}{
		{cfg: "N2,L3,E4,H2", x: []int{2, 3, 12}, heads: 2},
		{cfg: "seqfirst,L3,N2,E6,H3", x: []int{3, 2, 18}, heads: 3, seqFirst: true},
		{cfg: "causal,H1", x: []int{2, 4, 6}, heads: 1, causal: true},
		{cfg: "causal,seqfirst", x: []int{4, 2, 12}, heads: 2, seqFirst: true, causal: true},
		{cfg: "mask=full", x: []int{2, 3, 12}, heads: 2, m: []int{2, 2, 3, 3}},
		{cfg: "mask=LxL,scale0.7", x: []int{2, 3, 12}, heads: 2, m: []int{3, 3}, scale: 0.7},
		{cfg: "mask=Nx1x1xL,seqfirst", x: []int{3, 2, 12}, heads: 2, m: []int{2, 1, 1, 3}, seqFirst: true},
		{cfg: "dropout0.3,causal", x: []int{2, 4, 12}, heads: 2, causal: true, dropP: 0.3},
	} {
		shapes := [][]int{c.x}
		kept := []int{0}
		if c.m != nil {
			shapes = append(shapes, c.m)
			kept = append(kept, 1)
		}
		n, l := c.x[0], c.x[1]
		if c.seqFirst {
			n, l = l, n
		}
		queries := n * c.heads * l
		scores := []int{n, c.heads, l, l}
		bs := []badInput{
			{shapes: s(c.x, scores, scores), want: []string{"ops: PackedAttention takes 1 input (x) or 2", "got 3"}},
			bad(s([]int{c.x[0], c.x[1], c.x[2] + 1}), "ops: PackedAttention:", "3E"),
			bad(s(c.x[1:]), "ops: PackedAttention:", "3E"),
		}
		if c.causal {
			bs = append(bs, badInput{shapes: s(c.x, scores), want: []string{"ops: PackedAttention:", "with IsCausal"}})
		} else {
			wrong := []int{n, c.heads, l, l + 1}
			bs = append(bs, badInput{shapes: s(c.x, wrong), want: []string{"ops: PackedAttention:", "does not broadcast"}})
		}
		es = append(es, opEntry[T]{name: name, config: c.cfg,
			new: func() autograd.Op[T] {
				op := &ops.PackedAttention[T]{Heads: c.heads, SeqFirst: c.seqFirst, IsCausal: c.causal, Scale: c.scale, DropoutP: c.dropP}
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
