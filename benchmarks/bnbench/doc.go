// Package bnbench is workload W3 of WORKLOADS.md, batch normalization
// composed from tape primitives against the fused op, as code that both the
// testing.B benchmarks of package benchmarks and the bncompare command run.
//
// A Workload holds one shape's inputs, drawn once from a seeded source, and
// a tape that every Step resets and reuses, with its buffers. A Step is one forward pass of
// batch norm in training mode and one backward pass of L = Σ y ⊙ g for a
// fixed random g, with x, γ and β all requiring gradients:
//
//	w := bnbench.NewWorkload[float32](rand.New(rand.NewPCG(1, 2)), 200, 100)
//	c := w.Step(bnbench.Composed).Clone() // the next Step reuses its storage
//	f := w.Step(bnbench.Fused)
//	fmt.Println(c.SavedBytes, f.SavedBytes, bnbench.MaxGradDiff(c, f))
package bnbench
