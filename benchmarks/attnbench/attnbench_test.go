package attnbench_test

import (
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/attnbench"
	"github.com/tapegrad/tapegrad/internal/testutil"
)

func TestNames(t *testing.T) {
	if got := attnbench.W7.Name(); got != "32x4x128x32-causal" {
		t.Errorf("W7.Name() = %q", got)
	}
	if got := (attnbench.Case{Batch: 1, Heads: 2, Tokens: 3, HeadDim: 4}).Name(); got != "1x2x3x4" {
		t.Errorf("Name() = %q", got)
	}
}

// TestComposedAndFusedAgree checks, in float64 on a small case, that both
// variants compute the same output and gradients, that steps repeat
// bit for bit on the reused tape, and that the fused op keeps less: q, k,
// v and 16 bytes per query, where the composed keeps two attention
// matrices more.
func TestComposedAndFusedAgree(t *testing.T) {
	c := attnbench.Case{Batch: 2, Heads: 3, Tokens: 16, HeadDim: 8, Causal: true}
	w := attnbench.NewWorkload[float64](rand.New(rand.NewPCG(1, 2)), c)
	comp := w.Step(attnbench.Composed).Clone()
	fused := w.Step(attnbench.Fused).Clone()
	if d := attnbench.MaxDiff(comp, fused); !(d <= 1e-13) {
		t.Errorf("composed and fused differ by %g", d)
	}
	again := w.Step(attnbench.Fused)
	if d := attnbench.MaxDiff(fused, again); d != 0 {
		t.Errorf("a second fused step differs by %g", d)
	}
	n := c.Batch * c.Heads * c.Tokens
	if want := 3*8*n*c.HeadDim + 16*n; fused.SavedBytes != want {
		t.Errorf("fused keeps %d bytes, want %d", fused.SavedBytes, want)
	}
	if attn := 8 * n * c.Tokens; comp.SavedBytes < fused.SavedBytes+attn {
		t.Errorf("composed keeps %d bytes, want more than fused's %d plus an attention matrix's %d", comp.SavedBytes, fused.SavedBytes, attn)
	}
	// Causal: the first query sees the first key alone, so y's first row
	// of every head is v's.
	for h := range c.Batch * c.Heads {
		off := h * c.Tokens * c.HeadDim
		if d := testutil.MaxAbsDiff(fused.Y.Data()[off:off+c.HeadDim], w.In.V.Data()[off:off+c.HeadDim]); d != 0 {
			t.Fatalf("head %d: y's first row differs from v's by %g", h, d)
		}
	}
	if names := fused.Named(); len(names) != 4 || names[0].Name != "y" || names[3].Name != "dv" {
		t.Errorf("Named() = %v", names)
	}
	testutil.MustPanic(t, func() { w.Step(attnbench.Variant(7)) }, "attnbench: no Variant(7)")
}
