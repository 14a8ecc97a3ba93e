// Package normbench is workload W6 of WORKLOADS.md, the normalization
// layers and a decoder's transposed convolution, as code that the testing.B
// benchmarks of package benchmarks and the compare command both run.
//
// A Workload holds one layer's inputs, drawn once from a seeded source, and
// a tape that every Step resets and reuses, with its buffers. A Step is one
// forward pass of the layer in float32 (or float64) and one backward pass of
// L = Σ y ⊙ g for a fixed random g, with x, the weight and the bias all
// requiring gradients:
//
//	w := normbench.NewWorkload[float32](rand.New(rand.NewPCG(1, 2)), normbench.Cases[0])
//	c := w.Step(normbench.Composed).Clone() // the next Step reuses its storage
//	f := w.Step(normbench.Fused)
//	fmt.Println(c.SavedBytes, f.SavedBytes, normbench.MaxDiff(c, f))
package normbench
