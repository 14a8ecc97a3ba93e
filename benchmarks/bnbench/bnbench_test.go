package bnbench_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/bnbench"
	"github.com/tapegrad/tapegrad/tensor"
)

// TestComposedAndFusedAgree checks, in float64, that both variants compute
// the same output and gradients, and the bytes each keeps. Per element of x,
// the fused op keeps x itself (it recomputes x̂ from it), and the composed
// tape keeps x̂ and x − μ (Mul(xc, xc) and Div(xc, σ) keep the same tensor,
// counted once). Per channel, the fused op keeps γ/σ, and μ and 1/σ in
// float64; the composed tape keeps σ (the output of Sqrt, also Div's
// divisor) and γ (Mul's operand, a Reshape sharing γ's data). So, with M
// values per channel and C channels,
//
//	fused    = (M·C + C)·size + 2·C·8
//	composed = (2·M·C + 2·C)·size
func TestComposedAndFusedAgree(t *testing.T) {
	for _, shape := range [][]int{{4, 3}, {7, 1}, {1, 3, 2, 2}, {2, 3, 4, 5}} {
		t.Run(bnbench.ShapeName(shape), func(t *testing.T) {
			w := bnbench.NewWorkload[float64](rand.New(rand.NewPCG(1, 2)), shape...)
			c := w.Step(bnbench.Composed).Clone()
			f := w.Step(bnbench.Fused)
			if d := tensor.MaxAbsDiff(c.Y, f.Y); d > 1e-10 {
				t.Errorf("outputs differ by %g", d)
			}
			if d := bnbench.MaxGradDiff(c, f); !(d <= 1e-10) {
				t.Errorf("MaxGradDiff = %g, want ≤ 1e-10", d)
			}
			ch := shape[1]
			m := tensor.NumElems(shape) / ch
			if want := (m*ch+ch)*8 + 2*ch*8; f.SavedBytes != want {
				t.Errorf("fused keeps %d bytes, want (M·C + C)·8 + 2·C·8 = %d", f.SavedBytes, want)
			}
			if want := (2*m*ch + 2*ch) * 8; c.SavedBytes != want {
				t.Errorf("composed keeps %d bytes, want (2·M·C + 2·C)·8 = %d", c.SavedBytes, want)
			}
		})
	}
}

// TestStepRepeats checks that a Step starts afresh: parameter gradients do
// not add up across Steps, and the reused tape gives the same results.
func TestStepRepeats(t *testing.T) {
	w := bnbench.NewWorkload[float32](rand.New(rand.NewPCG(3, 4)), 5, 2, 3)
	for _, v := range []bnbench.Variant{bnbench.Composed, bnbench.Fused} {
		a := w.Step(v).Clone()
		b := w.Step(v)
		if d := bnbench.MaxGradDiff(a, b); d != 0 {
			t.Errorf("%v: two Steps differ by %g", v, d)
		}
	}
}

func ExampleWorkload() {
	w := bnbench.NewWorkload[float64](rand.New(rand.NewPCG(1, 2)), 200, 100)
	c := w.Step(bnbench.Composed).Clone()
	f := w.Step(bnbench.Fused)
	fmt.Println("bytes kept:", c.SavedBytes, f.SavedBytes)
	fmt.Println("same gradients:", bnbench.MaxGradDiff(c, f) < 1e-10)
	// Output:
	// bytes kept: 321600 162400
	// same gradients: true
}

// Inputs gives the tensors the Steps read: with x set to one value per
// channel's column, the next Step's y is β (x̂ = 0) and its dβ is Σ g.
func TestInputs(t *testing.T) {
	w := bnbench.NewWorkload[float64](rand.New(rand.NewPCG(3, 4)), 6, 3)
	x, g, _, beta := w.Inputs()
	for i := range x.Data() {
		x.Data()[i] = 2
	}
	r := w.Step(bnbench.Fused)
	for i, v := range r.Y.Data() {
		if want := beta.Data()[i%3]; v != want {
			t.Fatalf("y[%d] = %v, want β = %v", i, v, want)
		}
	}
	if d := tensor.MaxAbsDiff(r.DBeta, tensor.Sum(g, false, 0)); d > 1e-12 {
		t.Errorf("dβ differs from Σ g by %v", d)
	}
}
