package main

import (
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/benchmarks/attnbench"
	"github.com/tapegrad/tapegrad/safetensors"
)

// TestAttnRows runs both W7 rows against a stand-in for workloads.py that
// computes the reference's outputs in tapegrad, from the inputs file the
// row wrote, with the other variant: the values agree within float32
// rounding, and a reference output off by 1e-3 is reported as a mismatch.
func TestAttnRows(t *testing.T) {
	if got := ids(attnSpecs()); strings.Join(got, ",") != "W7/composed,W7/fused" {
		t.Fatalf("attnSpecs() = %v", got)
	}
	for _, v := range []attnbench.Variant{attnbench.Composed, attnbench.Fused} {
		r, files, err := attnSetup(v)(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		in, err := readNamed(files["inputs"], attnInputNames)
		if err != nil {
			t.Fatal(err)
		}
		w := attnbench.FromInputs(attnbench.W7, attnbench.Inputs[float32]{Q: in[0], K: in[1], V: in[2], G: in[3]})
		ref := w.Step(1 - v) // the other variant
		write := func(skew float32) {
			sw := safetensors.NewWriter()
			for _, n := range ref.Named() {
				x := n.Tensor.Clone()
				if n.Name == "dk" {
					x.Data()[7] += skew
				}
				safetensors.Add(sw, n.Name, x)
			}
			if err := sw.WriteFile(files["out"]); err != nil {
				t.Fatal(err)
			}
		}
		write(0)
		r.step()
		diffs, err := r.values()
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range diffs {
			if !d.ok() || d.MaxAbs > 1e-5 || d.RefMax < 1 {
				t.Errorf("%v: %+v, want agreement", v, d)
			}
		}
		n := attnbench.W7.Batch * attnbench.W7.Heads * attnbench.W7.Tokens
		fused := int64(3*4*n*attnbench.W7.HeadDim + 16*n)
		if got := r.saved(); (v == attnbench.Fused) != (got == fused) || got <= 0 {
			t.Errorf("%v keeps %d bytes; the fused op keeps %d", v, got, fused)
		}
		write(1e-3)
		if diffs, err = r.values(); err != nil {
			t.Fatal(err)
		}
		if diffs[2].Name != "dk" || diffs[2].ok() {
			t.Errorf("%v: a reference dk off by 1e-3 gives %+v, want a mismatch", v, diffs[2])
		}
	}
}
