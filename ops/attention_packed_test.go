package ops_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestPackedAttentionMatchesSDPA checks PackedAttention against
// ScaledDotProductAttention on the heads split out of x by hand, in both
// types: the output, dx (dq, dk and dv side by side) and the mask's
// gradient agree bit for bit, batch first and sequence first, with the
// causal mask (over 128 positions, where the products run by blocks), a
// broadcast mask and dropout (the same masks from the same seeds).
func TestPackedAttentionMatchesSDPA(t *testing.T) {
	testPackedAttention[float32](t)
	testPackedAttention[float64](t)
}

func testPackedAttention[T tensor.Float](t *testing.T) {
	for _, c := range []struct {
		n, l, e, h int
		seqFirst   bool
		causal     bool
		mask       []int
		dropP      float64
	}{
		{n: 2, l: 5, e: 8, h: 2},
		{n: 3, l: 4, e: 12, h: 3, seqFirst: true},
		{n: 2, l: 131, e: 16, h: 4, causal: true},
		{n: 2, l: 7, e: 8, h: 2, seqFirst: true, causal: true},
		{n: 2, l: 6, e: 8, h: 2, mask: []int{2, 1, 1, 6}},
		{n: 2, l: 6, e: 8, h: 2, mask: []int{2, 2, 6, 6}, seqFirst: true},
		{n: 2, l: 9, e: 12, h: 3, causal: true, dropP: 0.25},
	} {
		name := fmt.Sprintf("%T N%d L%d E%d H%d seqfirst=%t causal=%t mask=%v p=%g", T(0), c.n, c.l, c.e, c.h, c.seqFirst, c.causal, c.mask, c.dropP)
		r := rng(77)
		d := c.e / c.h
		xs := []int{c.n, c.l, 3 * c.e}
		if c.seqFirst {
			xs = []int{c.l, c.n, 3 * c.e}
		}
		x := convert[T](randn(r, xs...))
		ys := []int{xs[0], xs[1], c.e}
		dy := convert[T](randn(r, ys...))
		// row returns the offset of position i of sequence n in x or y,
		// rows of w values.
		row := func(n, i, w int) int {
			if c.seqFirst {
				return (i*c.n + n) * w
			}
			return (n*c.l + i) * w
		}
		heads := func(src *tensor.Tensor[T], w, third int) *tensor.Tensor[T] {
			out := tensor.New[T](c.n, c.h, c.l, d)
			for n := range c.n {
				for h := range c.h {
					for i := range c.l {
						copy(out.Data()[((n*c.h+h)*c.l+i)*d:][:d], src.Data()[row(n, i, w)+third*c.e+h*d:][:d])
					}
				}
			}
			return out
		}
		in := []*tensor.Tensor[T]{x}
		hin := []*tensor.Tensor[T]{heads(x, 3*c.e, 0), heads(x, 3*c.e, 1), heads(x, 3*c.e, 2)}
		if c.mask != nil {
			m := convert[T](randn(r, c.mask...))
			in, hin = append(in, m), append(hin, m)
		}
		op := &ops.PackedAttention[T]{Heads: c.h, SeqFirst: c.seqFirst, IsCausal: c.causal, DropoutP: c.dropP,
			Rng: rand.New(rand.NewPCG(3, 4))}
		ref := &ops.ScaledDotProductAttention[T]{IsCausal: c.causal, DropoutP: c.dropP, Rng: rand.New(rand.NewPCG(3, 4))}
		y, yh := op.Forward(in), ref.Forward(hin)
		if got := y.Shape(); !tensor.EqualShapes(got, ys) {
			t.Fatalf("%s: output of shape %v, want %v", name, got, ys)
		}
		needs := make([]bool, len(in))
		for i := range needs {
			needs[i] = true
		}
		g := op.Backward(dy, needs)
		gh := ref.Backward(heads(dy, c.e, 0), append(needs, true, true)[:len(hin)])
		same := func(what string, got, want *tensor.Tensor[T]) {
			t.Helper()
			for i, v := range got.Data() {
				if w := want.Data()[i]; math.Float64bits(float64(v)) != math.Float64bits(float64(w)) {
					t.Fatalf("%s: %s[%d] = %v, split heads' %v", name, what, i, v, w)
				}
			}
		}
		same("y", heads(y, c.e, 0), yh)
		for k, what := range []string{"dq", "dk", "dv"} {
			same(what, heads(g[0], 3*c.e, k), gh[k])
		}
		if c.mask != nil {
			same("dmask", g[1], gh[3])
		}
	}
}
