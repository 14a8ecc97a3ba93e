package ops_test

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
	"github.com/tapegrad/tapegrad/ops"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestAttentionDoesNotDependOnGOMAXPROCS checks that the heads, which run
// in parallel, give the same bits of y and of every gradient whatever
// GOMAXPROCS is: causal with dropout (its masks drawn per head) and with
// a broadcast float mask.
func TestAttentionDoesNotDependOnGOMAXPROCS(t *testing.T) {
	r := rng(201)
	q, k, v := randn(r, 3, 4, 40, 8), randn(r, 3, 4, 40, 8), randn(r, 3, 4, 40, 5)
	m := randn(r, 4, 40, 40)
	cases := []struct {
		name string
		mk   func() autograd.Op[float64]
		in   []t64
	}{
		{"causal,dropout", func() autograd.Op[float64] {
			return &ops.ScaledDotProductAttention[float64]{IsCausal: true, DropoutP: 0.3, Rng: rand.New(rand.NewPCG(4, 5))}
		}, []t64{q, k, v}},
		{"mask", func() autograd.Op[float64] { return &ops.ScaledDotProductAttention[float64]{} }, []t64{q, k, v, m}},
	}
	run := func(c int) []t64 {
		seed := tensor.Map(forward[float64](cases[c].mk(), cases[c].in...), func(v float64) float64 { return v*0.37 - 0.1 })
		y, grads := backward(t, cases[c].mk(), seed, cases[c].in...)
		return append([]t64{y}, grads...)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	want := make([][]t64, len(cases))
	for c := range cases {
		want[c] = run(c)
	}
	runtime.GOMAXPROCS(4)
	for c := range cases {
		for i, got := range run(c) {
			if !tensor.AllClose(got, want[c][i], 0, 0) {
				t.Errorf("%s: result %d differs between GOMAXPROCS 1 and 4 by %g", cases[c].name, i, tensor.MaxAbsDiff(got, want[c][i]))
			}
		}
	}
}
