// Package attnbench is workload W7 of WORKLOADS.md, causal scaled
// dot-product attention, as code that the testing.B benchmarks of package
// benchmarks and the compare command both run.
//
// A Workload holds q, k, v and an output gradient g, drawn once from a
// seeded source, and a tape that every Step resets and reuses, with its
// buffers. A Step is one forward pass of attention in float32 (or float64)
// — fused (functional.ScaledDotProductAttention) or composed from tape
// primitives (functional.ScaledDotProductAttentionComposed) — and one
// backward pass of L = Σ y ⊙ g, with q, k and v all requiring gradients:
//
//	w := attnbench.NewWorkload[float32](rand.New(rand.NewPCG(1, 2)), attnbench.W7)
//	c := w.Step(attnbench.Composed).Clone() // the next Step reuses its storage
//	f := w.Step(attnbench.Fused)
//	fmt.Println(c.SavedBytes, f.SavedBytes, attnbench.MaxDiff(c, f))
package attnbench
