// Package gemmbench is workload W4 of WORKLOADS.md, the general matrix
// product C = A·B through tensor.Gemm on the shapes the course's networks
// meet, as code that both the testing.B benchmarks of package benchmarks and
// the compare command run.
//
// A Workload holds A (M×K), B (K×N), drawn once from a seeded source, and
// the C (M×N) that every Run overwrites, so that a Run allocates nothing and
// times the kernel alone. Shape.FLOPs turns a time into GFLOP/s:
//
//	s := gemmbench.Shapes[0]
//	w := gemmbench.NewWorkload[float32](rand.New(rand.NewPCG(1, 2)), s)
//	start := time.Now()
//	w.Run()
//	fmt.Printf("%.1f GFLOP/s\n", s.FLOPs()/time.Since(start).Seconds()/1e9)
package gemmbench
